/// <reference lib="webworker" />
/**
 * The database worker: owns the sqlite-wasm module, the `opfs-sahpool` VFS and every connection of this page.
 * It only translates requests (see protocol.ts) into SQLite calls, one request at a time, in arrival order.
 */
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import type { SqlParams, SqlValue } from '../../driver.ts';
import type { WorkerFailure, WorkerRequest, WorkerResponse } from './protocol.ts';

type Sqlite3 = Awaited<ReturnType<typeof sqlite3InitModule>>;
type Pool = Awaited<ReturnType<Sqlite3['installOpfsSAHPoolVfs']>>;
type Db = InstanceType<Pool['OpfsSAHPoolDb']>;
type Stmt = ReturnType<Db['prepare']>;

interface Connection {
  db: Db;
  stmts: Map<string, Stmt>;
}

declare const self: DedicatedWorkerGlobalScope;

let sqlite3: Promise<Sqlite3> | undefined;
const pools = new Map<string, Promise<Pool>>();
const connections = new Map<number, Connection>();
let nextConn = 1;

async function poolFor(vfs: string): Promise<Pool> {
  let p = pools.get(vfs);
  if (!p) {
    sqlite3 ??= sqlite3InitModule();
    p = sqlite3.then((s) => s.installOpfsSAHPoolVfs({ name: vfs }));
    // A failed install (another tab holds the files) must not stick: the next open tries again.
    p.catch(() => pools.delete(vfs));
    pools.set(vfs, p);
  }
  const pool = await p;
  if (pool.isPaused()) await pool.unpauseVfs();
  return pool;
}

async function open(file: string, vfs: string): Promise<number> {
  const pool = await poolFor(vfs);
  // Each database needs a slot for itself and one for its journal; keep spare slots so opening never fails.
  await pool.reserveMinimumCapacity(Number(pool.getFileCount()) + 4);
  const db = new pool.OpfsSAHPoolDb(file);
  try {
    // A single-threaded worker cannot wait for another connection of its own: fail fast with SQLITE_BUSY.
    db.exec('PRAGMA busy_timeout = 0');
    db.exec('PRAGMA foreign_keys = ON');
  } catch (e) {
    db.close();
    throw e;
  }
  const conn = nextConn++;
  connections.set(conn, { db, stmts: new Map() });
  return conn;
}

function connection(id: number): Connection {
  const c = connections.get(id);
  if (!c) throw Object.assign(new Error('the database is closed'), { name: 'StorageError' });
  return c;
}

function prepare(c: Connection, sql: string): Stmt {
  let st = c.stmts.get(sql);
  if (!st) {
    st = c.db.prepare(sql);
    if (c.stmts.size > 500) {
      for (const old of c.stmts.values()) old.finalize();
      c.stmts.clear();
    }
    c.stmts.set(sql, st);
  }
  return st;
}

function bind(st: Stmt, params: SqlParams) {
  st.clearBindings();
  // sqlite-wasm binds a zero-length Uint8Array as NULL; bind it as a zero-length blob like other bindings do.
  params.forEach((v, i) => {
    if (v instanceof Uint8Array && v.byteLength === 0) st.bindAsBlob(i + 1, v);
    else st.bind(i + 1, v as never);
  });
}

function run(
  c: Connection,
  sql: string,
  params: SqlParams,
  rows: boolean,
): number | Record<string, SqlValue>[] {
  const st = prepare(c, sql);
  try {
    if (params.length > 0) bind(st, params);
    if (st.columnCount > 0) {
      const out: Record<string, SqlValue>[] = [];
      while (st.step()) out.push(st.get({}) as Record<string, SqlValue>);
      return rows ? out : 0;
    }
    st.step();
    return rows ? [] : c.db.changes();
  } finally {
    st.reset(true);
  }
}

