/**
 * sqlite-wasm on the `opfs-sahpool` VFS, as driver-kit primitives: this module runs in the database worker
 * (see database-worker.ts) and owns the wasm module, the VFS pools and every connection of the page.
 */
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import type { SqliteDriver, SqlParams, SqlValue, StorageError } from '../../driver.ts';
import {
  classifySqliteCode,
  createMutex,
  createSqliteDriver,
  createStatementCache,
  type Mutex,
  storageError,
} from '../kit.ts';

type Sqlite3 = Awaited<ReturnType<typeof sqlite3InitModule>>;
type Pool = Awaited<ReturnType<Sqlite3['installOpfsSAHPoolVfs']>>;
/** One sqlite-wasm connection (the `oo1` API). */
export type WasmDb = InstanceType<Pool['OpfsSAHPoolDb']>;
type Stmt = ReturnType<WasmDb['prepare']>;

let sqlite3: Promise<Sqlite3> | undefined;
const pools = new Map<string, Promise<Pool>>();
/** One write lock per file: a single-threaded worker cannot wait in SQLite for another connection of its own. */
const fileLocks = new Map<string, Mutex>();
let openConnections = 0;

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

/** OPFS refuses a second set of access handles while another tab (or a dying worker) still holds them. */
export function mapWasmError(e: unknown): StorageError {
  const { name, resultCode } = e as { name?: string; resultCode?: unknown };
  if (name === 'NoModificationAllowedError' || name === 'InvalidStateError') return storageError('busy', e);
  return storageError(classifySqliteCode(typeof resultCode === 'number' ? resultCode : undefined), e);
}

function bind(st: Stmt, params: SqlParams) {
  st.clearBindings();
  // sqlite-wasm binds a zero-length Uint8Array as NULL; bind it as a zero-length blob like other bindings do.
  params.forEach((v, i) => {
    if (v instanceof Uint8Array && v.byteLength === 0) st.bindAsBlob(i + 1, v);
    else st.bind(i + 1, v as never);
  });
}

/** Steps `st` to its end; its rows when `rows`, else the number of rows changed. */
function step(db: WasmDb, st: Stmt, params: SqlParams, rows: boolean): number | Record<string, SqlValue>[] {
  try {
    if (params.length > 0) bind(st, params);
    if (st.columnCount > 0) {
      const out: Record<string, SqlValue>[] = [];
      while (st.step()) out.push(st.get({}) as Record<string, SqlValue>);
      return rows ? out : 0;
    }
    st.step();
    return rows ? [] : db.changes();
  } finally {
    st.reset(true);
  }
}

/** With no connection left, give the OPFS access handles back now, so another tab can open the files at once. */
async function pauseIfIdle(): Promise<void> {
  if (openConnections > 0) return;
  for (const p of pools.values()) {
    const pool = await p.catch(() => undefined);
    if (pool && !pool.isPaused()) pool.pauseVfs();
  }
}

async function connect(file: string, vfs: string): Promise<WasmDb> {
  const pool = await poolFor(vfs);
  // Each database needs a slot for itself and one for its journal; keep spare slots so opening never fails.
  await pool.reserveMinimumCapacity(Number(pool.getFileCount()) + 4);
  const db = new pool.OpfsSAHPoolDb(file);
  try {
    // The worker is single-threaded: fail fast with SQLITE_BUSY rather than spin (the file lock orders writers).
    db.exec('PRAGMA busy_timeout = 0');
    db.exec('PRAGMA foreign_keys = ON');
  } catch (e: unknown) {
    db.close();
    throw e;
  }
  return db;
}

/**
 * Opens `file` on the `opfs-sahpool` VFS `vfs` in this worker: the kit's driver over it, and the raw
 * connection (for tools such as the benchmark's baseline; the driver owns it, close the driver).
 */
export async function openWasmDatabase(
  file: string,
  vfs: string,
): Promise<{ driver: SqliteDriver; db: WasmDb }> {
  let db: WasmDb;
  try {
    db = await connect(file, vfs);
  } catch (e: unknown) {
    await pauseIfIdle();
    throw mapWasmError(e);
  }
  openConnections++;
  const capi = (await sqlite3!).capi;
  const statements = createStatementCache(
    (sql) => db.prepare(sql),
    (st) => st.finalize(),
  );
  const key = `${vfs}\u0000${file}`;
  const writeLock = fileLocks.get(key) ?? createMutex();
  fileLocks.set(key, writeLock);
  let unlock: (() => void) | undefined;
  const endWrite = () => {
    unlock?.();
    unlock = undefined;
  };
  const driver = createSqliteDriver({
    run: (sql, params) => step(db, statements.get(sql), params, false) as number,
    all: <T>(sql: string, params: SqlParams) => step(db, statements.get(sql), params, true) as T[],
    begin: async () => {
      unlock = await writeLock.acquire();
      try {
        db.exec('BEGIN IMMEDIATE');
      } catch (e: unknown) {
        endWrite();
        throw e;
      }
    },
    commit: () => {
      db.exec('COMMIT');
      endWrite();
    },
    rollback: () => {
      try {
        if (db.pointer !== undefined && capi.sqlite3_get_autocommit(db.pointer) === 0) db.exec('ROLLBACK');
      } finally {
        endWrite();
      }
    },
    close: async () => {
      statements.clear();
      db.close();
      openConnections--;
      await pauseIfIdle();
    },
    mapError: mapWasmError,
  });
  return { driver, db };
}
