export { createServer, DEFAULT_CORS_ORIGINS, type SelfTrackerServer, type ServerDeps } from './app.ts';
export * from './context.ts';
export type { Database, Sql } from './db/database.ts';
export { openDatabase } from './db/open.ts';
export { openPglite } from './db/pglite.ts';
export { openPostgres } from './db/postgres.ts';
export { keepConnectionsAlive } from './keep-alive.ts';
export type { PruneResult } from './services/prune.ts';
export { POKE_CHANNEL } from './services/push-persist.ts';
