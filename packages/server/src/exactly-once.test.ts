import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Sql } from './db/database.ts';
import { hlc, newTask, op, pullAll, rowsOf, T0, type WireOp } from './test-fixtures.ts';
import { api, createTestDatabase, startTestServer, type TestServer } from './testing/index.ts';

/** A fault at the storage edge: runs before a matching statement inside a transaction (and may throw). */
let fault: { match: RegExp; before: (tx: Sql) => Promise<void> } | null = null;

/** The test database as the server sees it, with `fault` injected into transactions. */
function withFaults(db: Database): Database {
  return {
    kind: db.kind,
    orm: db.orm,
    query: (text, params) => db.query(text, params),
    listen: (channel, cb) => db.listen(channel, cb),
    close: () => db.close(),
    transaction: (fn, opts) =>
      db.transaction(
        (tx) =>
          fn({
            async query(text, params) {
              const f = fault;
              if (f?.match.test(text)) await f.before(tx);
              return tx.query(text, params);
            },
            async copyFrom(table, columns, data) {
              const f = fault;
              if (f?.match.test(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)) await f.before(tx);
              return tx.copyFrom(table, columns, data);
            },
          }),
        opts,
      ),
  } as Database;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let server: TestServer;
let client: ReturnType<typeof api>;
const now = Date.now();

beforeAll(async () => {
  db = await createTestDatabase();
  // COPY for every batch, however small (the default writes a few rows with INSERT): its faults are tested here.
  server = await startTestServer({
    db: withFaults(db),
    limits: { authPerAddressPerMinute: 1_000_000 },
    sync: { copyAbove: 0 },
  });
  client = api(server.url);
});
afterAll(async () => {
  await server?.close();
  await db?.close();
});

type PushBody = {
  results: { op_id: string; status: string; error?: { code: string; message: string }; row?: unknown }[];
  version: string;
};
const pushRaw = (token: string, ops: WireOp[]) => client.push(token, { client_id: 'device-a', ops });
async function push(token: string, ops: WireOp[]): Promise<PushBody> {
  const r = await pushRaw(token, ops);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as PushBody;
}
/** Everything the server holds for a user: rows with versions, the version counter and the ledger size. */
async function snapshot(u: { user_id: string; access_token: string }) {
  const rows = rowsOf((await pullAll(client, u.access_token)).changes, true);
  const [user] = await db.query<{ version: number }>('SELECT version FROM users WHERE id = $1', [u.user_id]);
  const [ledger] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM op_ledger WHERE user_id = $1',
    [u.user_id],
  );
  return { rows, version: Number(user!.version), ledger: Number(ledger!.n) };
}
const batchFor = (existing: string) => [
  op('tasks', existing, 'UPDATE', hlc(now + 10), { title: 'renamed', status: 'done' }),
  newTask(randomUUID(), hlc(now + 10)),
  op('projects', randomUUID(), 'CREATE', hlc(now + 10), { name: 'P', created_at: T0, updated_at: T0 }),
  op('tasks', existing, 'UPDATE', hlc(now + 11), { description: 'later' }),
];

