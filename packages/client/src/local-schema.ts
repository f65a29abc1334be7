import type { SqliteDriver, SqliteExecutor } from './driver.ts';

/**
 * Versioned local schema. Each migration runs in one transaction with the `PRAGMA user_version` bump, so
 * a crash mid-migration leaves the previous version intact. Never edit a released migration: append one.
 */
export const MIGRATIONS: readonly { version: number; sql: readonly string[] }[] = [
  {
    version: 1,
    sql: [
      `CREATE TABLE projects (id TEXT PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0,
        name TEXT, color TEXT, archived INTEGER, created_at INTEGER, updated_at INTEGER)`,
      `CREATE TABLE tasks (id TEXT PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0,
        title TEXT, description TEXT, status TEXT, project_id TEXT, due_at INTEGER, created_at INTEGER, updated_at INTEGER)`,
      `CREATE TABLE timers (id TEXT PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0,
        task_id TEXT, project_id TEXT, note TEXT, started_at INTEGER, stopped_at INTEGER, created_at INTEGER, updated_at INTEGER)`,
      `CREATE TABLE sync_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, op_id TEXT NOT NULL,
        entity TEXT NOT NULL, entity_id TEXT NOT NULL, operation TEXT NOT NULL, data TEXT, hlc TEXT NOT NULL,
        created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT)`,
      `CREATE INDEX sync_queue_entity_idx ON sync_queue (entity, entity_id)`,
      `CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT)`,
    ],
  },
  {
    version: 2,
    sql: [
      `CREATE INDEX tasks_status_idx ON tasks (status, created_at) WHERE deleted = 0`,
      `CREATE INDEX tasks_project_idx ON tasks (project_id) WHERE deleted = 0`,
      `CREATE INDEX timers_started_idx ON timers (started_at) WHERE deleted = 0`,
      `CREATE INDEX timers_running_idx ON timers (stopped_at) WHERE deleted = 0 AND stopped_at IS NULL`,
    ],
  },
  {
    // The server version each synced row was last pulled at (a decimal string): after the server is restored
    // from a backup, a row held here at a version the server no longer has is offered again (reoffer.ts).
    version: 3,
    sql: [
      `CREATE TABLE row_versions (entity TEXT NOT NULL, id TEXT NOT NULL, version TEXT NOT NULL,
        PRIMARY KEY (entity, id)) WITHOUT ROWID`,
    ],
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

async function userVersion(db: SqliteExecutor): Promise<number> {
  const [row] = await db.query<{ user_version: number }>('PRAGMA user_version');
  return Number(row?.user_version ?? 0);
}

/** Applies every migration newer than the database, each in its own transaction. Returns the new version. */
export async function migrate(driver: SqliteDriver, upTo: number = LATEST_VERSION): Promise<number> {
  let current = await userVersion(driver);
  if (current > LATEST_VERSION) {
    throw new Error(`local database is version ${current}, newer than this SelfTracker (${LATEST_VERSION})`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > upTo) continue;
    await driver.transaction(async (tx) => {
      for (const stmt of m.sql) await tx.exec(stmt);
      await tx.exec(`PRAGMA user_version = ${m.version}`);
    });
    current = m.version;
  }
  return current;
}
