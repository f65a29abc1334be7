import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import * as schema from './schema.ts';

/** Anything that runs parameterised SQL: the database itself or an open transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * An open transaction. Statements issued without awaiting the previous one run one after another in issue
 * order.
 */
export interface Sql extends Queryable {
  /**
   * `COPY table (columns) FROM STDIN`, the fastest way to insert rows: `data` is lines in PostgreSQL's text format
   * (see `copyText`), whole or as chunks produced lazily, which are sent while the next is built. `table` and
   * `columns` are quoted identifiers from the schema, never from a request.
   */
  copyFrom(table: string, columns: readonly string[], data: string | Iterable<string>): Promise<void>;
}

/** One value in COPY's text format: `\N` for null, `t`/`f`, numbers, text with backslash escapes. */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]!) : s;
}
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Runs the statements of one connection strictly in issue order without the caller awaiting each: the next is
 * sent when the previous has finished (as node-postgres would, without its deprecated implicit queue).
 */
function inIssueOrder(): <T>(run: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return (run) => {
    const next = chain.then(run);
    chain = next.catch(() => {});
    return next;
  };
}

export type Orm = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * The storage the server runs on: PGlite (embedded) or a PostgreSQL server, one code path.
 * Hot paths use `query`/`transaction` with SQL built from the entity registry; the rest uses `orm` (Drizzle).
 */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  readonly orm: Orm;
  /** Runs `fn` in one transaction; `repeatable read` gives every statement one snapshot. */
  transaction<T>(fn: (tx: Sql) => Promise<T>, opts?: { isolation?: 'repeatable read' }): Promise<T>;
  /** Subscribes to a NOTIFY channel; resolves once the subscription is active. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../drizzle', import.meta.url));
const MIGRATION_LOCK = 7_466_330_001; // pg_advisory_lock key: one migrator at a time per database

// bigint as JS number: every bigint column holds ms epochs or per-user versions, far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Opens a PostgreSQL server database through a node-postgres pool and applies migrations. */
export async function openPostgres(url: string, opts: { poolSize?: number } = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  pool.on('error', () => {}); // idle client errors surface on the next query instead of crashing the process
  const orm = drizzlePg(pool, { schema }) as unknown as Orm;
  const lock = await pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migratePg(drizzlePg(lock, { schema }), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    lock.release();
  }
  const listeners = new Map<string, Set<(p: string) => void>>();
  let listenClient: pg.Client | undefined;
  const ensureListener = async (): Promise<pg.Client> => {
    if (listenClient) return listenClient;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    client.on('notification', (msg) => {
      for (const cb of listeners.get(msg.channel) ?? []) cb(msg.payload ?? '');
    });
    client.on('error', () => {
      // The listening connection died: reconnect and re-subscribe every channel.
      listenClient = undefined;
      setTimeout(() => {
        void resubscribe().catch(() => {});
      }, 1000).unref();
    });
    listenClient = client;
    return client;
  };
  const resubscribe = async () => {
    if (closed || listeners.size === 0) return;
    const client = await ensureListener();
    for (const ch of listeners.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(ch)}`);
  };
  let closed = false;
  return {
    kind: 'postgres',
    orm,
    async query(text, params) {
      return (await pool.query(text, params as unknown[])).rows;
    },
    async transaction(fn, o) {
      const client = await pool.connect();
      let broken = false;
      // A checked-out client has no pool error listener: without this, a connection that dies mid-transaction
      // (backend terminated, network cut) emits an unhandled 'error' event and crashes the process.
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      // Every statement, COMMIT and ROLLBACK included, goes through one queue, and once the transaction has
      // ended a statement still queued fails without being sent: nothing issued inside a transaction can run
      // after its ROLLBACK (in autocommit) or on the connection after it went back to the pool.
      const ordered = inIssueOrder();
      let ended = false;
      const inTx = <T>(run: () => Promise<T>) =>
        ordered(() => {
          if (ended) return Promise.reject(new Error('the transaction has already ended'));
          return run();
        });
      try {
        await client.query(o?.isolation ? 'BEGIN ISOLATION LEVEL REPEATABLE READ' : 'BEGIN');
        const tx: Sql = {
          query: (text, params) => inTx(async () => (await client.query(text, params as unknown[])).rows),
          copyFrom: (table, columns, data) =>
            inTx(
              () =>
                new Promise<void>((resolve, reject) => {
                  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
                  let failed = false;
                  stream.on('error', (e) => {
                    failed = true;
                    reject(e);
                  });
                  stream.on('finish', resolve);
                  if (typeof data === 'string') {
                    stream.end(data);
                    return;
                  }
                  // One chunk in flight at a time: the next is built while the database takes this one, and
                  // pg-copy-streams never holds several chunks for a busy socket (its path that can throw
                  // from a 'drain' listener once the database has refused the COPY).
                  void (async () => {
                    for (const chunk of data) {
                      if (failed) return;
                      await new Promise<void>((done) => {
                        const settle = () => {
                          stream.off('error', settle);
                          done();
                        };
                        stream.once('error', settle);
                        stream.write(chunk, settle);
                      });
                    }
                    if (!failed) stream.end();
                  })().catch((e: unknown) => stream.destroy(e as Error));
                }),
            ),
        };
        const result = await fn(tx);
        const commit = await inTx(() => {
          ended = true; // from here on nothing else is sent in this transaction
          return client.query('COMMIT');
        });
        // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK, not an error: never report that as saved.
        if (commit.command !== 'COMMIT')
          throw new Error(`the transaction was rolled back (${commit.command})`);
        return result;
      } catch (e) {
        ended = true;
        await ordered(() => client.query('ROLLBACK')).catch(() => {
          broken = true;
        });
        throw e;
      } finally {
        client.removeListener('error', onError);
        client.release(broken);
      }
    },
    async listen(channel, onPayload) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        const client = await ensureListener();
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      }
      set.add(onPayload);
      return async () => {
        set.delete(onPayload);
      };
    },
    async close() {
      closed = true;
      await listenClient?.end().catch(() => {});
      await pool.end();
    },
  };
}

/** Opens an embedded PGlite database (in memory when `dataDir` is undefined) and applies migrations. */
export async function openPglite(dataDir?: string): Promise<Database> {
  const db = new PGlite(dataDir);
  await db.waitReady;
  const orm = drizzlePglite(db, { schema }) as unknown as Orm;
  await migratePglite(drizzlePglite(db, { schema }), { migrationsFolder: MIGRATIONS_DIR });
  return {
    kind: 'pglite',
    orm,
    async query(text, params) {
      return (await db.query(text, params as unknown[])).rows as never[];
    },
    async transaction(fn) {
      // PGlite has one connection: transactions are serialized, so every isolation level holds.
      return db.transaction((t) => {
        const ordered = inIssueOrder();
        return fn({
          query: (text, params) =>
            ordered(async () => (await t.query(text, params as unknown[])).rows as never[]),
          copyFrom: (table, columns, data) =>
            ordered(async () => {
              const blob = new Blob(typeof data === 'string' ? [data] : Array.from(data));
              await t.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`, [], { blob });
            }),
        });
      });
    },
    async listen(channel, onPayload) {
      const unsub = await db.listen(channel, onPayload);
      return async () => unsub();
    },
    async close() {
      await db.close();
    },
  };
}

/** Opens PostgreSQL when `url` is set, PGlite (persisted in `dataDir`) otherwise. */
export function openDatabase(opts: {
  url?: string | undefined;
  dataDir?: string | undefined;
}): Promise<Database> {
  return opts.url ? openPostgres(opts.url) : openPglite(opts.dataDir);
}
