import { randomUUID } from 'node:crypto';
import { type Change, createChecksums, ENTITY_NAMES } from '@selftracker/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlc, newTask, op, parseHlcColumn, pullAll, rowsOf, T0, type WireOp } from './test-fixtures.ts';
import { api, startTestServer, type TestServer } from './testing/index.ts';

/**
 * New rows and ledger entries are written with COPY (text format), existing rows with an upsert: what a push
 * stores must read back exactly, whatever the text holds, on both paths.
 */
let server: TestServer;
let client: ReturnType<typeof api>;
const now = Date.now();

beforeAll(async () => {
  server = await startTestServer({ limits: { authPerAddressPerMinute: 1_000_000 } });
  client = api(server.url);
});
afterAll(async () => {
  await server?.close();
});

async function push(token: string, ops: WireOp[]) {
  const r = await client.push(token, { client_id: 'device-a', ops });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as {
    results: { op_id: string; status: string; error?: { code: string } }[];
    version: string;
  };
}

const TRICKY = [
  'tab\there',
  'line\nbreak',
  'carriage\rreturn',
  'back\\slash',
  '\\N',
  '\\.',
  '\\\\N\\t',
  '"quotes" and \'single\'',
  'ünïcödé 日本語 🙂 \u2028\u2029',
  ' leading and trailing spaces ',
  '{"json":"looking"}',
];

