import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Logger } from '../context.ts';
import { copyThroughStream } from './copy.ts';
import { type Database, inIssueOrder, MIGRATIONS_DIR, type Orm, type Sql } from './database.ts';
import { createListener } from './listen.ts';
import * as schema from './schema.ts';

const MIGRATION_LOCK = 7_466_330_001; // pg_advisory_lock key: one migrator at a time per database

// bigint as JS number: every bigint column holds ms epochs or per-user versions, far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Opens a PostgreSQL server database through a node-postgres pool and applies migrations. */
export async function openPostgres(
  url: string,
  opts: { poolSize?: number; log?: Logger } = {},
): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  pool.on('error', () => {}); // idle client errors surface on the next query instead of crashing the process
  // A second pool for `pages` and `counters` (see Database). Pulls: right after a bulk upload the statistics are
  // stale and the planner would bitmap-scan and sort every row after the cursor for each page; with bitmap scans
  // off for these sessions it walks the (user_id, version) index in order, and a page is one statement (no
  // BEGIN / SET LOCAL / COMMIT round trips). Rate-limit counters: asynchronous commit, no WAL flush per request.
  const side = new pg.Pool({
    connectionString: url,
    max: Math.max(2, Math.ceil((opts.poolSize ?? 10) / 2)),
    options: '-c enable_bitmapscan=off -c synchronous_commit=off',
  });
  side.on('error', () => {});
  const sideQuery: Database['query'] = async (text, params) =>
    (await side.query(text, params as unknown[])).rows;
  const orm = drizzle(pool, { schema }) as unknown as Orm;
  await migrateOnce(pool);
  const listener = createListener(url, opts.log);
  return {
    kind: 'postgres',
    orm,
    async query(text, params) {
      return (await pool.query(text, params as unknown[])).rows;
    },
    pages: { query: sideQuery },
    counters: { query: sideQuery },
    transaction: (fn, o) => transaction(pool, fn, o?.isolation),
    listen: (channel, onPayload, onResubscribed) => listener.listen(channel, onPayload, onResubscribed),
    async close() {
      await listener.close();
      await Promise.all([pool.end(), side.end()]);
    },
  };
}

/** Applies the migrations under an advisory lock, so that servers starting together migrate one at a time. */
async function migrateOnce(pool: pg.Pool): Promise<void> {
  const lock = await pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrate(drizzle(lock, { schema }), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    lock.release();
  }
}

async function transaction<T>(
  pool: pg.Pool,
  fn: (tx: Sql) => Promise<T>,
  isolation: 'repeatable read' | undefined,
): Promise<T> {
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
  const inTx = <R>(run: () => Promise<R>) =>
    ordered(() => (ended ? Promise.reject(new Error('the transaction has already ended')) : run()));
  try {
    await client.query(isolation ? 'BEGIN ISOLATION LEVEL REPEATABLE READ' : 'BEGIN');
    const result = await fn({
      query: (text, params) => inTx(async () => (await client.query(text, params as unknown[])).rows),
      copyFrom: (table, columns, data) => inTx(() => copyThroughStream(client, table, columns, data)),
    });
    const commit = await inTx(() => {
      ended = true; // from here on nothing else is sent in this transaction
      return client.query('COMMIT');
    });
    // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK, not an error: never report that as saved.
    if (commit.command !== 'COMMIT') throw new Error(`the transaction was rolled back (${commit.command})`);
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
}
