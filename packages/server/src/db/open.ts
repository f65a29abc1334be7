import type { Logger } from '../context.ts';
import type { Database } from './database.ts';
import { openPgliteThread } from './pglite-thread.ts';
import { openPostgres } from './postgres.ts';

/** Opens PostgreSQL when `url` is set, PGlite (persisted in `dataDir`, in its own thread) otherwise. */
export function openDatabase(opts: {
  url?: string | undefined;
  dataDir?: string | undefined;
  /** Where the PostgreSQL LISTEN connection reports its outages and recoveries. */
  log?: Logger;
}): Promise<Database> {
  return opts.url
    ? openPostgres(opts.url, opts.log ? { log: opts.log } : {})
    : openPgliteThread(opts.dataDir);
}
