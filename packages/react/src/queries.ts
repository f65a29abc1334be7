import type { Engine, Entity, Filter } from '@selftracker/client';
import type { EntityName } from '@selftracker/core';
import type { QueryKey } from '@tanstack/react-query';
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
