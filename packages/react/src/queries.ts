import type { Engine, Entity, ListOptions } from '@selftracker/client';
import type { EntityData, EntityName, FieldValue } from '@selftracker/core';
import type { QueryFunctionContext, QueryKey } from '@tanstack/react-query';
import {
  type Filter,
  type ProjectFilter,
  selftrackerKeys,
  type TaskFilter,
  type TimerFilter,
} from './keys.ts';

/** Drops `undefined` values: an absent filter field means "any". */
function defined(filter: object): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) out[k] = v as FieldValue;
  return out;
}

export function listTasks(engine: Engine, filter: TaskFilter = {}): Promise<Entity[]> {
  return engine.tasks.list({ where: defined(filter) });
}

export function listProjects(engine: Engine, filter: ProjectFilter = {}): Promise<Entity[]> {
  return engine.projects.list({ where: defined(filter) });
}

export function listTimers(engine: Engine, filter: TimerFilter = {}): Promise<Entity[]> {
  const { running, from, to, ...rest } = filter;
  const conds: string[] = [];
  const params: number[] = [];
  if (running === true) conds.push('t.stopped_at IS NULL');
  if (running === false) conds.push('t.stopped_at IS NOT NULL');
  if (to !== undefined) {
    conds.push('t.started_at < ?');
    params.push(to);
  }
  if (from !== undefined) {
    conds.push('(t.stopped_at IS NULL OR t.stopped_at >= ?)');
    params.push(from);
  }
  const opts: ListOptions = { where: defined(rest) };
  if (conds.length > 0) opts.condition = { sql: conds.join(' AND '), params };
  return engine.timers.list(opts);
}

/** Whether `row` belongs in a list with `filter` (the same rules as the SQL above), for optimistic updates. */
export function matchesFilter(entity: EntityName, row: EntityData, filter: Filter): boolean {
  const { running, from, to, ...fields } = filter as TimerFilter;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && (row[k] ?? null) !== v) return false;
  if (entity !== 'timers') return true;
  const stopped = row.stopped_at ?? null;
  const started = Number(row.started_at);
  if (running === true && stopped !== null) return false;
  if (running === false && stopped === null) return false;
  if (to !== undefined && !(started < to)) return false;
  if (from !== undefined && stopped !== null && Number(stopped) < from) return false;
  return true;
}

const LISTS = { tasks: listTasks, projects: listProjects, timers: listTimers } as const;

/**
 * The query options behind `useTasks`/`useProjects`/`useTimers`: local reads, so `networkMode: 'always'`
 * (they run offline) and no staleness timer of their own: the provider invalidates on `engine.onChange`.
 */
export function listQueryOptions<F extends Filter>(engine: Engine, entity: EntityName, filter?: F) {
  const list = LISTS[entity] as (e: Engine, f?: F) => Promise<Entity[]>;
  return {
    queryKey: selftrackerKeys.list(entity, filter) as QueryKey,
    queryFn: (_: QueryFunctionContext) => list(engine, filter),
    networkMode: 'always' as const,
    staleTime: Number.POSITIVE_INFINITY,
  };
}
