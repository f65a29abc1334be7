export * from './hooks.ts';
export {
  type Filter,
  type ProjectFilter,
  selftrackerKeys,
  type TaskFilter,
  type TimerFilter,
} from './keys.ts';
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
export { connectEngine, SelfTrackerProvider, type SelfTrackerProviderProps, useEngine } from './provider.ts';
export { listProjects, listQueryOptions, listTasks, listTimers, matchesFilter } from './queries.ts';
