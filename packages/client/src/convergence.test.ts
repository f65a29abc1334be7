import { ENTITIES, ENTITY_NAMES, type EntityName, uuidv7 } from '@selftracker/core';
import { api, startTestServer, type TestServer } from '@selftracker/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteDriver } from './driver.ts';
import { openNodeDriver } from './drivers/node/index.ts';
import type { Engine } from './engine.ts';
import { decodeRow } from './local-store.ts';
import { localChecksums } from './sync-rows.ts';
import { openDevice, tempDir, withoutHlc } from './testing/index.ts';

/**
 * Convergence of several devices of one user against the real in-process server (PGlite, or PostgreSQL
 * with DATABASE_URL). "Offline" means the device does not sync; every sync goes over real HTTP.
 */

let server: TestServer;
const dir = tempDir('selftracker-converge-');
const opened: { engine: Engine; file: string }[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const o of opened.splice(0)) await o.engine.close().catch(() => {});
  await server.close();
  dir.cleanup();
});

const PASSWORD = 'password123';
interface Device {
  name: string;
  engine: Engine;
  file: string;
}
interface User {
  email: string;
  devices: Device[];
}

let n = 0;
async function user(count: number): Promise<User> {
  const email = `conv${Date.now()}-${n++}@example.com`;
  const devices: Device[] = [];
  for (let i = 0; i < count; i++) {
    const file = `${dir.path}/u${n}-d${i}.db`;
    const engine = await openDevice(file, server.url);
    if (i === 0) await engine.signup(email, PASSWORD);
    else await engine.login(email, PASSWORD);
    opened.push({ engine, file });
    devices.push({ name: String.fromCharCode(65 + i), engine, file });
  }
  return { email, devices };
}

type Rows = Record<EntityName, Record<string, { deleted: boolean; data: Record<string, unknown> | null }>>;
const emptyRows = (): Rows => ({ projects: {}, tasks: {}, timers: {} });

