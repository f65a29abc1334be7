import type { Logger } from '../context.ts';
import type { Database } from './database.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

/** Opens PostgreSQL when `url` is set, PGlite (persisted in `dataDir`) otherwise. */
export function openDatabase(opts: {
  url?: string | undefined;
  dataDir?: string | undefined;
  /** Where the PostgreSQL LISTEN connection reports its outages and recoveries. */
  log?: Logger;
}): Promise<Database> {
  return opts.url ? openPostgres(opts.url, opts.log ? { log: opts.log } : {}) : openPglite(opts.dataDir);
}
