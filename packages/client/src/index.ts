export * from './backoff.ts';
export * from './connectivity.ts';
export * from './driver.ts';
export * from './engine.ts';
export * from './errors.ts';
export {
  asciiLower,
  compareNoCase,
  compareText,
  type Filter,
  type Filters,
  matchesFilter,
  type ProjectFilter,
  SORT_ORDERS,
  sortRows,
  type TaskFilter,
  type TimerFilter,
} from './filters.ts';
export { type LocalDb, localDb } from './local-db.ts';
export { hasFts5, LATEST_VERSION, MIGRATIONS, type Migration, migrate } from './local-schema.ts';
export type { LocalRow, QueuedOp } from './local-store.ts';
export {
  LOCAL_TABLES,
  type LocalTable,
  projectsTable,
  syncQueueTable,
  tasksFtsTable,
  tasksTable,
  timersTable,
} from './local-tables.ts';
export {
  type Entity,
  type ListOptions,
  type Project,
  Repository,
  type Task,
  type Timer,
} from './repositories.ts';
export * from './scheduler.ts';
export {
  ftsQuery,
  isSearch,
  MAX_SEARCH_WORDS,
  matchesSearch,
  type SearchMode,
  searchTokens,
  searchWords,
} from './search.ts';
export * from './status.ts';
export * from './sync-machine.ts';
export { localChecksums } from './sync-rows.ts';
export type { SyncReport } from './syncer.ts';
export { Tasks } from './tasks.ts';
export { type StartTimerInput, Timers } from './timers.ts';
export * from './token-store.ts';
export * from './transfer.ts';
export { createTransport, type FetchLike, type Transport } from './transport.ts';