/** The server's truth: every row of the user (tombstones included), pulled page by page over HTTP. */
async function serverRows(email: string): Promise<{ rows: Rows; checksum: unknown }> {
  const http = api(server.url);
  const login = await http.call('POST', '/v1/auth/login', { body: { email, password: PASSWORD } });
  expect(login.status).toBe(200);
  const token = login.body.access_token as string;
  const rows = emptyRows();
  let cursor: string | undefined;
  for (;;) {
    const r = await http.pull(token, `?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(r.status).toBe(200);
    for (const c of r.body.changes)
      rows[c.entity as EntityName][c.entity_id] = { deleted: c.deleted, data: c.data };
    cursor = r.body.cursor;
    if (!r.body.has_more) break;
  }
  const cs = await http.call('GET', '/v1/sync/checksum', { token });
  expect(cs.status).toBe(200);
  return { rows, checksum: cs.body.entities };
}

/** A device's replica read straight from its SQLite file over a second connection: every row, tombstones too. */
async function replicaRows(d: Device): Promise<{ rows: Rows; checksum: unknown; outbox: number }> {
  const db: SqliteDriver = openNodeDriver(d.file);
  try {
    const rows = emptyRows();
    for (const e of ENTITY_NAMES) {
      for (const r of await db.query<Record<string, unknown>>(`SELECT * FROM ${e}`)) {
        const row = decodeRow(ENTITIES[e], r);
        rows[e][row.id] = { deleted: row.deleted, data: row.deleted ? null : row.data };
      }
    }
    const sums = await localChecksums(db);
    const checksum = Object.fromEntries(
      ENTITY_NAMES.map((e) => [e, { count: sums[e].count, checksum: sums[e].checksum }]),
    );
    const [{ n: outbox }] = (await db.query<{ n: number }>('SELECT count(*) AS n FROM sync_queue')) as [
      { n: number },
    ];
    return { rows, checksum, outbox };
  } finally {
    await db.close();
  }
}

/** What a user sees on a device: every live row of every entity, as the repositories list them. */
async function visible(d: Device) {
  return {
    projects: await d.engine.projects.list(),
    tasks: await d.engine.tasks.list(),
    timers: await d.engine.timers.list(),
  };
}

/** All replicas equal the server's truth, row for row and by checksum; nothing pending; everything synced. */
async function expectConverged(u: User) {
  const truth = await serverRows(u.email);
  const first = await visible(u.devices[0]!);
  for (const d of u.devices) {
    const rep = await replicaRows(d);
    expect(rep.outbox, `outbox of ${d.name}`).toBe(0);
    expect(d.engine.status.pending, `pending of ${d.name}`).toBe(0);
    expect(rep.rows, `rows of ${d.name}`).toEqual(truth.rows);
    expect(rep.checksum, `checksum of ${d.name}`).toEqual(truth.checksum);
    const v = await visible(d);
    expect(v, `visible rows of ${d.name}`).toEqual(first);
    for (const e of ENTITY_NAMES)
      for (const row of v[e]) expect(row.synced, `${e} ${row.id} on ${d.name}`).toBe(true);
  }
  // The live rows the devices show are exactly the server's non-deleted rows.
  for (const e of ENTITY_NAMES) {
    const live = Object.entries(truth.rows[e]).filter(([, r]) => !r.deleted);
    expect(first[e].map((r) => r.id).sort()).toEqual(live.map(([id]) => id).sort());
  }
  return truth;
}

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

async function syncAll(u: User) {
  for (const d of u.devices) await d.engine.sync();
}

/** Shared starting state, synced to every device. */
async function baseline(u: User) {
  const a = u.devices[0]!.engine;
  const project = await a.projects.create({ name: 'Work', color: '#112233' });
  const shared = await a.tasks.create({ title: 'Shared', description: 'start', project_id: project.id });
  const doomed = await a.tasks.create({ title: 'Doomed' });
  const timer = await a.timers.start({ task_id: shared.id });
  await syncAll(u);
  await syncAll(u);
  return { project, shared, doomed, timer };
}

/** Offline edits on every device (no sync in between), each touching other fields of the same rows. */
async function offlineEdits(u: User, base: Awaited<ReturnType<typeof baseline>>) {
  const [a, b, c] = u.devices.map((d) => d.engine);
  await a!.tasks.update(base.shared.id, { title: 'Shared (renamed on A)' });
  await a!.tasks.delete(base.doomed.id);
  await a!.tasks.create({ title: 'Only on A', status: 'in-progress' });
  await a!.projects.update(base.project.id, { archived: true });
  await b!.tasks.update(base.shared.id, { description: 'edited on B' });
  await b!.tasks.update(base.doomed.id, { title: 'Doomed but edited on B', status: 'done' });
  const onB = await b!.tasks.create({ title: 'Only on B' });
  await b!.tasks.update(onB.id, { due_at: 1_800_000_000_000 });
  await b!.timers.start({ note: 'B starts a timer' });
  await b!.projects.update(base.project.id, { color: null });
  if (c) {
    await c.tasks.update(base.shared.id, { status: 'done' });
    await c.tasks.update(base.doomed.id, { description: 'C edits too' });
    const onC = await c.projects.create({ name: 'From C' });
    await c.projects.delete(onC.id); // created and deleted before the server ever saw it
    await c.tasks.bulkCreate([{ title: 'C1' }, { title: 'C2', description: null }]);
  }
}

describe.each([2, 3])('%i devices of one user', (count) => {
  for (const order of permutations([...Array(count).keys()])) {
    it(`offline edits converge when devices sync in the order ${order.map((i) => String.fromCharCode(65 + i)).join('')}`, async () => {
      const u = await user(count);
      const base = await baseline(u);
      await offlineEdits(u, base);
      const reports = [];
      for (const i of order) reports.push(await u.devices[i]!.engine.sync());
      for (const d of u.devices) reports.push(await d.engine.sync());
      const truth = await expectConverged(u);
      // Every offline operation here has a field nobody else wrote, so push + pull with rebase must converge
      // by themselves: the checksum safety net (resync from scratch) must not have been needed.
      expect(reports.flatMap((r) => r.resynced)).toEqual([]);
      expect(reports.flatMap((r) => r.rejected)).toEqual([]);

      // Concurrent edits of different fields of one task all survive.
      const shared = truth.rows.tasks[base.shared.id]!;
      expect(shared.deleted).toBe(false);
      expect(shared.data).toMatchObject({
        title: 'Shared (renamed on A)',
        description: 'edited on B',
        status: count === 3 ? 'done' : 'todo',
        project_id: base.project.id,
      });
      expect(truth.rows.projects[base.project.id]!.data).toMatchObject({
        archived: true,
        color: null,
        name: 'Work',
      });
      // Deleted on A, edited on B (and C): deleted everywhere.
      expect(truth.rows.tasks[base.doomed.id]).toEqual({ deleted: true, data: null });
      for (const d of u.devices) expect(await d.engine.tasks.get(base.doomed.id)).toBeUndefined();
      // Rows created offline on each device are everywhere.
      const titles = (await u.devices[0]!.engine.tasks.list()).map((t) => t.title).sort();
      expect(titles).toEqual(
        ['Only on A', 'Only on B', 'Shared (renamed on A)', ...(count === 3 ? ['C1', 'C2'] : [])].sort(),
      );
      // A project created and deleted offline reaches the server as a tombstone (or not at all), never live.
      expect((await u.devices[0]!.engine.projects.list()).map((p) => p.name)).toEqual(['Work']);
    });
  }
});

describe('conflicts between two devices', () => {
  it('concurrent edits of different fields of one task both survive', async () => {
    const u = await user(2);
    const [a, b] = u.devices.map((d) => d.engine) as [Engine, Engine];
    const t = await a.tasks.create({ title: 'Write report' });
    await syncAll(u);
    await a.tasks.update(t.id, { status: 'done' });
    await b.tasks.update(t.id, { description: 'with figures', due_at: 123 });
    await b.sync();
    await a.sync();
    await b.sync();
    await expectConverged(u);
    for (const e of [a, b]) {
      expect(await e.tasks.get(t.id)).toMatchObject({
        title: 'Write report',
        status: 'done',
        description: 'with figures',
        due_at: 123,
        synced: true,
      });
    }
  });

  it('the later write of the same field wins on every device', async () => {
    const u = await user(2);
    const [a, b] = u.devices.map((d) => d.engine) as [Engine, Engine];
    const t = await a.tasks.create({ title: 'v0' });
    await syncAll(u);
    await a.tasks.update(t.id, { title: 'from A (earlier)' });
    await new Promise((r) => setTimeout(r, 5));
    await b.tasks.update(t.id, { title: 'from B (later)' });
    await b.sync(); // the later write reaches the server first
    await a.sync();
    await b.sync();
    await expectConverged(u);
    expect((await a.tasks.get(t.id))!.title).toBe('from B (later)');
  });

  it('delete on one device and edits on another end deleted everywhere, in both orders', async () => {
    for (const deleterFirst of [true, false]) {
      const u = await user(2);
      const [a, b] = u.devices.map((d) => d.engine) as [Engine, Engine];
      const t = await a.tasks.create({ title: 'Doomed' });
      const timer = await a.timers.create({ started_at: 1000, stopped_at: 2000 });
      await syncAll(u);
      await a.tasks.delete(t.id);
      await a.timers.delete(timer.id);
      await b.tasks.update(t.id, { title: 'Edited' });
      await b.timers.update(timer.id, { note: 'edited' });
      if (deleterFirst) {
        await a.sync();
        await b.sync();
      } else {
        await b.sync();
        await a.sync();
      }
      await syncAll(u);
      const truth = await expectConverged(u);
      expect(truth.rows.tasks[t.id]).toEqual({ deleted: true, data: null });
      expect(truth.rows.timers[timer.id]).toEqual({ deleted: true, data: null });
      expect(await a.tasks.get(t.id)).toBeUndefined();
      expect(await b.tasks.get(t.id)).toBeUndefined();
      expect(await b.timers.list()).toEqual([]);
    }
  });
});

describe('writes during a sync', () => {
  it('a local edit made while a round is in flight is not lost and syncs in the next round', async () => {
    const u = await user(2);
    const [a, b] = u.devices.map((d) => d.engine) as [Engine, Engine];
    const t = await a.tasks.create({ title: 'v1' });
    await syncAll(u);
    await b.tasks.update(t.id, { description: 'from B' });
    await b.sync();
    const round = a.sync(); // pulls B's change while A writes
    const edited = a.tasks.update(t.id, { status: 'done' });
    await Promise.all([round, edited]);
    expect(await a.tasks.get(t.id)).toMatchObject({ status: 'done' });
    await syncAll(u);
    await syncAll(u);
    await expectConverged(u);
    expect(await b.tasks.get(t.id)).toMatchObject({
      title: 'v1',
      status: 'done',
      description: 'from B',
      synced: true,
    });
  });
});

describe('rejected operations', () => {
  /** Writes a crafted operation and its local row straight into a device's SQLite file, as a buggy client might. */
  async function craft(d: Device, sql: [string, unknown[]][]) {
    const db = openNodeDriver(d.file);
    try {
      await db.transaction(async (tx) => {
        for (const [s, p] of sql) await tx.exec(s, p as never);
      });
    } finally {
      await db.close();
    }
  }
  const hlc = (node: string) => `${String(Date.now()).padStart(15, '0')}-00000-${node}`;

  it('an UPDATE of a row the server does not have is dropped and the local row removed', async () => {
    const u = await user(2);
    const [a] = u.devices as [Device, Device];
    const kept = await a.engine.tasks.create({ title: 'Real' });
    await syncAll(u);
    const ghost = uuidv7();
    await craft(a, [
      [
        "INSERT INTO tasks (id, deleted, title, status, created_at, updated_at) VALUES (?, 0, 'Ghost', 'todo', 1, 1)",
        [ghost],
      ],
      [
        "INSERT INTO sync_queue (op_id, entity, entity_id, operation, data, hlc, created_at) VALUES (?, 'tasks', ?, 'UPDATE', ?, ?, 1)",
        [uuidv7(), ghost, JSON.stringify({ title: 'Ghost', updated_at: 1 }), hlc('crafted')],
      ],
    ]);
    expect((await a.engine.tasks.get(ghost))?.title).toBe('Ghost');
    const report = await a.engine.sync();
    expect(report.rejected).toEqual([
      expect.objectContaining({ entity: 'tasks', entity_id: ghost, code: 'not_found' }),
    ]);
    // Restored from the rejection itself, not later by the checksum safety net.
    expect(report.resynced).toEqual([]);
    expect(await a.engine.tasks.get(ghost)).toBeUndefined();
    expect((await replicaRows(a)).outbox).toBe(0);
    expect(await a.engine.tasks.get(kept.id)).toMatchObject({ title: 'Real', synced: true });
    await syncAll(u);
    const truth = await expectConverged(u);
    expect(truth.rows.tasks[ghost]).toBeUndefined();
  });

  it('an invalid UPDATE of an existing row is dropped and the row restored to the server state', async () => {
    const u = await user(2);
    const [a, b] = u.devices as [Device, Device];
    const t = await a.engine.tasks.create({ title: 'Truth', status: 'in-progress' });
    await syncAll(u);
    await b.engine.tasks.update(t.id, { description: 'from B' });
    await b.engine.sync(); // the server moved on; A has not pulled yet
    await craft(a, [
      ["UPDATE tasks SET status = 'blocked', title = 'Corrupted' WHERE id = ?", [t.id]],
      [
        "INSERT INTO sync_queue (op_id, entity, entity_id, operation, data, hlc, created_at) VALUES (?, 'tasks', ?, 'UPDATE', ?, ?, 1)",
        [
          uuidv7(),
          t.id,
          JSON.stringify({ status: 'blocked', title: 'Corrupted', updated_at: 1 }),
          hlc('crafted'),
        ],
      ],
    ]);
    const report = await a.engine.sync();
    expect(report.rejected).toEqual([expect.objectContaining({ entity_id: t.id, code: 'invalid_op' })]);
    expect(report.resynced).toEqual([]);
    expect(await a.engine.tasks.get(t.id)).toMatchObject({
      title: 'Truth',
      status: 'in-progress',
      description: 'from B',
      synced: true,
    });
    await syncAll(u);
    await expectConverged(u);
  });

  it('a rejected op does not take the valid ops of the same batch with it', async () => {
    const u = await user(2);
    const [a] = u.devices as [Device, Device];
    const before = await a.engine.tasks.create({ title: 'before' });
    const ghost = uuidv7();
    await craft(a, [
      [
        "INSERT INTO sync_queue (op_id, entity, entity_id, operation, data, hlc, created_at) VALUES (?, 'projects', ?, 'DELETE', NULL, ?, 1)",
        [uuidv7(), ghost, hlc('crafted')],
      ],
    ]);
    const after = await a.engine.tasks.create({ title: 'after' });
    const report = await a.engine.sync();
    expect(report.rejected.map((r) => r.entity_id)).toEqual([ghost]);
    await syncAll(u);
    const truth = await expectConverged(u);
    expect(Object.keys(truth.rows.tasks).sort()).toEqual([before.id, after.id].sort());
  });
});

describe('checksum verification runs where drift is possible, and only there', () => {
  it('a round whose pushed rows all come back with a version skips the checksum scans', async () => {
    const u = await user(1);
    const [a] = u.devices as [Device];
    const first = await a.engine.sync(); // a fresh device's full pull counts as a check
    expect(first.verified).toBe(false);
    await a.engine.tasks.create({ title: 'one' });
    const t = await a.engine.tasks.create({ title: 'two' });
    await a.engine.tasks.update(t.id, { status: 'done' });
    const r = await a.engine.sync();
    expect(r.pushed).toBe(3);
    expect(r.verified).toBe(false);
    await expectConverged(u);
  });

  /**
   * Another writer whose HLC is 50 s ahead (inside the server's 60 s tolerance) but whose data says otherwise
   * (`updated_at` now). Returns what A's next edit of that row did.
   */
  async function editAfterFastWriter(u: User) {
    const [a] = u.devices as [Device];
    const t = await a.engine.tasks.create({ title: 'original' });
    await a.engine.sync();
    const http = api(server.url);
    const login = await http.call('POST', '/v1/auth/login', { body: { email: u.email, password: PASSWORD } });
    const ahead = `${String(Date.now() + 50_000).padStart(15, '0')}-00000-fast-device`;
    const pushed = await http.push(login.body.access_token, {
      client_id: 'fast-device',
      ops: [
        {
          op_id: uuidv7(),
          entity: 'tasks',
          entity_id: t.id,
          operation: 'UPDATE',
          data: { title: 'from the fast device', updated_at: Date.now() },
          hlc: ahead,
        },
      ],
    });
    expect(pushed.status).toBe(200);
    await a.engine.sync();
    expect((await a.engine.tasks.get(t.id))?.title).toBe('from the fast device');
    await a.engine.tasks.update(t.id, { title: 'from A, after seeing it' });
    const r = await a.engine.sync();
    expect(r.pushed).toBe(1);
    return { report: r, task: await a.engine.tasks.get(t.id) };
  }

  it("an edit of a pulled row orders after the row's hlc, however far ahead its writer's clock was", async () => {
    const u = await user(1);
    const { report, task } = await editAfterFastWriter(u);
    expect(task).toMatchObject({ title: 'from A, after seeing it', synced: true });
    expect(report.resynced).toEqual([]);
    await expectConverged(u);
  });

  it('from an older server without hlc, an edit that loses on every field (no version) is caught by the checksum and resynced', async () => {
    const u = await user(0);
    const engine = await openDevice(`${dir.path}/old-${n}.db`, server.url, { fetch: withoutHlc() });
    await engine.signup(u.email, PASSWORD);
    opened.push({ engine, file: `${dir.path}/old-${n}.db` });
    u.devices.push({ name: 'A', engine, file: `${dir.path}/old-${n}.db` });
    // A's pull cannot see the fast writer's HLC, so A's edit (title and updated_at) orders before it on both
    // fields, loses every field and gets no version.
    const { report, task } = await editAfterFastWriter(u);
    expect(report.verified).toBe(true);
    expect(report.resynced).toEqual(['tasks']);
    expect(task).toMatchObject({ title: 'from the fast device', synced: true });
    await expectConverged(u);
  });

  it('an acknowledgement whose round ended before its pull is verified by the next round', async () => {
    const u = await user(1);
    const [a] = u.devices as [Device];
    await a.engine.tasks.create({ title: 'acked' });
    await a.engine.sync();
    // What a round leaves behind when the connection drops between the push's acknowledgement and the pull.
    const db = openNodeDriver(a.file);
    await db.exec("INSERT INTO sync_state (key, value) VALUES ('verify_due', '1')");
    await db.close();
    const r1 = await a.engine.sync();
    expect(r1.pushed).toBe(0);
    expect(r1.verified).toBe(true);
    const r2 = await a.engine.sync();
    expect(r2.verified).toBe(false);
  });
});
