import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type SqliteDriver, type SqliteExecutor, StorageError } from './driver.ts';
import { openNodeDriver } from './drivers/node/index.ts';
import { Engine } from './engine.ts';
import { fts5Objects, LATEST_VERSION, MIGRATIONS, migrate } from './local-schema.ts';
import { tempDir } from './testing/index.ts';

const dir = tempDir('selftracker-migrate-');
afterAll(() => dir.cleanup());
let n = 0;
const newFile = () => join(dir.path, `m${n++}.db`);

const userVersion = async (d: SqliteDriver) =>
  Number((await d.query<{ user_version: number }>('PRAGMA user_version'))[0]!.user_version);
const schema = (d: SqliteDriver) =>
  d.query<{ type: string; name: string; sql: string | null }>(
    "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
  );
const dump = async (d: SqliteDriver) => ({
  projects: await d.query('SELECT * FROM projects ORDER BY id'),
  tasks: await d.query('SELECT * FROM tasks ORDER BY id'),
  timers: await d.query('SELECT * FROM timers ORDER BY id'),
  sync_queue: await d.query('SELECT * FROM sync_queue ORDER BY seq'),
  sync_state: await d.query('SELECT * FROM sync_state ORDER BY key'),
});

const P = '0193aaaa-0000-7000-8000-000000000001';
const T = '0193aaaa-0000-7000-8000-000000000002';
const R = '0193aaaa-0000-7000-8000-000000000003';

/** A database as version 1 of the app left it: rows, a tombstone, pending outbox entries and sync state. */
async function seedV1(d: SqliteDriver) {
  expect(await migrate(d, 1)).toBe(1);
  expect(await userVersion(d)).toBe(1);
  await d.exec("INSERT INTO projects VALUES (?, 0, 'Home', '#00ff00', 0, 1000, 1000)", [P]);
  await d.exec("INSERT INTO tasks VALUES (?, 0, 'Write report 🚀', NULL, 'done', ?, NULL, 1000, 2000)", [
    T,
    P,
  ]);
  await d.exec('INSERT INTO tasks (id, deleted) VALUES (?, 1)', ['0193aaaa-0000-7000-8000-0000000000ff']);
  await d.exec('INSERT INTO timers VALUES (?, 0, ?, NULL, NULL, 1500, NULL, 1500, 1500)', [R, T]);
  await d.exec(
    `INSERT INTO sync_queue (op_id, entity, entity_id, operation, data, hlc, created_at, attempts, last_error)
     VALUES (?, 'tasks', ?, 'UPDATE', ?, ?, 2000, 2, 'server said 500')`,
    [
      '0193aaaa-0000-7000-8000-0000000000a1',
      T,
      JSON.stringify({ status: 'done', updated_at: 2000 }),
      '000000000002000-00000-node',
    ],
  );
  await d.exec(
    `INSERT INTO sync_queue (op_id, entity, entity_id, operation, data, hlc, created_at)
     VALUES (?, 'timers', ?, 'CREATE', ?, ?, 1500)`,
    [
      '0193aaaa-0000-7000-8000-0000000000a2',
      R,
      JSON.stringify({ task_id: T, started_at: 1500, created_at: 1500, updated_at: 1500 }),
      '000000000001500-00000-node',
    ],
  );
  await d.exec(
    "INSERT INTO sync_state (key, value) VALUES ('client_id', 'node'), ('cursor', 'c-17'), ('cursor_version', '17')",
  );
}

