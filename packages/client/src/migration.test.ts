import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SqliteDriver } from './driver.ts';
import { openNodeDriver } from './drivers/node/index.ts';
import { Engine } from './engine.ts';
import { LATEST_VERSION, MIGRATIONS, migrate } from './local-schema.ts';
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
