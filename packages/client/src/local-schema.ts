import type { SqliteDriver, SqliteExecutor } from './driver.ts';

/** One step of the local schema. */
export interface Migration {
  version: number;
  sql: readonly string[];
  /**
   * Statements that need SQLite's FTS5 module (the full-text search index of search.ts), run after `sql` in the
   * same transaction. Where the SQLite build has no FTS5 (expo-sqlite's web build), they are skipped and search
   * falls back to substring matching; `migrate` creates them on a later open by a build that has FTS5.
   */
  fts5?: readonly string[];
}

/**
 * Versioned local schema. Each migration runs in one transaction with the `PRAGMA user_version` bump, so
 * a crash mid-migration leaves the previous version intact. Never edit a released migration: append one.
 * Plain SQLite SQL only: every driver (better-sqlite3, sqlite-wasm, sqlx in the desktop app, expo-sqlite)
 * runs these statements one by one.
 */
export const MIGRATIONS: readonly Migration[] = [
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
  {
    // Full-text search over tasks' title and description (search.ts). An external-content FTS5 table: the text
    // stays in `tasks` only, the index is keyed by the tasks' rowid, which an upsert (INSERT … ON CONFLICT DO
    // UPDATE) keeps. It mirrors every row of `tasks`, tombstones included (their text is NULL, so they index
    // nothing; queries also require `deleted = 0`), which keeps it equal to what 'rebuild' would make.
    // Accents and case are folded (`remove_diacritics 2`): "cafe" finds "Café".
    version: 4,
    sql: [],
    fts5: [
      `CREATE VIRTUAL TABLE tasks_fts USING fts5(title, description, content='tasks', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2')`,
      `CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
        INSERT INTO tasks_fts (rowid, title, description) VALUES (new.rowid, new.title, new.description);
      END`,
      `CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
        INSERT INTO tasks_fts (tasks_fts, rowid, title, description)
          VALUES ('delete', old.rowid, old.title, old.description);
      END`,
      // Only when the text changed: a status change or a sync that rewrites the same text costs no index work.
      `CREATE TRIGGER tasks_fts_update AFTER UPDATE ON tasks
        WHEN old.title IS NOT new.title OR old.description IS NOT new.description BEGIN
        INSERT INTO tasks_fts (tasks_fts, rowid, title, description)
          VALUES ('delete', old.rowid, old.title, old.description);
        INSERT INTO tasks_fts (rowid, title, description) VALUES (new.rowid, new.title, new.description);
      END`,
      `INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild')`,
    ],
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

async function userVersion(db: SqliteExecutor): Promise<number> {
  const [row] = await db.query<{ user_version: number }>('PRAGMA user_version');
  return Number(row?.user_version ?? 0);
}

/**
 * Whether this SQLite has the FTS5 module. Asked of the build (`sqlite_compileoption_used`), not by creating a
 * probe table: a temporary table could cost a file of a fixed-size OPFS pool on the web.
 */
export async function hasFts5(db: SqliteExecutor): Promise<boolean> {
  try {
    const [row] = await db.query<{ fts5: number }>("SELECT sqlite_compileoption_used('ENABLE_FTS5') AS fts5");
    return Number(row?.fts5) === 1;
  } catch {
    return false; // a build without the compile-option functions
  }
}

/** The tables and triggers the `fts5` statements of migrations up to `version` create, by name. */
export function fts5Objects(version: number): { tables: string[]; triggers: string[] } {
  const statements = MIGRATIONS.filter((m) => m.version <= version).flatMap((m) => m.fts5 ?? []);
  const names = (re: RegExp) => statements.flatMap((s) => re.exec(s)?.[1] ?? []);
  return {
    tables: names(/^CREATE VIRTUAL TABLE (\w+)/),
    triggers: names(/^CREATE TRIGGER (\w+)/),
  };
}

/** How many of `names` exist in the schema. */
async function present(db: SqliteExecutor, names: readonly string[]): Promise<number> {
  if (names.length === 0) return 0;
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM sqlite_master WHERE name IN (${names.map(() => '?').join(', ')})`,
    names,
  );
  return Number(row?.n ?? 0);
}

/**
 * Whether the full-text index of a database at `version` is in place and usable here: FTS5 in this build and
 * every table and trigger of the `fts5` statements present.
 */
export async function fts5Ready(db: SqliteExecutor, version: number): Promise<boolean> {
  const { tables, triggers } = fts5Objects(version);
  if (tables.length === 0 || !(await hasFts5(db))) return false;
  return (await present(db, [...tables, ...triggers])) === tables.length + triggers.length;
}

/**
 * Puts the FTS5 part of the schema in line with this build, after the migrations: a build with FTS5 creates an
 * index that is missing or incomplete (the database was migrated where FTS5 was missing), filled from `tasks`;
 * a build without it drops the triggers, which would make every write to `tasks` fail ("no such module").
 */
async function reconcileFts5(driver: SqliteDriver, version: number, fts5: boolean): Promise<void> {
  const { tables, triggers } = fts5Objects(version);
  if (tables.length === 0) return;
  const found = await present(driver, [...tables, ...triggers]);
  if (fts5 && found === tables.length + triggers.length) return;
  if (!fts5 && (await present(driver, triggers)) === 0) return;
  await driver.transaction(async (tx) => {
    for (const t of triggers) await tx.exec(`DROP TRIGGER IF EXISTS ${t}`);
    if (!fts5) return;
    for (const t of tables) await tx.exec(`DROP TABLE IF EXISTS ${t}`);
    for (const m of MIGRATIONS) if (m.version <= version) for (const s of m.fts5 ?? []) await tx.exec(s);
  });
}

/** Applies every migration newer than the database, each in its own transaction. Returns the new version. */
export async function migrate(driver: SqliteDriver, upTo: number = LATEST_VERSION): Promise<number> {
  let current = await userVersion(driver);
  if (current > LATEST_VERSION) {
    throw new Error(`local database is version ${current}, newer than this SelfTracker (${LATEST_VERSION})`);
  }
  const fts5 = await hasFts5(driver);
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > upTo) continue;
    await driver.transaction(async (tx) => {
      for (const stmt of m.sql) await tx.exec(stmt);
      if (fts5) for (const stmt of m.fts5 ?? []) await tx.exec(stmt);
      await tx.exec(`PRAGMA user_version = ${m.version}`);
    });
    current = m.version;
  }
  await reconcileFts5(driver, current, fts5);
  return current;
}
