/**
 * The driver kit: everything a `SqliteDriver` needs besides the SQLite binding itself, written once. A platform
 * gives `createSqliteDriver` the primitives of one connection (run, all, begin, commit, rollback, close and
 * how its native errors map); the kit adds the FIFO mutex (one writer, readers never see half a transaction),
 * the transaction executor that refuses use after its transaction ended, the closed checks and the mapping of
 * every native error to `StorageError` (keeping `cause`). See the package README, "Writing a platform driver".
 */
import {
  type SqliteDriver,
  type SqliteExecutor,
  type SqlParams,
  StorageError,
  type StorageErrorCode,
} from '../driver.ts';
import { toError } from '../errors.ts';

type Awaitable<T> = T | Promise<T>;

/** One SQLite connection, as a platform binding offers it. Each may be synchronous or return a promise. */
export interface SqlitePrimitives {
  /** Runs a statement; resolves to the number of rows it changed (0 for a statement that returns rows). */
  run(sql: string, params: SqlParams): Awaitable<number>;
  /** Runs a statement; resolves to its rows as objects keyed by column name. */
  all<T>(sql: string, params: SqlParams): Awaitable<T[]>;
  /** Starts a write transaction at once (`BEGIN IMMEDIATE`), so it never fails half-way on a lock. */
  begin(): Awaitable<void>;
  commit(): Awaitable<void>;
  /** Rolls back the open transaction; must be harmless when SQLite already ended it (after a failed COMMIT). */
  rollback(): Awaitable<void>;
  close(): Awaitable<void>;
  /** Maps a native error to `StorageError` (use `classifySqliteCode`); a `StorageError` never reaches it. */
  mapError(e: unknown): StorageError;
}

/** A FIFO mutex: `lock(fn)` runs `fn` after every earlier holder finished; `acquire()` for a held span. */
export interface Mutex {
  <T>(fn: () => Promise<T>): Promise<T>;
  /** Resolves when the lock is this caller's, to the function that releases it (harmless twice). */
  acquire(): Promise<() => void>;
}

/** Creates a FIFO mutex: the single-writer discipline of a driver's async transactions. */
export function createMutex(): Mutex {
  let tail: Promise<void> = Promise.resolve();
  const acquire = (): Promise<() => void> => {
    const previous = tail;
    let release!: () => void;
    tail = new Promise<void>((r) => {
      release = r;
    });
    return previous.then(() => () => release());
  };
  const lock = async <T>(fn: () => Promise<T>): Promise<T> => {
    const release = await acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  };
  return Object.assign(lock, { acquire });
}

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CONSTRAINT = 19;

/**
 * Classifies a SQLite result code, given as its name (`SQLITE_CONSTRAINT_UNIQUE`, as better-sqlite3 reports it)
 * or its number (extended codes too, as sqlite-wasm or sqlx report it): `constraint`, `busy`, else `io`.
 */
export function classifySqliteCode(code: string | number | undefined): StorageErrorCode {
  if (typeof code === 'number') {
    const primary = code & 0xff;
    if (primary === SQLITE_CONSTRAINT) return 'constraint';
    return primary === SQLITE_BUSY || primary === SQLITE_LOCKED ? 'busy' : 'io';
  }
  if (code?.startsWith('SQLITE_CONSTRAINT')) return 'constraint';
  return code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED') ? 'busy' : 'io';
}

/** A `StorageError` of `code` for any thrown value, with the value (as an Error) as its cause. */
export function storageError(code: StorageErrorCode, e: unknown): StorageError {
  const cause = toError(e);
  return new StorageError(code, cause.message, { cause });
}

/**
 * A cache of prepared statements by SQL text, cleared (finalizing each, when the binding needs it) once it
 * holds more than `max`: the engine's statements repeat, and preparing is a large part of a small statement.
 */
export function createStatementCache<S>(
  prepare: (sql: string) => S,
  finalize: (statement: S) => void = () => {},
  max = 500,
): { get(sql: string): S; clear(): void } {
  const cache = new Map<string, S>();
  const clear = () => {
    for (const st of cache.values()) finalize(st);
    cache.clear();
  };
  return {
    get(sql) {
      let st = cache.get(sql);
      if (st === undefined) {
        st = prepare(sql);
        if (cache.size >= max) clear();
        cache.set(sql, st);
      }
      return st;
    },
    clear,
  };
}

/**
 * Runs `fn` with an executor that is only valid while it runs: a write that escapes `fn` (a floating promise)
 * must not run outside the transaction's lock, where it would break the single-writer rule.
 */
async function withScopedExecutor<T>(
  raw: SqliteExecutor,
  fn: (tx: SqliteExecutor) => Promise<T>,
): Promise<T> {
  let open = true;
  const guard = () => {
    if (!open) throw new StorageError('closed', 'this transaction has already ended');
  };
  const tx: SqliteExecutor = {
    exec: async (sql, params) => {
      guard();
      return raw.exec(sql, params);
    },
    query: async <R>(sql: string, params?: SqlParams) => {
      guard();
      return raw.query<R>(sql, params);
    },
  };
  try {
    return await fn(tx);
  } finally {
    open = false;
  }
}

/**
 * Builds a `SqliteDriver` from one connection's primitives. Every call waits its turn in one FIFO mutex, so a
 * transaction is serializable and nothing else on this driver sees it half done; a call after `close()` (or
 * queued behind it) fails with `StorageError('closed')`; native errors become `StorageError`. What a
 * transaction's function throws passes through untouched, after a rollback.
 */
export function createSqliteDriver(p: SqlitePrimitives): SqliteDriver {
  const lock = createMutex();
  let closed = false;
  const mapped = async <R>(f: () => Awaitable<R>): Promise<R> => {
    try {
      return await f();
    } catch (e: unknown) {
      throw StorageError.is(e) ? e : p.mapError(e);
    }
  };
  const conn: SqliteExecutor = {
    exec: (sql, params = []) => mapped(() => p.run(sql, params)),
    query: <T>(sql: string, params: SqlParams = []) => mapped(() => p.all<T>(sql, params)),
  };
  const whileOpen = <R>(f: () => Promise<R>) =>
    lock(async () => {
      if (closed) throw new StorageError('closed', 'the database is closed');
      return f();
    });
  const rollbackQuietly = () => mapped(() => p.rollback()).catch(() => {}); // must not hide why it failed

  async function inTransaction<T>(fn: (tx: SqliteExecutor) => Promise<T>): Promise<T> {
    await mapped(() => p.begin());
    let result: T;
    try {
      result = await withScopedExecutor(conn, fn);
    } catch (e: unknown) {
      await rollbackQuietly();
      throw e;
    }
    try {
      await mapped(() => p.commit());
    } catch (e: unknown) {
      await rollbackQuietly();
      throw e;
    }
    return result;
  }

  return {
    exec: (sql, params) => whileOpen(() => conn.exec(sql, params)),
    query: <T>(sql: string, params?: SqlParams) => whileOpen(() => conn.query<T>(sql, params)),
    transaction: (fn) => whileOpen(() => inTransaction(fn)),
    close: () =>
      lock(async () => {
        if (closed) return;
        closed = true;
        await mapped(() => p.close());
      }),
  };
}
