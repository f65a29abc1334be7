import type { EntityName } from '@selftracker/core';

export interface TaskFilter {
  status?: string;
  /** A project's id, or `null` for tasks without a project. */
  project_id?: string | null;
}
export interface ProjectFilter {
  archived?: boolean;
}
export interface TimerFilter {
  /** `true`: only running timers; `false`: only stopped ones. */
  running?: boolean;
  task_id?: string;
  project_id?: string;
  /** Timers that overlap [from, to): started before `to` and still running or stopped at/after `from`. */
  from?: number;
  to?: number;
}
export type Filter = TaskFilter | ProjectFilter | TimerFilter;

/**
 * Query keys: `['selftracker', entity, filter]`. Everything of one table is invalidated by its prefix
 * `['selftracker', entity]`; a missing filter is `{}`, so `useTasks()` and `useTasks({})` share a cache entry.
 */
export const selftrackerKeys = {
  all: ['selftracker'] as const,
  entity: (entity: EntityName) => ['selftracker', entity] as const,
  list: <F extends Filter>(entity: EntityName, filter?: F) => ['selftracker', entity, filter ?? {}] as const,
};
