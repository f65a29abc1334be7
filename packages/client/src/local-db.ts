import { drizzle, type SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy';
import type { SqliteExecutor, SqlValue } from './driver.ts';

/** A Drizzle database whose queries run on one SqliteDriver (or on one transaction's executor). */
export type LocalDb = SqliteRemoteDatabase;

const cache = new WeakMap<SqliteExecutor, LocalDb>();

/**
 * Drizzle (`drizzle-orm/sqlite-proxy`) over our storage boundary, so a typed query runs unchanged on every
 * platform's driver. Drizzle reads rows as arrays in select order; our drivers return objects keyed by
 * column name in that same order, so queries built here must not select two columns of the same name.
 * Drizzle's own `transaction()` is not used (it would issue BEGIN outside our driver): inside
 * `driver.transaction(fn)`, call `localDb(tx)`.
 */
export function localDb(exec: SqliteExecutor): LocalDb {
  let db = cache.get(exec);
  if (!db) {
    db = drizzle(async (sql, params: SqlValue[], method) => {
      if (method === 'run') {
        await exec.exec(sql, params);
        return { rows: [] };
      }
      const rows = await exec.query<Record<string, unknown>>(sql, params);
      if (method === 'get') return { rows: rows[0] ? Object.values(rows[0]) : (undefined as never) };
      return { rows: rows.map((r) => Object.values(r)) };
    });
    cache.set(exec, db);
  }
  return db;
}
