export type {
  Entity,
  Filter,
  Project,
  ProjectFilter,
  Task,
  TaskFilter,
  Timer,
  TimerFilter,
} from '@selftracker/client';
export * from './hooks.ts';
export { selftrackerKeys } from './keys.ts';
export {
  createOptions,
  deleteOptions,
  type OptimisticContext,
  type StartTimerVariables,
  startTimerOptions,
  stopTimerOptions,
  type UpdateVariables,
  updateOptions,
} from './mutations.ts';
export { isOptimisticId } from './optimistic.ts';
export { connectEngine, SelfTrackerProvider, type SelfTrackerProviderProps, useEngine } from './provider.ts';
export { listQueryOptions, taskSearchQueryOptions } from './queries.ts';
