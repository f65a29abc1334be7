/**
 * The Expo driver (`@selftracker/client/expo`): expo-sqlite on iOS, Android and the web, through the driver
 * kit over ONE connection. A transaction is `BEGIN IMMEDIATE` … `COMMIT` on that connection, held by the
 * kit's mutex, so nothing else on this driver runs inside it: expo-sqlite's `withTransactionAsync` is not
 * isolated from other calls on the connection, and `withExclusiveTransactionAsync` does not exist on web.
 * See the package README, "Writing a platform driver", and "The Expo driver" there for the web's limits.
 */
import * as SQLite from 'expo-sqlite';
import type { SqliteDriver, SqlParams, StorageError } from '../../driver.ts';
import { classifySqliteCode, createSqliteDriver, createStatementCache, storageError } from '../kit.ts';
import { inlineEmptyBlobs } from './empty-blobs.ts';
import { sqliteCodeOf } from './errors.ts';

export { sqliteCodeOf } from './errors.ts';

export interface ExpoDriverOptions {
  /** Where the file lives (expo-sqlite's `directory`, native only); its default directory when absent. */
  directory?: string;
}

function mapError(e: unknown): StorageError {
  const message = e instanceof Error ? e.message : String(e);
  if (/closed resource|database is closed|not open/i.test(message)) return storageError('closed', e);
  return storageError(classifySqliteCode(sqliteCodeOf(e)), e);
}

type Row = Record<string, unknown>;

// expo-sqlite binds numbers, strings, null, Uint8Array and booleans. A bigint binds as a number when it is
// safe, else as its decimal text (an INTEGER column's affinity turns it back into an integer).
const bind = (params: SqlParams): SQLite.SQLiteBindValue[] =>
  params.map((v) => {
    if (typeof v !== 'bigint') return v;
    const safe = v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER);
    return safe ? Number(v) : v.toString();
  });

const hasBlob = (row: Row) => Object.values(row).some((v) => v instanceof Uint8Array);

interface Prepared {
  statement: SQLite.SQLiteStatement;
  /** Whether it returns rows (read once per statement): `run` must then reset it to release its read. */
  reader: Promise<boolean>;
}

/**
 * Opens `name` with expo-sqlite's async API (on the web the sync API times out on a cold open) on a
 * connection of its own (`useNewConnection`), so closing this driver never closes another one's. Statements
 * are prepared once and cached: expo-sqlite's `runAsync`/`getAllAsync` prepare and finalize per call, and
 * their `finally` finalize replaces a failed statement's SQLite error by "Error finalizing statement".
 */
export async function openExpoDriver(name: string, opts: ExpoDriverOptions = {}): Promise<SqliteDriver> {
  let db: SQLite.SQLiteDatabase;
  try {
    db = await SQLite.openDatabaseAsync(name, { useNewConnection: true }, opts.directory);
    // WAL where the platform has it (native); the web VFS stays in rollback-journal mode.
    await db.execAsync('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON');
  } catch (e: unknown) {
    throw mapError(e);
  }
  const statements = createStatementCache<Promise<Prepared>>(
    (sql) =>
      db.prepareAsync(sql).then((statement) => ({
        statement,
        reader: statement.getColumnNamesAsync().then((c) => c.length > 0),
      })),
    (p) => void p.then((s) => s.statement.finalizeAsync()).catch(() => {}),
  );
  let inTransaction = false;

  async function all<T>(source: string, values: SqlParams): Promise<T[]> {
    const { sql, params } = inlineEmptyBlobs(source, values);
    const { statement } = await statements.get(sql);
    const rows = await (await statement.executeAsync<Row>(bind(params))).getAllAsync();
    // On the web, rows after the first are copied out of the worker after the whole statement stepped, and
    // a blob is a view into wasm memory that later steps overwrote: read such results one row per step.
    if (!rows.slice(1).some(hasBlob)) return rows as T[];
    const again: Row[] = [];
    for await (const row of await statement.executeAsync<Row>(bind(params))) again.push(row);
    return again as T[];
  }

  return createSqliteDriver({
    async run(source, values) {
      const { sql, params } = inlineEmptyBlobs(source, values);
      const { statement, reader } = await statements.get(sql);
      const result = await statement.executeAsync(bind(params));
      if (!(await reader)) return result.changes;
      await result.resetAsync();
      return 0;
    },
    all,
    begin: async () => {
      await db.execAsync('BEGIN IMMEDIATE');
      inTransaction = true;
    },
    commit: async () => {
      await db.execAsync('COMMIT');
      inTransaction = false;
    },
    rollback: async () => {
      if (!inTransaction) return;
      inTransaction = false;
      // SQLite may already have rolled back (a failed COMMIT): then ROLLBACK fails harmlessly.
      await db.execAsync('ROLLBACK').catch(() => {});
    },
    close: async () => {
      statements.clear();
      await db.closeAsync();
    },
    mapError,
  });
}

/** Deletes the database `name` (closed first by its drivers). On the web each file takes one of 6 OPFS slots. */
export async function deleteExpoDatabase(name: string, opts: ExpoDriverOptions = {}): Promise<void> {
  try {
    await SQLite.deleteDatabaseAsync(name, opts.directory);
  } catch (e: unknown) {
    throw mapError(e);
  }
}
