import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDriver } from './driver.ts';
import { openNodeDriver } from './drivers/node/index.ts';
import { Engine } from './engine.ts';
import { ClientError } from './errors.ts';
import { tempDir } from './testing/index.ts';

const dir = tempDir('selftracker-repos-');
afterAll(() => dir.cleanup());

let n = 0;
let driver: SqliteDriver;
let engine: Engine;
let clock: number;
const T0 = 1_764_000_000_000;

beforeEach(async () => {
  clock = T0;
  driver = openNodeDriver(join(dir.path, `repos-${n++}.db`));
  // No server runs: these tests never sync. The engine is only the WriteContext (clock, HLC, outbox).
  engine = await Engine.open({ driver, server: 'http://127.0.0.1:9', now: () => clock });
});
afterEach(async () => {
  await engine.close();
});

interface QueueRow {
  seq: number;
  op_id: string;
  entity: string;
  entity_id: string;
  operation: string;
  data: string | null;
  hlc: string;
}
const queue = () => driver.query<QueueRow>('SELECT * FROM sync_queue ORDER BY seq');
const count = async (table: string) =>
  Number((await driver.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
/** Everything that a write could touch, to prove a failed write changed nothing. */
const snapshot = async () => ({
  projects: await driver.query('SELECT * FROM projects ORDER BY id'),
  tasks: await driver.query('SELECT * FROM tasks ORDER BY id'),
  timers: await driver.query('SELECT * FROM timers ORDER BY id'),
  queue: await queue(),
});

async function expectClientError(p: Promise<unknown>, code: string) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ClientError ${code}`).toBeDefined();
  expect(ClientError.is(err)).toBe(true);
  expect((err as ClientError).code).toBe(code);
  return err as ClientError;
}

describe('create / get / list', () => {
  it('creates a task with defaults and returns it unsynced; get finds it', async () => {
    const t = await engine.tasks.create({ title: 'Write report' });
    expect(t).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: 'Write report',
      description: null,
      status: 'todo',
      project_id: null,
      due_at: null,
      created_at: T0,
      updated_at: T0,
      synced: false,
    });
    expect(await engine.tasks.get(t.id)).toEqual(t);
    expect(await engine.tasks.get('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    const p = await engine.projects.create({ name: 'Home', color: '#00ff00' });
    expect(await engine.projects.get(p.id)).toMatchObject({
      name: 'Home',
      color: '#00ff00',
      archived: false,
    });
  });

  it('lists by status and project, in creation order', async () => {
    const p1 = await engine.projects.create({ name: 'P1' });
    const p2 = await engine.projects.create({ name: 'P2' });
    const a = await engine.tasks.create({ title: 'a', project_id: p1.id });
    clock++;
    const b = await engine.tasks.create({ title: 'b', status: 'done', project_id: p1.id });
    clock++;
    const c = await engine.tasks.create({ title: 'c', status: 'done', project_id: p2.id });
    clock++;
    const d = await engine.tasks.create({ title: 'd', status: 'in-progress' });
    const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
    expect(ids(await engine.tasks.list())).toEqual([a.id, b.id, c.id, d.id]);
    expect(ids(await engine.tasks.list({ where: { status: 'done' } }))).toEqual([b.id, c.id]);
    expect(ids(await engine.tasks.list({ where: { project_id: p1.id } }))).toEqual([a.id, b.id]);
    expect(ids(await engine.tasks.list({ where: { project_id: p1.id, status: 'done' } }))).toEqual([b.id]);
    expect(ids(await engine.tasks.list({ where: { project_id: null } }))).toEqual([d.id]);
    expect(ids(await engine.tasks.list({ where: { status: 'todo' }, limit: 10 }))).toEqual([a.id]);
    expect(ids(await engine.tasks.list({ limit: 2 }))).toEqual([a.id, b.id]);
    expect((await engine.projects.list()).map((p) => p.name)).toEqual(['P1', 'P2']);
  });

  it('lists running timers with where {stopped_at: null} and a date range through the typed filter', async () => {
    const day = 86_400_000;
    const t1 = await engine.timers.create({ started_at: T0 - 3 * day, stopped_at: T0 - 3 * day + 1000 });
    const t2 = await engine.timers.create({ started_at: T0 - 2 * day, stopped_at: T0 - 2 * day + 1000 });
    const t3 = await engine.timers.create({ started_at: T0 - 1 * day, stopped_at: T0 - 1 * day + 1000 });
    const running = await engine.timers.create({ started_at: T0 - 10 });
    expect((await engine.timers.list({ where: { stopped_at: null } })).map((t) => t.id)).toEqual([
      running.id,
    ]);
    expect((await engine.timers.running()).map((t) => t.id)).toEqual([running.id]);
    const range = await engine.timers.list({ filter: { from: T0 - 2 * day, to: T0 - day + 1 } });
    // Newest first.
    expect(range.map((t) => t.id)).toEqual([t3.id, t2.id]);
    expect((await engine.timers.list()).map((t) => t.id)).toEqual([running.id, t3.id, t2.id, t1.id]);
  });

  it('rejects an unknown field in a where filter (a programmer error, not SQL)', async () => {
    // @ts-expect-error: not a field of tasks
    await expect(engine.tasks.list({ where: { 'title; DROP TABLE tasks': 'x' } })).rejects.toThrow(
      /unknown field/,
    );
    expect(await count('tasks')).toBe(0);
  });
});

describe('update / delete', () => {
  it('patches only the given fields, null clears, updated_at moves; one UPDATE op carries the patch', async () => {
    const t = await engine.tasks.create({ title: 'x', description: 'd', due_at: 5 });
    clock += 1000;
    const u = await engine.tasks.update(t.id, { status: 'done', description: null });
    expect(u).toMatchObject({
      title: 'x',
      status: 'done',
      description: null,
      due_at: 5,
      updated_at: T0 + 1000,
      synced: false,
    });
    expect(await engine.tasks.get(t.id)).toEqual(u);
    const q = await queue();
    expect(q.map((r) => r.operation)).toEqual(['CREATE', 'UPDATE']);
    expect(JSON.parse(q[1]!.data!)).toEqual({ status: 'done', description: null, updated_at: T0 + 1000 });
    expect(q[1]!.entity_id).toBe(t.id);
    expect(q[1]!.hlc > q[0]!.hlc).toBe(true);
  });

  it('delete makes the row invisible to get and list, and leaves a tombstone plus one DELETE op', async () => {
    const t = await engine.tasks.create({ title: 'doomed' });
    const keep = await engine.tasks.create({ title: 'kept' });
    await engine.tasks.delete(t.id);
    expect(await engine.tasks.get(t.id)).toBeUndefined();
    expect((await engine.tasks.list()).map((x) => x.id)).toEqual([keep.id]);
    await expectClientError(engine.tasks.resolveId(t.id.slice(0, 36)), 'not_found');
    expect(await driver.query('SELECT deleted, title FROM tasks WHERE id = ?', [t.id])).toEqual([
      { deleted: 1, title: null },
    ]);
    const del = (await queue()).filter((r) => r.entity_id === t.id && r.operation === 'DELETE');
    expect(del).toHaveLength(1);
    expect(del[0]!.data).toBeNull();
    // A deleted row cannot be updated or deleted again.
    const before = await snapshot();
    await expectClientError(engine.tasks.update(t.id, { title: 'zombie' }), 'not_found');
    await expectClientError(engine.tasks.delete(t.id), 'not_found');
    expect(await snapshot()).toEqual(before);
  });
});

describe('outbox: every write leaves exactly one sync_queue row, committed with it', () => {
  it('create, update and delete each add one matching op', async () => {
    const p = await engine.projects.create({ name: 'P' });
    let q = await queue();
    expect(q).toHaveLength(1);
    expect(q[0]).toMatchObject({ entity: 'projects', entity_id: p.id, operation: 'CREATE' });
    expect(JSON.parse(q[0]!.data!)).toMatchObject({ name: 'P', created_at: T0, updated_at: T0 });
    await engine.projects.update(p.id, { archived: true });
    q = await queue();
    expect(q).toHaveLength(2);
    expect(q[1]).toMatchObject({ entity: 'projects', entity_id: p.id, operation: 'UPDATE' });
    expect(JSON.parse(q[1]!.data!)).toEqual({ archived: true, updated_at: T0 });
    await engine.projects.delete(p.id);
    q = await queue();
    expect(q).toHaveLength(3);
    expect(q[2]).toMatchObject({ entity: 'projects', entity_id: p.id, operation: 'DELETE', data: null });
    expect(new Set(q.map((r) => r.op_id)).size).toBe(3);
    expect(new Set(q.map((r) => r.hlc)).size).toBe(3);
  });

  it('writes to one row started together queue in HLC order, each updated_at the wall of its HLC', async () => {
    const t = await engine.tasks.create({ title: 'T' });
    const timer = await engine.timers.start({ task_id: t.id });
    // Not awaited one by one: each write is stamped inside its own transaction, so the outbox order (what
    // this device applies on top of pulls) is the HLC order (what the server keeps).
    await Promise.all([
      engine.timers.stop(),
      engine.timers.update(timer.id, { note: 'n' }),
      engine.tasks.update(t.id, { title: 'T2' }),
      engine.tasks.update(t.id, { status: 'done', updated_at: T0 - 5_000 }), // an earlier time is not kept
      engine.tasks.delete(t.id),
    ]);
    const q = await queue();
    expect(q.map((r) => r.operation)).toEqual([
      'CREATE',
      'CREATE',
      'UPDATE',
      'UPDATE',
      'UPDATE',
      'UPDATE',
      'DELETE',
    ]);
    expect(q.map((r) => r.hlc)).toEqual(q.map((r) => r.hlc).toSorted());
    for (const r of q) {
      if (r.data) expect(JSON.parse(r.data).updated_at, r.hlc).toBe(Number(r.hlc.slice(0, 15)));
    }
  });

  it('every row and its op commit atomically: a concurrent reader sees both or neither', async () => {
    const seen: [number, number][] = [];
    let done = false;
    const writer = (async () => {
      for (let i = 0; i < 30; i++) await engine.tasks.create({ title: `t${i}` });
      done = true;
    })();
    const reader = (async () => {
      while (!done) {
        const [r] = await driver.query<{ rows: number; ops: number }>(
          'SELECT (SELECT count(*) FROM tasks) AS rows, (SELECT count(*) FROM sync_queue) AS ops',
        );
        seen.push([r!.rows, r!.ops]);
        await new Promise((res) => setTimeout(res, 0));
      }
    })();
    await Promise.all([writer, reader]);
    expect(seen.length).toBeGreaterThan(0);
    for (const [rows, ops] of seen) expect(rows).toBe(ops);
  });

  it('a failing outbox insert rolls the row back too', async () => {
    // Make the outbox refuse writes: a trigger the test owns, not a mock of the engine.
    await driver.exec(
      "CREATE TRIGGER no_outbox BEFORE INSERT ON sync_queue BEGIN SELECT RAISE(ABORT, 'outbox full'); END",
    );
    await expect(engine.tasks.create({ title: 'lost' })).rejects.toThrow(/outbox full/);
    expect(await count('tasks')).toBe(0);
    await driver.exec('DROP TRIGGER no_outbox');
    const t = await engine.tasks.create({ title: 'ok' });
    expect(await count('tasks')).toBe(1);
    expect((await queue())[0]!.entity_id).toBe(t.id);
  });

  it('synced is false while an op is pending and true once the outbox has none for the row', async () => {
    const t = await engine.tasks.create({ title: 'x' });
    expect((await engine.tasks.get(t.id))!.synced).toBe(false);
    await driver.exec('DELETE FROM sync_queue');
    expect((await engine.tasks.get(t.id))!.synced).toBe(true);
  });
});

describe('bad input throws ClientError and changes nothing', () => {
  let task: { id: string };
  let timer: { id: string };
  beforeEach(async () => {
    task = await engine.tasks.create({ title: 'existing' });
    timer = await engine.timers.create({ started_at: T0 - 1000, stopped_at: T0 });
  });

  const cases: [string, () => Promise<unknown>, string][] = [
    // @ts-expect-error: refused by the types too; this checks the runtime guard
    ['unknown status', () => engine.tasks.create({ title: 'x', status: 'blocked' }), 'invalid_input'],
    ['title too long', () => engine.tasks.create({ title: 'x'.repeat(501) }), 'invalid_input'],
    [
      'title too long in emoji (code points)',
      () => engine.tasks.create({ title: '🚀'.repeat(501) }),
      'invalid_input',
    ],
    ['empty title', () => engine.tasks.create({ title: '' }), 'invalid_input'],
    // @ts-expect-error: refused by the types too; this checks the runtime guard
    ['missing title', () => engine.tasks.create({ description: 'no title' }), 'invalid_input'],
    // @ts-expect-error: refused by the types too; this checks the runtime guard
    ['unknown field', () => engine.tasks.create({ title: 'x', priority: 3 }), 'invalid_input'],
    ['bad colour', () => engine.projects.create({ name: 'P', color: 'red' }), 'invalid_input'],
    ['bad colour #rgb', () => engine.projects.create({ name: 'P', color: '#fff' }), 'invalid_input'],
    ['bad project id', () => engine.tasks.create({ title: 'x', project_id: 'not-a-uuid' }), 'invalid_input'],
    // @ts-expect-error: refused by the types too; this checks the runtime guard
    ['wrong type', () => engine.tasks.create({ title: 42 }), 'invalid_input'],
    ['NUL in text', () => engine.tasks.create({ title: 'a\u0000b' }), 'invalid_input'],
    [
      'stopped_at < started_at on create',
      () => engine.timers.create({ started_at: T0, stopped_at: T0 - 1 }),
      'invalid_input',
    ],
    [
      'stopped_at < started_at on update',
      () => engine.timers.update(timer.id, { stopped_at: T0 - 2000 }),
      'invalid_input',
    ],
    [
      'started_at past stopped_at on update',
      () => engine.timers.update(timer.id, { started_at: T0 + 1 }),
      'invalid_input',
    ],
    // @ts-expect-error: refused by the types too; this checks the runtime guard
    ['unknown status on update', () => engine.tasks.update(task.id, { status: 'blocked' }), 'invalid_input'],
    // @ts-expect-error: refused by the types too; this checks the runtime guard
    ['unknown field on update', () => engine.tasks.update(task.id, { priority: 1 }), 'invalid_input'],
    // @ts-expect-error: refused by the types too; this checks the runtime guard
    ['clearing a required field', () => engine.tasks.update(task.id, { title: null }), 'invalid_input'],
    [
      'changing the id',
      // @ts-expect-error: refused by the types too; this checks the runtime guard
      () => engine.tasks.update(task.id, { id: '00000000-0000-0000-0000-000000000000' }),
      'invalid_input',
    ],
    // @ts-expect-error: refused by the types too; this checks the runtime guard
    ['changing created_at', () => engine.tasks.update(task.id, { created_at: 1 }), 'invalid_input'],
    [
      'update of unknown id',
      () => engine.tasks.update('00000000-0000-7000-8000-000000000000', { title: 'x' }),
      'not_found',
    ],
    ['delete of unknown id', () => engine.tasks.delete('00000000-0000-7000-8000-000000000000'), 'not_found'],
    ['update of a task id in projects', () => engine.projects.update(task.id, { name: 'x' }), 'not_found'],
  ];
  for (const [label, write, code] of cases) {
    it(`${label} → ${code}`, async () => {
      const before = await snapshot();
      const err = await expectClientError(write(), code);
      expect(err.message.length).toBeGreaterThan(0);
      expect(await snapshot()).toEqual(before);
    });
  }
});

describe('bulkCreate', () => {
  it('creates every row with one op each', async () => {
    const rows = await engine.tasks.bulkCreate([
      { title: 'a' },
      { title: 'b', status: 'done' },
      { title: 'c' },
    ]);
    expect(rows.map((r) => r.title)).toEqual(['a', 'b', 'c']);
    expect(new Set(rows.map((r) => r.id)).size).toBe(3);
    expect((await engine.tasks.list()).map((r) => r.id).sort()).toEqual(rows.map((r) => r.id).sort());
    const q = await queue();
    expect(q.map((r) => [r.entity_id, r.operation])).toEqual(rows.map((r) => [r.id, 'CREATE']));
  });

  it('is all or nothing: one invalid input writes none', async () => {
    const before = await snapshot();
    await expectClientError(
      // @ts-expect-error: refused by the types too; this checks the runtime guard
      engine.tasks.bulkCreate([{ title: 'a' }, { title: 'b' }, { title: 'c', status: 'nope' }]),
      'invalid_input',
    );
    expect(await snapshot()).toEqual(before);
  });

  it('is all or nothing when storage fails halfway', async () => {
    // The third outbox insert fails inside the transaction: the first two rows must roll back.
    await driver.exec(
      "CREATE TRIGGER third BEFORE INSERT ON sync_queue WHEN (SELECT count(*) FROM sync_queue) >= 2 BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    await expect(engine.tasks.bulkCreate([{ title: 'a' }, { title: 'b' }, { title: 'c' }])).rejects.toThrow(
      /disk full/,
    );
    expect(await count('tasks')).toBe(0);
    expect(await count('sync_queue')).toBe(0);
  });

  it('accepts an empty list', async () => {
    expect(await engine.tasks.bulkCreate([])).toEqual([]);
    expect(await count('sync_queue')).toBe(0);
  });
});

describe('resolveId', () => {
  const ID_A = '0193aaaa-0000-7000-8000-000000000001';
  const ID_B = '0193aaab-0000-7000-8000-000000000002';
  const ID_C = '0193bbbb-0000-7000-8000-000000000003';
  beforeEach(async () => {
    // Fixed ids make prefixes deterministic; rows written as a pull would write them.
    for (const id of [ID_A, ID_B, ID_C]) {
      await driver.exec(
        "INSERT INTO tasks (id, deleted, title, status, created_at, updated_at) VALUES (?, 0, 't', 'todo', 1, 1)",
        [id],
      );
    }
  });

  it('resolves a unique prefix of 4 or more characters, case-insensitively and trimmed', async () => {
    expect(await engine.tasks.resolveId('0193b')).toBe(ID_C);
    expect(await engine.tasks.resolveId('0193aaaa')).toBe(ID_A);
    expect(await engine.tasks.resolveId(' 0193AAAB ')).toBe(ID_B);
    expect(await engine.tasks.resolveId(ID_A)).toBe(ID_A);
  });

  it('reports ambiguous and unknown prefixes, and refuses short or non-id input', async () => {
    await expectClientError(engine.tasks.resolveId('0193'), 'ambiguous_id');
    await expectClientError(engine.tasks.resolveId('0193aaa'), 'ambiguous_id');
    await expectClientError(engine.tasks.resolveId('ffff'), 'not_found');
    await expectClientError(engine.projects.resolveId('0193aaaa'), 'not_found');
    await expectClientError(engine.tasks.resolveId('019'), 'invalid_input');
    await expectClientError(engine.tasks.resolveId('0193%'), 'invalid_input');
    await expectClientError(engine.tasks.resolveId(''), 'invalid_input');
  });

  it('ignores deleted rows', async () => {
    await engine.tasks.delete(ID_B);
    expect(await engine.tasks.resolveId('0193aaa')).toBe(ID_A);
  });
});

describe('timers', () => {
  it('start stops the running timer in the same transaction and starts a new one', async () => {
    const first = await engine.timers.start({ note: 'first' });
    expect(first).toMatchObject({ started_at: T0, stopped_at: null, note: 'first' });
    clock += 60_000;
    const second = await engine.timers.start({ note: 'second' });
    expect((await engine.timers.running()).map((t) => t.id)).toEqual([second.id]);
    expect(await engine.timers.get(first.id)).toMatchObject({ stopped_at: T0 + 60_000 });
    const q = await queue();
    expect(q.map((r) => [r.entity_id, r.operation])).toEqual([
      [first.id, 'CREATE'],
      [first.id, 'UPDATE'],
      [second.id, 'CREATE'],
    ]);
  });

  it('concurrent starts leave exactly one timer running', async () => {
    await engine.timers.start({ note: 'zero' });
    clock += 1000;
    await Promise.all([
      engine.timers.start({ note: 'a' }),
      engine.timers.start({ note: 'b' }),
      engine.timers.start({ note: 'c' }),
    ]);
    expect(await engine.timers.running()).toHaveLength(1);
  });

  it('stop stops the running timer; stop with none running is not_found', async () => {
    const t = await engine.timers.start();
    clock += 5000;
    const stopped = await engine.timers.stop();
    expect(stopped.map((s) => [s.id, s.stopped_at])).toEqual([[t.id, T0 + 5000]]);
    expect(await engine.timers.running()).toEqual([]);
    await expectClientError(engine.timers.stop(), 'not_found');
  });

  it('edits a finished entry field by field: start, end, task, project, note in one UPDATE of just those', async () => {
    const p = await engine.projects.create({ name: 'P' });
    const t = await engine.tasks.create({ title: 'T', project_id: p.id });
    // Added by hand: a finished entry is a plain create with both times.
    const e = await engine.timers.create({
      started_at: T0 - 7_200_000,
      stopped_at: T0 - 3_600_000,
      note: 'x',
    });
    clock += 1000;
    const patch = {
      started_at: T0 - 5_400_000,
      stopped_at: T0 - 1_800_000,
      task_id: t.id,
      project_id: p.id,
      note: 'edited',
    };
    const u = await engine.timers.update(e.id, patch);
    expect(u).toMatchObject({ ...patch, created_at: T0, updated_at: T0 + 1000, synced: false });
    const q = await queue();
    expect(q.map((r) => r.operation)).toEqual(['CREATE', 'CREATE', 'CREATE', 'UPDATE']);
    expect(JSON.parse(q[3]!.data!)).toEqual({ ...patch, updated_at: T0 + 1000 });
    // One field alone, and clearing the note and the task.
    await engine.timers.update(e.id, { note: null, task_id: null });
    expect(await engine.timers.get(e.id)).toMatchObject({ note: null, task_id: null, project_id: p.id });
    expect(JSON.parse((await queue())[4]!.data!)).toEqual({
      note: null,
      task_id: null,
      updated_at: T0 + 1000,
    });
  });

  it('editing the running timer keeps it running unless the edit sets its end', async () => {
    const r = await engine.timers.start({ note: 'on' });
    clock += 60_000;
    await engine.timers.update(r.id, { started_at: T0 - 30_000, note: 'earlier' });
    expect((await engine.timers.running()).map((x) => [x.id, x.started_at, x.note])).toEqual([
      [r.id, T0 - 30_000, 'earlier'],
    ]);
    await engine.timers.update(r.id, { stopped_at: T0 + 30_000 });
    expect(await engine.timers.running()).toEqual([]);
    expect(await engine.timers.get(r.id)).toMatchObject({ started_at: T0 - 30_000, stopped_at: T0 + 30_000 });
  });

  it('a bad start input changes nothing, not even the running timer', async () => {
    const t = await engine.timers.start();
    const before = await snapshot();
    await expectClientError(engine.timers.start({ task_id: 'nope' }), 'invalid_input');
    expect(await snapshot()).toEqual(before);
    expect((await engine.timers.running()).map((r) => r.id)).toEqual([t.id]);
  });
});
