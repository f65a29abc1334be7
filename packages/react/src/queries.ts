import { type Engine, type Entity, type Filter, isSearch, type Task } from '@selftracker/client';
import type { EntityName } from '@selftracker/core';
import { keepPreviousData, type QueryKey } from '@tanstack/react-query';
import { selftrackerKeys } from './keys.ts';

/**
 * The query options behind `useTasks`/`useProjects`/`useTimers`: the engine's typed list (its filter is turned
 * into SQL inside the client), a local read, so `networkMode: 'always'` (it runs offline) and no staleness
 * timer of its own: the provider invalidates on `engine.onChange`.
 */
export function listQueryOptions<E extends EntityName>(engine: Engine, entity: E, filter?: Filter<E>) {
  const repo = engine[entity] as unknown as { list(o: { filter?: Filter<E> }): Promise<Entity<E>[]> };
  return {
    queryKey: selftrackerKeys.list(entity, filter) as QueryKey,
    queryFn: () => repo.list(filter ? { filter } : {}),
    networkMode: 'always' as const,
    staleTime: Number.POSITIVE_INFINITY,
  };
}

/**
 * The query options behind `useTaskSearch`: `engine.tasks.search(text, { filter })`, ranked, local and offline
 * like a list. Text without words is the plain list, sharing `useTasks(filter)`'s cache entry. While the next
 * text's results load, the previous ones stay (`keepPreviousData`), so typing never flashes an empty list.
 */
export function taskSearchQueryOptions(engine: Engine, text: string, filter?: Filter<'tasks'>) {
  if (!isSearch(text)) return listQueryOptions(engine, 'tasks', filter);
  return {
    queryKey: selftrackerKeys.taskSearch(text, filter) as QueryKey,
    queryFn: (): Promise<Task[]> => engine.tasks.search(text, filter ? { filter } : {}),
    networkMode: 'always' as const,
    staleTime: Number.POSITIVE_INFINITY,
    placeholderData: keepPreviousData,
  };
}
