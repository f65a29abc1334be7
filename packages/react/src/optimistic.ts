import { type Entity, type Filter, matchesFilter, matchesSearch, sortRows } from '@selftracker/client';
import type { EntityName, Patch } from '@selftracker/core';
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { selftrackerKeys } from './keys.ts';

/** What a list looked like before an optimistic edit, to put back when the write fails. */
export type Snapshot = readonly (readonly [QueryKey, unknown[] | undefined])[];

/**
 * An edit of one cached list of `E`, given that list's filter and, for a task search (a list ranked by
 * relevance, whose order the cache cannot repeat), its text.
 */
export type ListEdit<E extends EntityName> = (
  rows: Entity<E>[],
  filter: Filter<E>,
  search?: string,
) => Entity<E>[];

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
    const search = (key[3] as { search?: string } | undefined)?.search;
    qc.setQueryData<Entity<E>[]>(key, edit(rows, (key[2] ?? {}) as Filter<E>, search));
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

/** Whether `row` belongs in a list with `filter` and, for a task search, its text (the client's rules). */
function belongs<E extends EntityName>(entity: E, row: Entity<E>, filter: Filter<E>, search?: string) {
  if (!matchesFilter(entity, row, filter)) return false;
  return search === undefined || matchesSearch(search, row as unknown as Entity<'tasks'>);
}

/**
 * Inserts `row` into every list whose filter it matches, where the list query will place it: the filter rule
 * and comparator are the client's, the ones its SQL agrees with (filters.test.ts). In a search it goes last
 * (its rank is the database's to tell; the refetch after the write places it).
 */
export const insertRow =
  <E extends EntityName>(entity: E, row: Entity<E>): ListEdit<E> =>
  (rows, filter, search) => {
    if (!belongs(entity, row, filter, search)) return rows;
    return search === undefined ? sortRows(entity, [...rows, row]) : [...rows, row];
  };

/** Applies `change` to the matching rows, dropping those that leave the list's filter (or search). */
export const patchRows =
  <E extends EntityName>(
    entity: E,
    which: (r: Entity<E>) => boolean,
    change: (r: Entity<E>) => Patch<E>,
  ): ListEdit<E> =>
  (rows, filter, search) => {
    let touched = false;
    const next: Entity<E>[] = [];
    for (const r of rows) {
      if (!which(r)) {
        next.push(r);
        continue;
      }
      touched = true;
      const updated = { ...r, ...change(r), synced: false } as Entity<E>;
      if (belongs(entity, updated, filter, search)) next.push(updated);
    }
    if (!touched) return rows;
    return search === undefined ? sortRows(entity, next) : next; // a search keeps its ranked order
  };

export const removeRow =
  <E extends EntityName>(id: string): ListEdit<E> =>
  (rows) =>
    rows.some((r) => r.id === id) ? rows.filter((r) => r.id !== id) : rows;