describe('replays', () => {
  it('applies a push replayed sequentially once', async () => {
    const u = await client.signup();
    const existing = randomUUID();
    await push(u.access_token, [newTask(existing, hlc(now))]);
    const batch = batchFor(existing);
    const first = await push(u.access_token, batch);
    expect(first.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
    const after = await snapshot(u);
    expect(after.version).toBe(5); // create 1, then 2..5 (the existing row ends at 5)
    for (let i = 0; i < 2; i++) {
      const again = await push(u.access_token, batch);
      expect(again.results).toEqual(batch.map((o) => ({ op_id: o.op_id, status: 'duplicate' })));
      expect(again.version).toBe(first.version);
    }
    expect(await snapshot(u)).toEqual(after);
  });

  it('applies the same push sent 5 times concurrently once', async () => {
    const u = await client.signup();
    const existing = randomUUID();
    await push(u.access_token, [newTask(existing, hlc(now))]);
    const batch = batchFor(existing);
    const answers = await Promise.all(Array.from({ length: 5 }, () => push(u.access_token, batch)));
    const kinds = answers.map((a) => [...new Set(a.results.map((r) => r.status))].join()).sort();
    expect(kinds).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(new Set(answers.map((a) => a.version))).toEqual(new Set(['5']));
    const s = await snapshot(u);
    expect(s.version).toBe(5);
    expect(s.ledger).toBe(5);
    expect([...s.rows.values()].map((r) => r.version).sort()).toEqual(['3', '4', '5']);
  });

  it('answers a replayed rejection with the same rejection and the current row', async () => {
    const u = await client.signup();
    const id = randomUUID();
    const early = op('tasks', id, 'UPDATE', hlc(now + 50), { title: 'too early' });
    const tooLong = op('tasks', id, 'UPDATE', hlc(now + 50), { title: 'x'.repeat(501) });
    const r1 = await push(u.access_token, [early, tooLong]);
    expect(r1.results).toEqual([
      {
        op_id: early.op_id,
        status: 'rejected',
        error: { code: 'not_found', message: expect.any(String) },
        row: null,
      },
      {
        op_id: tooLong.op_id,
        status: 'rejected',
        error: { code: 'invalid_op', message: 'title: must be 1..500 characters' },
        row: null,
      },
    ]);
    const create = newTask(id, hlc(now));
    await push(u.access_token, [create]);
    // The UPDATE's HLC is newer than the CREATE: re-applying it would rename the task.
    const r2 = await push(u.access_token, [early, tooLong]);
    const row = {
      entity: 'tasks',
      entity_id: id,
      version: '1',
      deleted: false,
      hlc: create.hlc,
      data: expect.objectContaining({ title: 'task' }),
    };
    expect(r2.results).toEqual([
      { ...r1.results[0], row },
      { ...r1.results[1], row },
    ]);
    expect((await snapshot(u)).rows.get(`tasks/${id}`)).toMatchObject({
      version: '1',
      data: { title: 'task' },
    });
  });

  it('rejects a reused op_id with different content as op_id_reused, changing nothing', async () => {
    const u = await client.signup();
    const id = randomUUID();
    const create = newTask(id, hlc(now), { status: 'todo', description: 'd' });
    await push(u.access_token, [create]);
    const before = await snapshot(u);
    const variants: WireOp[] = [
      { ...create, data: { ...create.data, title: 'other' } },
      { ...create, hlc: hlc(now + 1) },
      { ...create, operation: 'UPDATE' },
      { ...create, entity_id: randomUUID() },
      { ...create, entity: 'projects', data: { name: 'p', created_at: T0, updated_at: T0 } },
    ];
    const r = await push(u.access_token, variants);
    for (const res of r.results) {
      expect(res).toMatchObject({ op_id: create.op_id, status: 'rejected', error: { code: 'op_id_reused' } });
    }
    expect(r.results[0]!.row).toMatchObject({ entity_id: id, version: '1', data: { title: 'task' } });
    expect(await snapshot(u)).toEqual(before);
    // The same content with its keys in another order is the same operation.
    const reordered = { ...create, data: Object.fromEntries(Object.entries(create.data!).reverse()) };
    expect((await push(u.access_token, [reordered])).results[0]!.status).toBe('duplicate');
  });
});

describe('a push that fails mid-transaction', () => {
  const injected = (stmt: RegExp) => ({
    match: stmt,
    before: async () => {
      throw new Error('injected storage fault');
    },
  });

  /** A user with one task on the server, what the server holds for them, and a batch touching that task. */
  async function seeded(extra: WireOp[] = []) {
    const u = await client.signup();
    const existing = randomUUID();
    await push(u.access_token, [newTask(existing, hlc(now))]);
    return { u, existing, before: await snapshot(u), batch: [...batchFor(existing), ...extra] };
  }
  /** Pushes `batch` with `f` injected into the transaction: answered `500 internal`. */
  async function failingPush(token: string, batch: WireOp[], f: NonNullable<typeof fault>) {
    fault = f;
    try {
      const r = await pushRaw(token, batch);
      expect(r.status).toBe(500);
      expect(r.body.error.code).toBe('internal');
      return r;
    } finally {
      fault = null;
    }
  }
  /** The same batch twice at once (on two pooled connections): applied once, the other answered duplicate. */
  async function pushedTwiceAtOnce(token: string, batch: WireOp[]) {
    const results = await Promise.all([push(token, batch), push(token, batch)]);
    expect(results.flatMap((x) => x.results.map((r) => r.status)).sort()).toEqual([
      ...Array(batch.length).fill('applied'),
      ...Array(batch.length).fill('duplicate'),
    ]);
  }

  it.each([
    ['writing the ledger', /COPY op_ledger/i],
    ['bumping the version', /UPDATE users SET version/i],
    ['updating the existing rows', /INSERT INTO "tasks"/i],
    ['copying the new rows', /COPY "projects"/i],
  ])('leaves nothing half-applied when %s fails, and the same push succeeds later', async (_, stmt) => {
    const { u, existing, before, batch } = await seeded();
    const r = await failingPush(u.access_token, batch, injected(stmt));
    expect(JSON.stringify(r.body)).not.toMatch(/injected|op_ledger|INSERT|UPDATE|at .*\.ts/);
    expect(await snapshot(u)).toEqual(before);
    const ok = await push(u.access_token, batch);
    expect(ok.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect(ok.version).toBe('5');
    expect((await snapshot(u)).rows.get(`tasks/${existing}`)).toMatchObject({
      version: '5',
      data: { title: 'renamed', status: 'done', description: 'later' },
    });
  });

  it('commits nothing queued behind a statement that failed in the database, not even later', async () => {
    // Rows of all three tables, so several lookups are queued, with the ledger's COPY issued behind them.
    const timer = op('timers', randomUUID(), 'CREATE', hlc(now + 12), {
      started_at: T0,
      created_at: T0,
      updated_at: T0,
    });
    const { u, before, batch } = await seeded([timer]);
    await failingPush(u.access_token, batch, {
      match: /FROM "tasks"/i,
      // The tasks lookup fails in the database (the transaction is aborted there), the others queue behind it.
      before: async (tx) => {
        await tx.query('SELECT 1 / 0');
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // anything still queued would have run by now
    expect(await snapshot(u)).toEqual(before);
    const ok = await push(u.access_token, batch);
    expect(ok.results.map((r) => r.status)).toEqual(Array(batch.length).fill('applied'));
  });

  it('rolls back when the database refuses a COPY (a conflicting row appears first) and stays usable', async () => {
    const { u, before, batch } = await seeded();
    const projectId = batch[2]!.entity_id;
    await failingPush(u.access_token, batch, {
      match: /COPY "projects"/i,
      // Inside the push's own transaction, so the COPY itself fails on the primary key, in the database.
      before: async (tx) => {
        await tx.query(
          `INSERT INTO projects (user_id, id, version, hlc, max_hlc, name) VALUES ($1, $2, 999, '{}', '', 'squatter')`,
          [u.user_id, projectId],
        );
      },
    });
    expect(await snapshot(u)).toEqual(before);
    const [squatter] = await db.query('SELECT 1 FROM projects WHERE id = $1', [projectId]);
    expect(squatter).toBeUndefined(); // rolled back with the rest
    // The connection the failed COPY ran on went back to the pool healthy: pushes work, many at once.
    await pushedTwiceAtOnce(u.access_token, batch);
    for (let i = 0; i < 12; i++) await push(u.access_token, [newTask(randomUUID(), hlc(now + 20 + i))]);
  });

  it.runIf(process.env.DATABASE_URL)(
    'survives the database connection being terminated mid-push',
    async () => {
      const { u, before, batch } = await seeded();
      await failingPush(u.access_token, batch, {
        match: /COPY op_ledger/i,
        before: async (tx) => {
          const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          // From another connection, as an operator or a failover would; waits until the backend is gone.
          await db.query('SELECT pg_terminate_backend($1, 5000)', [me!.pid]);
        },
      });
      expect(await snapshot(u)).toEqual(before);
      // The pool dropped the dead connection: the retry runs on a healthy one.
      await pushedTwiceAtOnce(u.access_token, batch);
      expect((await snapshot(u)).version).toBe(5);
    },
  );
});