describe('local schema migrations', () => {
  it('versions are consecutive from 1', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
  });

  it('migrates a version-1 database to the latest with data and outbox intact', async () => {
    const file = newFile();
    let d = openNodeDriver(file);
    await seedV1(d);
    const before = await dump(d);
    await d.close();

    d = openNodeDriver(file);
    expect(await migrate(d)).toBe(LATEST_VERSION);
    expect(await userVersion(d)).toBe(LATEST_VERSION);
    expect(await dump(d)).toEqual(before);
    const names = (await schema(d)).map((s) => s.name);
    for (const idx of ['tasks_status_idx', 'tasks_project_idx', 'timers_started_idx', 'timers_running_idx']) {
      expect(names).toContain(idx);
    }

    // Reopening is a no-op: same version, same schema, same data.
    const schemaAfter = await schema(d);
    await d.close();
    d = openNodeDriver(file);
    expect(await migrate(d)).toBe(LATEST_VERSION);
    expect(await schema(d)).toEqual(schemaAfter);
    expect(await dump(d)).toEqual(before);
    await d.close();
  });

  it('the engine opens a migrated database and sees its rows and pending operations', async () => {
    const file = newFile();
    const d = openNodeDriver(file);
    await seedV1(d);
    await d.close();
    const driver = openNodeDriver(file);
    const engine = await Engine.open({ driver, server: 'http://127.0.0.1:9' });
    try {
      expect(await userVersion(driver)).toBe(LATEST_VERSION);
      expect(await engine.tasks.list()).toEqual([
        expect.objectContaining({
          id: T,
          title: 'Write report 🚀',
          status: 'done',
          project_id: P,
          synced: false,
        }),
      ]);
      expect(await engine.projects.get(P)).toMatchObject({ name: 'Home', archived: false, synced: true });
      expect((await engine.timers.running()).map((t) => t.id)).toEqual([R]);
      expect(engine.status.pending).toBe(2);
      // New writes keep queueing after the old entries, with a clock past theirs.
      await engine.tasks.update(T, { status: 'todo' });
      const q = await driver.query<{ seq: number; hlc: string; entity_id: string }>(
        'SELECT seq, hlc, entity_id FROM sync_queue ORDER BY seq',
      );
      expect(q).toHaveLength(3);
      expect(q[2]!.hlc > q[0]!.hlc && q[2]!.hlc > q[1]!.hlc).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('migrates step by step: each version can stop halfway and resume', async () => {
    const file = newFile();
    const d = openNodeDriver(file);
    expect(await migrate(d, 0)).toBe(0);
    expect(await userVersion(d)).toBe(0);
    for (const m of MIGRATIONS) {
      expect(await migrate(d, m.version)).toBe(m.version);
      expect(await userVersion(d)).toBe(m.version);
    }
    await d.close();
  });

  it('a migration that fails leaves the previous version intact', async () => {
    const file = newFile();
    let d = openNodeDriver(file);
    await seedV1(d);
    const before = await dump(d);
    // Block version 2 with an object of the same name as one of its indexes.
    await d.exec('CREATE TABLE tasks_status_idx (x)');
    await expect(migrate(d)).rejects.toThrow();
    expect(await userVersion(d)).toBe(1);
    expect(await dump(d)).toEqual(before);
    expect((await schema(d)).map((s) => s.name)).not.toContain('tasks_project_idx');
    await d.exec('DROP TABLE tasks_status_idx');
    await d.close();
    d = openNodeDriver(file);
    expect(await migrate(d)).toBe(LATEST_VERSION);
    expect(await dump(d)).toEqual(before);
    await d.close();
  });

  it('refuses a database newer than the code with a clear error, changing nothing', async () => {
    const file = newFile();
    let d = openNodeDriver(file);
    await migrate(d);
    await d.exec(`PRAGMA user_version = ${LATEST_VERSION + 1}`);
    const before = await schema(d);
    await expect(migrate(d)).rejects.toThrow(
      new RegExp(`version ${LATEST_VERSION + 1}.*newer than this SelfTracker`),
    );
    expect(await userVersion(d)).toBe(LATEST_VERSION + 1);
    expect(await schema(d)).toEqual(before);
    await d.close();
    d = openNodeDriver(file);
    await expect(Engine.open({ driver: d, server: 'http://127.0.0.1:9' })).rejects.toThrow(
      /newer than this SelfTracker/,
    );
    await d.close();
  });
});

/**
 * A SQLite build without FTS5, as expo-sqlite's web build is (a fake at the storage edge over the real file):
 * it says so when asked, and refuses what needs the module.
 */
function withoutFts5(real: SqliteDriver): SqliteDriver {
  const wrap = (x: SqliteExecutor): SqliteExecutor => {
    const check = (sql: string) => {
      const rewritten = sql.replace("sqlite_compileoption_used('ENABLE_FTS5')", '0');
      if (/fts5|tasks_fts\b|MATCH/i.test(rewritten)) {
        throw new StorageError('io', 'no such module: fts5');
      }
      return rewritten;
    };
    return {
      exec: async (sql, params) => x.exec(check(sql), params),
      query: async (sql, params) => x.query(check(sql), params),
    };
  };
  return {
    ...wrap(real),
    transaction: (fn) => real.transaction((tx) => fn(wrap(tx))),
    close: () => real.close(),
  };
}

/** FTS5's own check that the index holds exactly what `tasks` holds (throws SQLITE_CORRUPT_VTAB otherwise). */
const integrityCheck = (d: SqliteExecutor) =>
  d.exec("INSERT INTO tasks_fts (tasks_fts, rank) VALUES ('integrity-check', 1)");
const searchTitles = async (e: Engine, text: string) => (await e.tasks.search(text)).map((t) => t.title);
const ftsNames = () => {
  const { tables, triggers } = fts5Objects(LATEST_VERSION);
  return [...tables, ...triggers].sort();
};
const namesIn = async (d: SqliteDriver) =>
  (await schema(d)).map((s) => s.name).filter((name) => ftsNames().includes(name));

describe('migration 4: the full-text index of tasks', () => {
  it('indexes the tasks a version-3 database already has; the tombstone matches nothing', async () => {
    const file = newFile();
    let d = openNodeDriver(file);
    await seedV1(d);
    expect(await migrate(d, 3)).toBe(3);
    await d.exec(
      "INSERT INTO tasks (id, title, description, status, created_at, updated_at) VALUES (?, 'Café', 'notes élan', 'todo', 3000, 3000)",
      ['0193aaaa-0000-7000-8000-000000000004'],
    );
    const before = await dump(d);
    await d.close();

    d = openNodeDriver(file);
    const engine = await Engine.open({ driver: d, server: 'http://127.0.0.1:9' });
    try {
      expect(await userVersion(d)).toBe(4);
      expect(await dump(d)).toEqual(before); // the rows themselves are untouched
      expect(await namesIn(d)).toEqual(ftsNames());
      await integrityCheck(d);
      expect(await engine.tasks.searchMode()).toBe('fts5');
      expect(await searchTitles(engine, 'report')).toEqual(['Write report 🚀']);
      expect(await searchTitles(engine, 'cafe elan')).toEqual(['Café']);
      expect(await searchTitles(engine, 'rep')).toEqual(['Write report 🚀']);
      // Written after the migration, by the engine's upsert: the triggers keep the index in step.
      const t = await engine.tasks.create({ title: 'Renew passport' });
      await engine.tasks.update(t.id, { title: 'Renew ID card' });
      expect(await searchTitles(engine, 'passport')).toEqual([]);
      expect(await searchTitles(engine, 'card')).toEqual(['Renew ID card']);
      await engine.tasks.delete(t.id);
      expect(await searchTitles(engine, 'card')).toEqual([]);
      await integrityCheck(d);
    } finally {
      await engine.close();
    }
  });

  it('where SQLite has no FTS5: version 4 without the index, search by substring, the index built later', async () => {
    const file = newFile();
    let d = openNodeDriver(file);
    await seedV1(d);
    await d.close();

    d = withoutFts5(openNodeDriver(file));
    let engine = await Engine.open({ driver: d, server: 'http://127.0.0.1:9' });
    expect(await userVersion(d)).toBe(LATEST_VERSION);
    expect(await namesIn(d)).toEqual([]);
    expect(await engine.tasks.searchMode()).toBe('like');
    const t = await engine.tasks.create({ title: 'Call Bob', description: 'About the ROOF (leak)' });
    const gone = await engine.tasks.create({ title: 'Roof tiles' });
    await engine.tasks.delete(gone.id);
    expect(await searchTitles(engine, 'report')).toEqual(['Write report 🚀']);
    expect(await searchTitles(engine, 'REP')).toEqual(['Write report 🚀']);
    expect(await searchTitles(engine, 'roof bob')).toEqual(['Call Bob']); // every word, title or description
    expect(await searchTitles(engine, 'roo')).toEqual(['Call Bob']); // the deleted one never matches
    expect(await searchTitles(engine, '(leak)')).toEqual(['Call Bob']);
    for (const text of ['"', '%', '_', '-x', 'AND', '*', "'"]) {
      await expect(engine.tasks.search(text)).resolves.toBeInstanceOf(Array);
    }
    expect(await searchTitles(engine, '%')).toEqual(['Write report 🚀', 'Call Bob']); // no word: the list
    expect(await searchTitles(engine, 'a_b')).toEqual([]); // `_` is a character here, not a wildcard
    await engine.close();

    // The same file on a build with FTS5: the index is created then, from every row.
    d = openNodeDriver(file);
    engine = await Engine.open({ driver: d, server: 'http://127.0.0.1:9' });
    try {
      expect(await namesIn(d)).toEqual(ftsNames());
      await integrityCheck(d);
      expect(await engine.tasks.searchMode()).toBe('fts5');
      expect(await searchTitles(engine, 'roof')).toEqual(['Call Bob']);
      await engine.tasks.update(t.id, { description: null });
      expect(await searchTitles(engine, 'roof')).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it('a database with the index opened without FTS5 drops its triggers (writes keep working); FTS5 rebuilds it', async () => {
    const file = newFile();
    let d = openNodeDriver(file);
    await migrate(d);
    expect(await namesIn(d)).toEqual(ftsNames());
    await d.close();

    d = withoutFts5(openNodeDriver(file));
    let engine = await Engine.open({ driver: d, server: 'http://127.0.0.1:9' });
    expect(await namesIn(d)).toEqual(['tasks_fts']); // a virtual table cannot be dropped without its module
    expect(await engine.tasks.searchMode()).toBe('like');
    await engine.tasks.create({ title: 'Written without the index' });
    expect(await searchTitles(engine, 'index')).toEqual(['Written without the index']);
    await engine.close();

    d = openNodeDriver(file);
    engine = await Engine.open({ driver: d, server: 'http://127.0.0.1:9' });
    try {
      expect(await namesIn(d)).toEqual(ftsNames());
      await integrityCheck(d); // rebuilt: it has the row written meanwhile
      expect(await searchTitles(engine, 'written')).toEqual(['Written without the index']);
    } finally {
      await engine.close();
    }
  });
});