describe('rows written by a push read back exactly', () => {
  it('keeps every character of new rows (COPY) and of updated rows (upsert)', async () => {
    const u = await client.signup();
    const ids = TRICKY.map(() => randomUUID());
    const first = await push(
      u.access_token,
      TRICKY.map((title, i) => newTask(ids[i]!, hlc(now), { title, description: TRICKY.at(-1 - i)! })),
    );
    expect(first.results.every((r) => r.status === 'applied')).toBe(true);
    let rows = rowsOf((await pullAll(client, u.access_token)).changes);
    TRICKY.forEach((title, i) => {
      expect(rows.get(`tasks/${ids[i]}`)?.data).toMatchObject({ title, description: TRICKY.at(-1 - i) });
    });

    // The same rows again, now existing: the upsert path, with the text reversed.
    await push(
      u.access_token,
      TRICKY.map((title, i) =>
        op('tasks', ids[i]!, 'UPDATE', hlc(now + 1), { title: TRICKY.at(-1 - i)!, description: title }),
      ),
    );
    rows = rowsOf((await pullAll(client, u.access_token)).changes);
    TRICKY.forEach((title, i) => {
      expect(rows.get(`tasks/${ids[i]}`)?.data).toMatchObject({
        title: TRICKY.at(-1 - i),
        description: title,
      });
    });
  });

  it('stores nulls, integers, booleans and uuids of new rows, and per-field HLCs a later merge relies on', async () => {
    const u = await client.signup();
    const project = randomUUID();
    const timer = randomUUID();
    const task = randomUUID();
    await push(u.access_token, [
      op('projects', project, 'CREATE', hlc(now), {
        name: 'P',
        color: null,
        archived: true,
        created_at: T0,
        updated_at: Number.MAX_SAFE_INTEGER,
      }),
      newTask(task, hlc(now, 0, 'device-b'), { project_id: project, due_at: 0 }),
      op('timers', timer, 'CREATE', hlc(now), {
        task_id: task,
        project_id: null,
        note: null,
        started_at: T0,
        stopped_at: null,
        created_at: T0,
        updated_at: T0,
      }),
    ]);
    const rows = rowsOf((await pullAll(client, u.access_token)).changes);
    expect(rows.get(`projects/${project}`)?.data).toMatchObject({
      name: 'P',
      color: null,
      archived: true,
      updated_at: Number.MAX_SAFE_INTEGER,
    });
    expect(rows.get(`tasks/${task}`)?.data).toMatchObject({ project_id: project, due_at: 0 });
    expect(rows.get(`timers/${timer}`)?.data).toMatchObject({
      task_id: task,
      project_id: null,
      stopped_at: null,
    });

    const [stored] = await server.db.query<{ hlc: unknown }>('SELECT hlc FROM tasks WHERE id = $1', [task]);
    expect(parseHlcColumn(stored!.hlc)).toMatchObject({
      title: hlc(now, 0, 'device-b'),
      due_at: hlc(now, 0, 'device-b'),
    });
    // Field by field against the stored HLCs: an older title loses, a newer status wins.
    await push(u.access_token, [
      op('tasks', task, 'UPDATE', hlc(now - 1), { title: 'older' }),
      op('tasks', task, 'UPDATE', hlc(now + 1), { status: 'done' }),
    ]);
    const after = rowsOf((await pullAll(client, u.access_token)).changes);
    expect(after.get(`tasks/${task}`)?.data).toMatchObject({ title: 'task', status: 'done' });
  });

  it('writes a row created and deleted in one push as one tombstone, and its ledger entries once', async () => {
    const u = await client.signup();
    const id = randomUUID();
    const ops = [
      op('projects', id, 'CREATE', hlc(now), { name: 'short-lived', created_at: T0, updated_at: T0 }),
      op('projects', id, 'UPDATE', hlc(now + 1), { name: 'renamed' }),
      op('projects', id, 'DELETE', hlc(now + 2)),
    ];
    const r = await push(u.access_token, ops);
    expect(r.results.map((x) => x.status)).toEqual(['applied', 'applied', 'applied']);
    const { changes } = await pullAll(client, u.access_token);
    // The tombstone's hlc is the highest of its fields' and its delete's.
    const tombstone = { entity: 'projects', entity_id: id, version: '3', deleted: true, hlc: ops[2]!.hlc };
    expect(changes).toEqual([{ ...tombstone, data: null }]);
    const again = await push(u.access_token, ops);
    expect(again.results.map((x) => x.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    const [ledger] = await server.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM op_ledger WHERE op_id = ANY($1::uuid[])',
      [ops.map((o) => o.op_id)],
    );
    expect(ledger!.n).toBe(3);
  });
});

/** Checksums as a client computes them (core's `canonicalRow` + SHA-256) from the rows it pulled. */
function checksumsOf(changes: readonly Change[]) {
  const sums = createChecksums();
  for (const ch of rowsOf(changes).values()) {
    sums[ch.entity].add(ch.entity_id, ch.deleted, ch.deleted ? null : ch.data);
  }
  return Object.fromEntries(
    ENTITY_NAMES.map((e) => [e, { count: sums[e].count, checksum: sums[e].checksum }]),
  );
}

describe('checksums computed by the database', () => {
  const unit = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom('\b', '\f', '\n', '\r', '\t', '"', '\\', '/', '\u0001', '\u001f', '\u007f'),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom('é', 'ß', '日', '😀', '\u2028', '\u2029', '\ufeff', '\u00a0', 'N'),
    },
    { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  );
  const text = (min: number, max: number) =>
    fc
      .array(unit, { minLength: min, maxLength: max })
      .map((u) => u.join(''))
      .filter(
        (t) => !t.includes('\u0000') && t.isWellFormed() && [...t].length >= min && [...t].length <= max,
      );
  const task = fc.record({
    title: text(1, 12),
    description: fc.option(text(0, 12)),
    status: fc.constantFrom('todo', 'in-progress', 'done'),
    due_at: fc.option(fc.integer({ min: -(2 ** 40), max: 2 ** 52 })),
    deleted: fc.boolean(),
  });

  it('equal what a client computes from the pulled rows, whatever the text (property)', async () => {
    let wall = now;
    await fc.assert(
      fc.asyncProperty(fc.array(task, { minLength: 1, maxLength: 6 }), async (tasks) => {
        const u = await client.signup(); // a fresh account per run: a failure shrinks to its own rows
        const ops: WireOp[] = [];
        for (const t of tasks) {
          const id = randomUUID();
          ops.push(
            newTask(id, hlc(++wall), {
              title: t.title,
              description: t.description,
              status: t.status,
              due_at: t.due_at,
            }),
          );
          if (t.deleted) ops.push(op('tasks', id, 'DELETE', hlc(++wall)));
        }
        ops.push(
          op('projects', randomUUID(), 'CREATE', hlc(++wall), {
            name: tasks[0]!.title,
            archived: tasks[0]!.deleted,
            color: '#A0b1C2',
            created_at: T0,
            updated_at: T0,
          }),
        );
        const r = await push(u.access_token, ops);
        expect(
          r.results.every((x) => x.status === 'applied'),
          JSON.stringify(r.results),
        ).toBe(true);
        const sums = await client.call('GET', '/v1/sync/checksum', { token: u.access_token });
        expect(sums.status).toBe(200);
        expect(sums.body.entities).toEqual(checksumsOf((await pullAll(client, u.access_token)).changes));
      }),
      { numRuns: 25 },
    );
  });
});
