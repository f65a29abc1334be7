import type { Engine, Entity } from '@selftracker/client';
import { ENTITIES, type EntityData, type EntityName, withDefaults } from '@selftracker/core';
import type { MutationOptions, QueryClient } from '@tanstack/react-query';
import { selftrackerKeys } from './keys.ts';
import {
  applyOptimistic,
  insertRow,
  type ListEdit,
  optimisticId,
  patchRows,
  removeRow,
  restore,
  type Snapshot,
} from './optimistic.ts';

export interface UpdateVariables {
  id: string;
  patch: EntityData;
}
export interface StartTimerVariables {
  task_id?: string | null;
  project_id?: string | null;
  note?: string | null;
}
/** What `onMutate` hands to `onError`: the lists as they were. */
export interface OptimisticContext {
  snapshot: Snapshot;
}

type Options<TData, TVars> = MutationOptions<TData, Error, TVars, OptimisticContext>;

/**
 * The one shape of every SelfTracker mutation: the engine writes locally (`networkMode: 'always'`: it never
 * waits for the network), `onMutate` edits the cached lists at once, `onError` puts them back, and settling
 * refetches the table (the provider also does on `engine.onChange`).
 */
function optimistic<TData, TVars>(
  qc: QueryClient,
  entity: EntityName,
  mutationFn: (vars: TVars) => Promise<TData>,
  edit: (vars: TVars, now: number) => ListEdit,
): Options<TData, TVars> {
  return {
    mutationFn,
    networkMode: 'always',
    onMutate: async (vars) => ({ snapshot: await applyOptimistic(qc, entity, edit(vars, Date.now())) }),
    onError: (_error, _vars, ctx) => {
      if (ctx) restore(qc, ctx.snapshot);
    },
    onSettled: () => qc.invalidateQueries({ queryKey: selftrackerKeys.entity(entity) }),
  };
}

const definedFields = (o: object): EntityData =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as EntityData;

function draft(entity: EntityName, data: EntityData, now: number): Entity {
  const full = withDefaults(ENTITIES[entity], { created_at: now, updated_at: now, ...data });
  return { ...full, id: optimisticId(), synced: false };
}

export const createOptions = (
  engine: Engine,
  qc: QueryClient,
  entity: EntityName,
): Options<Entity, EntityData> =>
  optimistic(
    qc,
    entity,
    (data) => engine[entity].create(data),
    (data, now) => insertRow(entity, draft(entity, data, now)),
  );

export const updateOptions = (
  engine: Engine,
  qc: QueryClient,
  entity: EntityName,
): Options<Entity, UpdateVariables> =>
  optimistic(
    qc,
    entity,
    ({ id, patch }) => engine[entity].update(id, patch),
    ({ id, patch }, now) =>
      patchRows(
        entity,
        (r) => r.id === id,
        () => ({ updated_at: now, ...patch }),
      ),
  );

export const deleteOptions = (engine: Engine, qc: QueryClient, entity: EntityName): Options<void, string> =>
  optimistic(
    qc,
    entity,
    (id) => engine[entity].delete(id),
    (id) => removeRow(id),
  );

const stopRunning = (now: number): ListEdit =>
  patchRows(
    'timers',
    (r) => r.stopped_at === null || r.stopped_at === undefined,
    (r) => ({ stopped_at: Math.max(now, Number(r.started_at)), updated_at: now }),
  );

/** Starting a timer stops the running one (as `engine.timers.start` does in one transaction). */
export const startTimerOptions = (
  engine: Engine,
  qc: QueryClient,
): Options<Entity, StartTimerVariables | undefined> =>
  optimistic(
    qc,
    'timers',
    (vars) => engine.timers.start(vars ?? {}),
    (vars, now) => {
      const row = draft('timers', { ...definedFields(vars ?? {}), started_at: now, stopped_at: null }, now);
      return (rows, filter) => insertRow('timers', row)(stopRunning(now)(rows, filter), filter);
    },
  );

export const stopTimerOptions = (engine: Engine, qc: QueryClient): Options<Entity[], void> =>
  optimistic(
    qc,
    'timers',
    () => engine.timers.stop(),
    (_v, now) => stopRunning(now),
  );
