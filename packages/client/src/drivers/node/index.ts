import Database from 'better-sqlite3';
import type { SqliteDriver, SqlParams, StorageError } from '../../driver.ts';
import { classifySqliteCode, createSqliteDriver, createStatementCache, storageError } from '../kit.ts';

export interface NodeDriverOptions {
  /** `NORMAL` (default) or `FULL`. See the package README for what NORMAL means on power loss. */
  synchronous?: 'NORMAL' | 'FULL';
}

function mapError(e: unknown): StorageError {
  const { code, message } = e as { code?: string; message?: string };
  if (/database connection is not open/i.test(message ?? '')) return storageError('closed', e);
  return storageError(classifySqliteCode(code), e);
}

// better-sqlite3 binds every JS number as a REAL; bind integers as INTEGER (as other bindings do), so an
// integer stays an integer in untyped columns, TEXT columns and expressions.
const bind = (params: SqlParams) =>
  params.map((v) => (typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v));

/**
 * The Node driver on better-sqlite3: WAL journal, `synchronous=NORMAL` by default (a committed transaction
 * survives a process crash; on power loss the last transactions before the crash may roll back, never
 * corrupting the file). Statements are cached; the kit serializes calls and transactions.
 */
export function openNodeDriver(path: string, opts: NodeDriverOptions = {}): SqliteDriver {
  let db: Database.Database;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
  } catch (e: unknown) {
    throw mapError(e);
  }
  const statements = createStatementCache((sql) => db.prepare(sql));
  return createSqliteDriver({
    run(sql, params) {
      const st = statements.get(sql);
      // An array binds positionally, without spreading thousands of arguments of a multi-row statement.
      if (!st.reader) return st.run(bind(params)).changes;
      st.all(bind(params));
      return 0;
    },
    all: <T>(sql: string, params: SqlParams) => statements.get(sql).all(bind(params)) as T[],
    begin: () => void db.exec('BEGIN IMMEDIATE'),
    commit: () => void db.exec('COMMIT'),
    rollback: () => {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
    close: () => {
      statements.clear();
      db.close();
    },
    mapError,
  });
}
