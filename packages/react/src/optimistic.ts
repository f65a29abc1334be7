import type { Entity } from '@selftracker/client';
import type { EntityData, EntityName } from '@selftracker/core';
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { type Filter, selftrackerKeys } from './keys.ts';
import { matchesFilter } from './queries.ts';

/** What a list looked like before an optimistic edit, to put back when the write fails. */
export type Snapshot = readonly (readonly [QueryKey, Entity[] | undefined])[];

/** An edit of one cached list, given that list's filter. */
export type ListEdit = (rows: Entity[], filter: Filter) => Entity[];

const ORDER: Record<EntityName, (a: Entity, b: Entity) => number> = {
  projects: (a, b) =>
    String(a.name).localeCompare(String(b.name), undefined, { sensitivity: 'base' }) || cmp(a.id, b.id),
  tasks: (a, b) => Number(a.created_at) - Number(b.created_at) || cmp(a.id, b.id),
  timers: (a, b) => Number(b.started_at) - Number(a.started_at) || cmp(a.id, b.id),
};
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Sorts like the repositories do, so an optimistic row shows where the real one will. */
export const sortRows = (entity: EntityName, rows: Entity[]): Entity[] => [...rows].sort(ORDER[entity]);

/** Cancels the table's fetches (so they cannot overwrite the edit), snapshots its lists, applies `edit`. */
export async function applyOptimistic(
  qc: QueryClient,
  entity: EntityName,
  edit: ListEdit,
): Promise<Snapshot> {
  const prefix = selftrackerKeys.entity(entity);
  await qc.cancelQueries({ queryKey: prefix });
  const snapshot = qc.getQueriesData<Entity[]>({ queryKey: prefix });
  for (const [key, rows] of snapshot) {
    if (!rows) continue;
    qc.setQueryData<Entity[]>(key, edit(rows, (key[2] ?? {}) as Filter));
  }
  return snapshot;
}

export function restore(qc: QueryClient, snapshot: Snapshot): void {
  for (const [key, rows] of snapshot) qc.setQueryData(key, rows);
}

let seq = 0;
/** A stand-in id for a row not written yet; the refetch after the write replaces the row. */
export const optimisticId = () => `optimistic-${Date.now().toString(36)}-${seq++}`;

/** Inserts `row` into every list whose filter it matches. */
export const insertRow =
  (entity: EntityName, row: Entity): ListEdit =>
  (rows, filter) =>
    matchesFilter(entity, row, filter) ? sortRows(entity, [...rows, row]) : rows;

/** Applies `change` to the matching rows, dropping those that leave the list's filter. */
export const patchRows =
  (entity: EntityName, which: (r: Entity) => boolean, change: (r: Entity) => EntityData): ListEdit =>
  (rows, filter) => {
    let touched = false;
    const next: Entity[] = [];
    for (const r of rows) {
      if (!which(r)) {
        next.push(r);
        continue;
      }
      touched = true;
      const updated = { ...r, ...change(r), synced: false } as Entity;
      if (matchesFilter(entity, updated, filter)) next.push(updated);
    }
    return touched ? sortRows(entity, next) : rows;
  };

export const removeRow =
  (id: string): ListEdit =>
  (rows) =>
    rows.some((r) => r.id === id) ? rows.filter((r) => r.id !== id) : rows;
