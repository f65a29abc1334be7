import Database from 'better-sqlite3';
import {
  createMutex,
  type SqliteDriver,
  type SqliteExecutor,
  StorageError,
  type StorageErrorCode,
  withScopedExecutor,
} from '../../driver.ts';

export interface NodeDriverOptions {
  /** `NORMAL` (default) or `FULL`. See the package README for what NORMAL means on power loss. */
  synchronous?: 'NORMAL' | 'FULL';
}

function mapError(e: unknown): StorageError {
  if (StorageError.is(e)) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: string }).code ?? '';
  let kind: StorageErrorCode = 'io';
  if (code.startsWith('SQLITE_CONSTRAINT')) kind = 'constraint';
  else if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) kind = 'busy';
  else if (/database connection is not open/i.test(err.message)) kind = 'closed';
  return new StorageError(kind, err.message, { cause: err });
}

/**
 * The Node driver on better-sqlite3: WAL journal, `synchronous=NORMAL` by default (a committed transaction
 * survives a process crash; on power loss the last transactions before the crash may roll back, never
 * corrupting the file). Statements are cached; transactions are serialized by a FIFO mutex.
 */
export function openNodeDriver(path: string, opts: NodeDriverOptions = {}): SqliteDriver {
  let db: Database.Database;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
  } catch (e) {
    throw mapError(e);
  }
  const cache = new Map<string, Database.Statement>();
  // better-sqlite3 binds every JS number as a REAL; bind integers as INTEGER (as other bindings do), so an
  // integer stays an integer in untyped columns, TEXT columns and expressions.
  const bind = (params: readonly unknown[]) =>
    params.map((v) => (typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v));
  const prepare = (sql: string) => {
    let st = cache.get(sql);
    if (!st) {
      st = db.prepare(sql);
      if (cache.size > 500) cache.clear();
      cache.set(sql, st);
    }
    return st;
  };
  const exec: SqliteExecutor = {
    async exec(sql, params = []) {
      try {
        const st = prepare(sql);
        const args = bind(params);
        // An array binds positionally, without spreading thousands of arguments of a multi-row statement.
        if (!st.reader) return st.run(args).changes;
        st.all(args);
        return 0;
      } catch (e) {
        throw mapError(e);
      }
    },
    async query<T>(sql: string, params: readonly unknown[] = []) {
      try {
        return prepare(sql).all(bind(params)) as T[];
      } catch (e) {
        throw mapError(e);
      }
    },
  };
  const lock = createMutex();
  let closed = false;
  const guard = () => {
    if (closed) throw new StorageError('closed', 'the database is closed');
  };
  return {
    exec: (sql, params) =>
      lock(async () => {
        guard();
        return exec.exec(sql, params);
      }),
    query: (sql, params) =>
      lock(async () => {
        guard();
        return exec.query(sql, params);
      }) as never,
    transaction: (fn) =>
      lock(async () => {
        guard();
        try {
          db.exec('BEGIN IMMEDIATE');
        } catch (e) {
          throw mapError(e);
        }
        try {
          const result = await withScopedExecutor(exec, fn);
          db.exec('COMMIT');
          return result;
        } catch (e) {
          try {
            if (db.inTransaction) db.exec('ROLLBACK');
          } catch {
            // the rollback failing too must not hide why the transaction failed
          }
          // What `fn` throws is the caller's error and passes through untouched (the executor already mapped
          // native errors); only a failing COMMIT is still a raw SQLite error here.
          throw e instanceof Database.SqliteError ? mapError(e) : e;
        }
      }),
    close: () =>
      lock(async () => {
        if (closed) return;
        closed = true;
        cache.clear();
        db.close();
      }),
  };
}
