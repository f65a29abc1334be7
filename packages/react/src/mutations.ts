import type { Engine, Entity, Repository, StartTimerInput, Timer } from '@selftracker/client';
import {
  type CreateInput,
  ENTITIES,
  type EntityData,
  type EntityName,
  type Patch,
  withDefaults,
} from '@selftracker/core';
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

export interface UpdateVariables<E extends EntityName = EntityName> {
  id: string;
  patch: Patch<E>;
}
/** What starting a timer takes: the client's `StartTimerInput`. */
export type StartTimerVariables = StartTimerInput;
/** What `onMutate` hands to `onError`: the lists as they were. */
export interface OptimisticContext {
  snapshot: Snapshot;
}

type Options<TData, TVars> = MutationOptions<TData, Error, TVars, OptimisticContext>;

/** The engine's repository of `entity`, typed by it. */
const repository = <E extends EntityName>(engine: Engine, entity: E) =>
  engine[entity] as unknown as Repository<E>;

/**
 * The one shape of every SelfTracker mutation: the engine writes locally (`networkMode: 'always'`: it never
 * waits for the network), `onMutate` edits the cached lists at once, `onError` puts them back, and settling
 * refetches the table (the provider also does on `engine.onChange`).
 */
function optimistic<E extends EntityName, TData, TVars>(
  qc: QueryClient,
  entity: E,
  mutationFn: (vars: TVars) => Promise<TData>,
  edit: (vars: TVars, now: number) => ListEdit<E>,
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

/** The row a create will write, with defaults, a stand-in id and `synced: false`. */
function draft<E extends EntityName>(entity: E, data: CreateInput<E>, now: number): Entity<E> {
  const full = withDefaults(ENTITIES[entity], { created_at: now, updated_at: now, ...(data as EntityData) });
  return { ...full, id: optimisticId(), synced: false } as Entity<E>;
}

/** Creates a row of `entity`; it shows in the matching cached lists before the write resolves. */
export const createOptions = <E extends EntityName>(
  engine: Engine,
  qc: QueryClient,
  entity: E,
): Options<Entity<E>, CreateInput<E>> =>
  optimistic(
    qc,
    entity,
    (data) => repository(engine, entity).create(data),
    (data, now) => insertRow(entity, draft(entity, data, now)),
  );

/** Patches a row of `entity`; cached lists show the change (and drop a row that leaves their filter) at once. */
export const updateOptions = <E extends EntityName>(
  engine: Engine,
  qc: QueryClient,
  entity: E,
): Options<Entity<E>, UpdateVariables<E>> =>
  optimistic(
    qc,
    entity,
    ({ id, patch }) => repository(engine, entity).update(id, patch),
    ({ id, patch }, now) =>
      patchRows(
        entity,
        (r) => r.id === id,
        () => ({ updated_at: now, ...patch }) as Patch<E>,
      ),
  );

/** Deletes a row of `entity`; it leaves the cached lists at once. */
export const deleteOptions = <E extends EntityName>(
  engine: Engine,
  qc: QueryClient,
  entity: E,
): Options<void, string> =>
  optimistic(
    qc,
    entity,
    (id) => repository(engine, entity).delete(id),
    (id) => removeRow<E>(id),
  );

const stopRunning = (now: number): ListEdit<'timers'> =>
  patchRows(
    'timers',
    (r) => r.stopped_at === null,
    (r) => ({ stopped_at: Math.max(now, r.started_at), updated_at: now }),
  );

/** Starting a timer stops the running one (as `engine.timers.start` does in one transaction). */
export const startTimerOptions = (
  engine: Engine,
  qc: QueryClient,
): Options<Timer, StartTimerVariables | undefined> =>
  optimistic(
    qc,
    'timers',
    (vars) => engine.timers.start(vars ?? {}),
    (vars, now) => {
      const given = Object.fromEntries(Object.entries(vars ?? {}).filter(([, v]) => v !== undefined));
      const row = draft('timers', { ...given, started_at: now, stopped_at: null }, now);
      return (rows, filter, search) =>
        insertRow('timers', row)(stopRunning(now)(rows, filter, search), filter, search);
    },
  );

/** Stops the running timer; cached lists show it stopped at once. */
export const stopTimerOptions = (engine: Engine, qc: QueryClient): Options<Timer[], void> =>
  optimistic(
    qc,
    'timers',
    () => engine.timers.stop(),
    (_v, now) => stopRunning(now),
  );
