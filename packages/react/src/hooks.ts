import type { Entity, SyncStatus } from '@selftracker/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useSyncExternalStore } from 'react';
import type { ProjectFilter, TaskFilter, TimerFilter } from './keys.ts';
import {
  createOptions,
  deleteOptions,
  startTimerOptions,
  stopTimerOptions,
  updateOptions,
} from './mutations.ts';
import { useEngine } from './provider.ts';
import { listQueryOptions } from './queries.ts';

/** Tasks, optionally by status and/or project (`project_id: null`: tasks without a project). */
export const useTasks = (filter?: TaskFilter) =>
  useQuery<Entity[]>(listQueryOptions(useEngine(), 'tasks', filter));
/** Projects, optionally only archived or only active ones. */
export const useProjects = (filter?: ProjectFilter) =>
  useQuery<Entity[]>(listQueryOptions(useEngine(), 'projects', filter));
/** Timers, newest first, optionally running/stopped, by task or project, overlapping [from, to). */
export const useTimers = (filter?: TimerFilter) =>
  useQuery<Entity[]>(listQueryOptions(useEngine(), 'timers', filter));

export const useCreateTask = () => useMutation(createOptions(useEngine(), useQueryClient(), 'tasks'));
export const useUpdateTask = () => useMutation(updateOptions(useEngine(), useQueryClient(), 'tasks'));
export const useDeleteTask = () => useMutation(deleteOptions(useEngine(), useQueryClient(), 'tasks'));

export const useCreateProject = () => useMutation(createOptions(useEngine(), useQueryClient(), 'projects'));
export const useUpdateProject = () => useMutation(updateOptions(useEngine(), useQueryClient(), 'projects'));
export const useDeleteProject = () => useMutation(deleteOptions(useEngine(), useQueryClient(), 'projects'));

export const useStartTimer = () => useMutation(startTimerOptions(useEngine(), useQueryClient()));
export const useStopTimer = () => useMutation(stopTimerOptions(useEngine(), useQueryClient()));
export const useUpdateTimer = () => useMutation(updateOptions(useEngine(), useQueryClient(), 'timers'));
export const useDeleteTimer = () => useMutation(deleteOptions(useEngine(), useQueryClient(), 'timers'));

/** The engine's sync status (phase, pending, lastSyncedAt, lastError, failureCount), re-rendering on change. */
export function useSyncStatus(): SyncStatus {
  const engine = useEngine();
  const subscribe = useCallback((onChange: () => void) => engine.subscribe(onChange) as () => void, [engine]);
  return useSyncExternalStore(
    subscribe,
    () => engine.status,
    () => engine.status,
  );
}
