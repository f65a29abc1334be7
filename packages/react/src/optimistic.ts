import { type Entity, type Filter, matchesFilter, sortRows } from '@selftracker/client';
import type { EntityName, Patch } from '@selftracker/core';
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { selftrackerKeys } from './keys.ts';

/** What a list looked like before an optimistic edit, to put back when the write fails. */
export type Snapshot = readonly (readonly [QueryKey, unknown[] | undefined])[];

/** An edit of one cached list of `E`, given that list's filter. */
export type ListEdit<E extends EntityName> = (rows: Entity<E>[], filter: Filter<E>) => Entity<E>[];

/** Cancels the table's fetches (so they cannot overwrite the edit), snapshots its lists, applies `edit`. */
export async function applyOptimistic<E extends EntityName>(
  qc: QueryClient,
  entity: E,
  edit: ListEdit<E>,
): Promise<Snapshot> {
  const prefix = selftrackerKeys.entity(entity);
  await qc.cancelQueries({ queryKey: prefix });
  const snapshot = qc.getQueriesData<Entity<E>[]>({ queryKey: prefix });
  for (const [key, rows] of snapshot) {
    if (!rows) continue;
    qc.setQueryData<Entity<E>[]>(key, edit(rows, (key[2] ?? {}) as Filter<E>));
  }
  return snapshot;
}

export function restore(qc: QueryClient, snapshot: Snapshot): void {
  for (const [key, rows] of snapshot) qc.setQueryData(key, rows);
}

let seq = 0;
/** A stand-in id for a row not written yet; the refetch after the write replaces the row. */
export const optimisticId = () => `optimistic-${Date.now().toString(36)}-${seq++}`;

/**
 * Whether a row is still the stand-in of a create in flight: its id is not the row's yet, so an update or a
 * delete of it would be refused (`not found`). A screen keeps such a row's actions disabled until it arrives.
 */
export const isOptimisticId = (id: string): boolean => id.startsWith('optimistic-');

/**
 * Inserts `row` into every list whose filter it matches, where the list query will place it: the filter rule
 * and comparator are the client's, the ones its SQL agrees with (filters.test.ts).
 */
export const insertRow =
  <E extends EntityName>(entity: E, row: Entity<E>): ListEdit<E> =>
  (rows, filter) =>
    matchesFilter(entity, row, filter) ? sortRows(entity, [...rows, row]) : rows;

/** Applies `change` to the matching rows, dropping those that leave the list's filter. */
export const patchRows =
  <E extends EntityName>(
    entity: E,
    which: (r: Entity<E>) => boolean,
    change: (r: Entity<E>) => Patch<E>,
  ): ListEdit<E> =>
  (rows, filter) => {
    let touched = false;
    const next: Entity<E>[] = [];
    for (const r of rows) {
      if (!which(r)) {
        next.push(r);
        continue;
      }
      touched = true;
      const updated = { ...r, ...change(r), synced: false } as Entity<E>;
      if (matchesFilter(entity, updated, filter)) next.push(updated);
    }
    return touched ? sortRows(entity, next) : rows;
  };

export const removeRow =
  <E extends EntityName>(id: string): ListEdit<E> =>
  (rows) =>
    rows.some((r) => r.id === id) ? rows.filter((r) => r.id !== id) : rows;
