import type { Engine } from '@selftracker/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createContext, createElement, type ReactNode, useContext, useEffect, useState } from 'react';
import { selftrackerKeys } from './keys.ts';

const EngineContext = createContext<Engine | null>(null);

/**
 * Keeps the query cache in step with the engine: every committed local write and every applied pull names
 * its tables, and the lists of those tables are invalidated (never copied into React state by hand).
 * Returns the unsubscribe function.
 */
export function connectEngine(engine: Engine, queryClient: QueryClient): () => void {
  const off = engine.onChange((tables) => {
    for (const t of tables) void queryClient.invalidateQueries({ queryKey: selftrackerKeys.entity(t) });
  });
  return () => void off();
}

export interface SelfTrackerProviderProps {
  engine: Engine;
  /** Defaults to a client created once for this provider. */
  queryClient?: QueryClient;
  children?: ReactNode;
}

/** Provides the engine and a TanStack Query client to the hooks below it. */
export function SelfTrackerProvider({ engine, queryClient, children }: SelfTrackerProviderProps) {
  const [own] = useState(() => queryClient ?? new QueryClient());
  const client = queryClient ?? own;
  useEffect(() => connectEngine(engine, client), [engine, client]);
  return createElement(
    QueryClientProvider,
    { client },
    createElement(EngineContext.Provider, { value: engine }, children),
  );
}

/** The engine of the nearest SelfTrackerProvider. */
export function useEngine(): Engine {
  const engine = useContext(EngineContext);
  if (!engine) throw new Error('useEngine: wrap the component in <SelfTrackerProvider engine={…}>');
  return engine;
}