async function close(id: number): Promise<void> {
  const c = connections.get(id);
  if (!c) return;
  connections.delete(id);
  for (const st of c.stmts.values()) st.finalize();
  c.db.close();
  // With no connection left, give the OPFS access handles back now, so another tab (or a worker started
  // after this one is terminated) can open the files at once.
  if (connections.size === 0) {
    for (const p of pools.values()) {
      const pool = await p.catch(() => undefined);
      if (pool && !pool.isPaused()) pool.pauseVfs();
    }
  }
}

async function handle(req: WorkerRequest): Promise<number | Record<string, SqlValue>[] | null> {
  switch (req.op) {
    case 'open':
      return open(req.file, req.vfs);
    case 'exec':
      return run(connection(req.conn), req.sql, req.params, false);
    case 'query':
      return run(connection(req.conn), req.sql, req.params, true);
    case 'begin':
      connection(req.conn).db.exec('BEGIN IMMEDIATE');
      return null;
    case 'commit':
      connection(req.conn).db.exec('COMMIT');
      return null;
    case 'rollback': {
      const { db } = connection(req.conn);
      const capi = (await sqlite3!).capi;
      if (db.pointer !== undefined && capi.sqlite3_get_autocommit(db.pointer) === 0) db.exec('ROLLBACK');
      return null;
    }
    case 'close':
      await close(req.conn);
      return null;
    case 'raw-insert-benchmark':
      return rawInsertBenchmark(connection(req.conn), req.rows);
  }
}

/**
 * The raw baseline of `npm run bench:web`, in the same worker and on the same database as the engine: the
 * same task rows through one prepared statement in one transaction, into a scratch table shaped like tasks.
 */
function rawInsertBenchmark(c: Connection, rows: number): number {
  // The scratch table is a copy of `tasks` with its indexes, so both sides insert into the same shape.
  c.db.exec('DROP TABLE IF EXISTS bench_raw_tasks');
  const schema = c.db.selectObjects(
    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'tasks' AND sql IS NOT NULL ORDER BY type DESC",
  ) as { type: string; name: string; sql: string }[];
  for (const o of schema) {
    c.db.exec(
      o.type === 'table'
        ? o.sql.replace(/^CREATE TABLE\s+"?tasks"?/i, 'CREATE TABLE bench_raw_tasks')
        : o.sql
            .replace(o.name, `bench_raw_${o.name}`)
            .replace(/\bON\s+"?tasks"?\s*\(/i, 'ON bench_raw_tasks ('),
    );
  }
  const now = Date.now();
  const started = performance.now();
  c.db.exec('BEGIN IMMEDIATE');
  const st = c.db.prepare(
    'INSERT INTO bench_raw_tasks (id, deleted, title, description, status, project_id, due_at, created_at, updated_at) ' +
      'VALUES (?, 0, ?, NULL, ?, NULL, NULL, ?, ?)',
  );
  try {
    for (let i = 0; i < rows; i++)
      st.bind([crypto.randomUUID(), `Bench task ${i}`, 'todo', now, now]).stepReset();
  } finally {
    st.finalize();
  }
  c.db.exec('COMMIT');
  const ms = performance.now() - started;
  c.db.exec('DROP TABLE bench_raw_tasks');
  return ms;
}

function failure(e: unknown): WorkerFailure {
  const err = e instanceof Error ? e : new Error(String(e));
  const resultCode = (err as { resultCode?: unknown }).resultCode;
  return { name: err.name, message: err.message, ...(typeof resultCode === 'number' ? { resultCode } : {}) };
}

let queue: Promise<unknown> = Promise.resolve();
self.onmessage = (ev: MessageEvent<WorkerRequest>) => {
  const req = ev.data;
  queue = queue.then(async () => {
    let res: WorkerResponse;
    try {
      res = { id: req.id, ok: true, result: await handle(req) };
    } catch (e: unknown) {
      res = { id: req.id, ok: false, error: failure(e) };
    }
    self.postMessage(res);
  });
};
