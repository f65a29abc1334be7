import type { Database } from './database.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

/** Opens PostgreSQL when `url` is set, PGlite (persisted in `dataDir`) otherwise. */
export function openDatabase(opts: {
  url?: string | undefined;
  dataDir?: string | undefined;
}): Promise<Database> {
  return opts.url ? openPostgres(opts.url) : openPglite(opts.dataDir);
}
