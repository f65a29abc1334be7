export { createServer, type SelfTrackerServer, type ServerDeps } from './app.ts';
export * from './context.ts';
export { type Database, openDatabase, openPglite, openPostgres, type Sql } from './db/database.ts';
export { keepConnectionsAlive } from './keep-alive.ts';
export type { PruneResult } from './services/prune.ts';
export { POKE_CHANNEL } from './services/sync.ts';
