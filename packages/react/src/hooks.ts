import type {
  Project,
  ProjectFilter,
  SyncStatus,
  Task,
  TaskFilter,
  Timer,
  TimerFilter,
} from '@selftracker/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useSyncExternalStore } from 'react';
import {
  createOptions,
  deleteOptions,
  startTimerOptions,
  stopTimerOptions,
  updateOptions,
} from './mutations.ts';
import { useEngine } from './provider.ts';
import { listQueryOptions, taskSearchQueryOptions } from './queries.ts';

/** Tasks in creation order, optionally by status (any of), project (`null`: none), due date or title text. */
export const useTasks = (filter?: TaskFilter) =>
  useQuery<Task[]>(listQueryOptions(useEngine(), 'tasks', filter));
/**
 * Tasks matching a full-text search of `text` (title and description, the last word as a prefix, accents and
 * case folded), ranked by relevance then open before done, narrowed by `filter`; offline. Blank text (or text
 * without a letter or digit) gives `useTasks(filter)`. See `engine.tasks.search`.
 */
export const useTaskSearch = (text: string, filter?: TaskFilter) =>
  useQuery<Task[]>(taskSearchQueryOptions(useEngine(), text, filter));
/** Projects by name (case-insensitive), optionally only archived or only active ones, or by name text. */
export const useProjects = (filter?: ProjectFilter) =>
  useQuery<Project[]>(listQueryOptions(useEngine(), 'projects', filter));
/** Timers, newest first, optionally running/stopped, by task or project, overlapping [from, to). */
export const useTimers = (filter?: TimerFilter) =>
  useQuery<Timer[]>(listQueryOptions(useEngine(), 'timers', filter));

export const useCreateTask = () => useMutation(createOptions(useEngine(), useQueryClient(), 'tasks'));
export const useUpdateTask = () => useMutation(updateOptions(useEngine(), useQueryClient(), 'tasks'));
export const useDeleteTask = () => useMutation(deleteOptions(useEngine(), useQueryClient(), 'tasks'));

export const useCreateProject = () => useMutation(createOptions(useEngine(), useQueryClient(), 'projects'));
export const useUpdateProject = () => useMutation(updateOptions(useEngine(), useQueryClient(), 'projects'));
export const useDeleteProject = () => useMutation(deleteOptions(useEngine(), useQueryClient(), 'projects'));

/** Adds a timer as given: a finished time entry added by hand carries both `started_at` and `stopped_at`. */
export const useCreateTimer = () => useMutation(createOptions(useEngine(), useQueryClient(), 'timers'));
export const useStartTimer = () => useMutation(startTimerOptions(useEngine(), useQueryClient()));
export const useStopTimer = () => useMutation(stopTimerOptions(useEngine(), useQueryClient()));
/** Field-level edit of a timer (start, end, task, project, note); setting `stopped_at` on the running one stops it. */
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
