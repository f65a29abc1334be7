import type { Filter } from '@selftracker/client';
import type { EntityName } from '@selftracker/core';

/**
 * Query keys: `['selftracker', entity, filter]`. Everything of one table is invalidated by its prefix
 * `['selftracker', entity]`; a missing filter is `{}`, so `useTasks()` and `useTasks({})` share a cache entry.
 * A task search adds its text: `['selftracker', 'tasks', filter, { search }]` (a ranked list, see optimistic.ts).
 */
export const selftrackerKeys = {
  all: ['selftracker'] as const,
  entity: (entity: EntityName) => ['selftracker', entity] as const,
  list: <E extends EntityName>(entity: E, filter?: Filter<E>) =>
    ['selftracker', entity, filter ?? {}] as const,
  taskSearch: (search: string, filter?: Filter<'tasks'>) =>
    ['selftracker', 'tasks', filter ?? {}, { search }] as const,
};
