import { randomUUID } from 'node:crypto';
import {
  createChecksums,
  ENTITIES,
  ENTITY_NAMES,
  type EntityData,
  type EntityName,
  type MergeRow,
  mergeOp,
  type OperationKind,
  validateOp,
} from '@selftracker/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeClock,
  fakeClock,
  hlc,
  newTask,
  op,
  parseHlcColumn,
  pullAll,
  rowsOf,
  T0,
  type WireOp,
} from './test-fixtures.ts';
import { api, startTestServer, type TestServer } from './testing/index.ts';

let server: TestServer;
let client: ReturnType<typeof api>;
let clock: FakeClock;
const CLIENT_ID = 'device-a';

beforeAll(async () => {
  clock = fakeClock(T0);
  server = await startTestServer({ clock, limits: { authPerAddressPerMinute: 1_000_000 } });
  client = api(server.url);
});
afterAll(async () => {
  await server?.close();
});

async function push(token: string, ops: WireOp[]) {
  const r = await client.push(token, { client_id: CLIENT_ID, ops });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as {
    results: { op_id: string; status: string; error?: { code: string } }[];
    version: string;
  };
}
/**
 * What a client computes with the core merge rule for the same operations applied in order, with each row's hlc
 * as PROTOCOL.md defines it: the highest HLC of its stored fields, and of its delete for a tombstone.
 */
function applyLocally(ops: WireOp[]) {
  const rows = new Map<string, MergeRow & { top: string }>();
  const highest = (hlcs: string[]) => hlcs.sort().at(-1) ?? '';
  for (const o of ops) {
    const checked = validateOp({ ...o });
    if ('code' in checked) throw new Error(checked.message);
    const key = `${o.entity}/${o.entity_id}`;
    const prev = rows.get(key);
    const out = mergeOp(ENTITIES[o.entity], prev, checked);
    if (out.kind !== 'changed') continue;
    const fields = Object.values((out.row.deleted ? prev?.hlc : out.row.hlc) ?? {});
    rows.set(key, { ...out.row, top: highest(out.row.deleted ? [...fields, o.hlc] : fields) });
  }
  return rowsOf(
    [...rows].map(([key, r]) => {
      const [entity, entity_id] = key.split('/') as [EntityName, string];
      return {
        entity,
        entity_id,
        version: '',
        deleted: r.deleted,
        hlc: r.top,
        data: r.deleted ? null : r.data,
      };
    }),
  );
}
/** A tombstone's hlc depends on which writes reached the row before its delete: the order of arrival. */
const liveHlcOnly = (rows: ReturnType<typeof rowsOf>) =>
  new Map([...rows].map(([k, r]) => [k, r.deleted ? { ...r, hlc: undefined } : r]));
const userVersion = async (userId: string) =>
  Number(
    (await server.db.query<{ version: number }>('SELECT version FROM users WHERE id = $1', [userId]))[0]!
      .version,
  );

describe('merge rule through the push endpoint (property)', () => {
  // Small domains: ties and lost writes are frequent. Walls stay within the 60 s clamp.
  const arbHlc = fc
    .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom('a', 'b'))
    .map(([w, c, n]) => hlc(T0 + w, c, n));
  const taskPatch = fc.record(
    {
      title: fc.constantFrom('a', 'b', 'é😀'),
      description: fc.constantFrom(null, '', 'notes'),
      status: fc.constantFrom('todo', 'in-progress', 'done'),
      due_at: fc.constantFrom(null, 0, T0),
      updated_at: fc.integer({ min: T0, max: T0 + 3 }),
    },
    { requiredKeys: [] },
  );
  const projectPatch = fc.record(
    {
      name: fc.constantFrom('Home', 'Work'),
      color: fc.constantFrom(null, '#ff0000'),
      archived: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  const ROWS: [EntityName, number][] = [
    ['tasks', 0],
    ['tasks', 1],
    ['projects', 2],
  ];
  const opSpec = fc.record({
    row: fc.constantFrom(...ROWS),
    kind: fc.constantFrom<OperationKind>('CREATE', 'UPDATE', 'UPDATE', 'UPDATE', 'DELETE'),
    h: arbHlc,
    tp: taskPatch,
    pp: projectPatch,
  });
  const scenario = fc.array(opSpec, { minLength: 1, maxLength: 14 }).chain((specs) =>
    fc.record({
      specs: fc.constant(specs),
      order: fc.shuffledSubarray([...specs.keys()], { minLength: specs.length }),
      dups: fc.array(fc.record({ at: fc.nat(), of: fc.nat(), sameOpId: fc.boolean() }), { maxLength: 5 }),
      cutsA: fc.array(fc.nat(), { maxLength: 3 }),
      cutsB: fc.array(fc.nat(), { maxLength: 3 }),
      seedOrder: fc.shuffledSubarray([0, 1, 2], { minLength: 3 }),
    }),
  );
  const batches = <T>(items: T[], cuts: number[]) => {
    const points = [...new Set(cuts.map((c) => c % (items.length + 1)))].sort((a, b) => a - b);
    const out: T[][] = [];
    let from = 0;
    for (const p of [...points, items.length]) {
      if (p > from) out.push(items.slice(from, p));
      from = Math.max(from, p);
    }
    return out;
  };

  it('the same operations in any order, with duplicates, give the same rows for two users', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ specs, order, dups, cutsA, cutsB, seedOrder }) => {
        const ids = ROWS.map(() => randomUUID());
        const seeds = ROWS.map(([entity], i) =>
          op(
            entity,
            ids[i]!,
            'CREATE',
            hlc(T0 + 2),
            entity === 'tasks'
              ? { title: 'seed', created_at: T0, updated_at: T0 }
              : { name: 'seed', created_at: T0, updated_at: T0 },
          ),
        );
        const ops = specs.map(({ row: [entity, i], kind, h, tp, pp }) => {
          if (kind === 'DELETE') return op(entity, ids[i]!, kind, h);
          const patch: EntityData = entity === 'tasks' ? tp : pp;
          const required =
            entity === 'tasks'
              ? { title: 't', created_at: T0, updated_at: T0 }
              : { name: 'p', created_at: T0, updated_at: T0 };
          return op(entity, ids[i]!, kind, h, kind === 'CREATE' ? { ...required, ...patch } : patch);
        });
        const orderB = order.map((i) => ops[i]!);
        for (const d of dups) {
          const o = ops[d.of % ops.length]!;
          orderB.splice(d.at % (orderB.length + 1), 0, d.sameOpId ? o : { ...o, op_id: randomUUID() });
        }
        const a = await client.signup();
        const b = await client.signup();
        const resultsA = [];
        const resultsB = [];
        for (const batch of batches([...seeds, ...ops], cutsA))
          resultsA.push(...(await push(a.access_token, batch)).results);
        for (const batch of batches([...seedOrder.map((i) => seeds[i]!), ...orderB], cutsB)) {
          resultsB.push(...(await push(b.access_token, batch)).results);
        }
        expect(resultsA.filter((r) => r.status !== 'applied')).toEqual([]);
        expect(resultsB.filter((r) => r.status === 'rejected')).toEqual([]);
        const rowsA = rowsOf((await pullAll(client, a.access_token)).changes);
        const rowsB = rowsOf((await pullAll(client, b.access_token)).changes);
        expect(liveHlcOnly(rowsB)).toEqual(liveHlcOnly(rowsA));
        expect(rowsA.size).toBe(3);
        // The server agrees with the shared merge rule a client runs locally, and with its checksum.
        const model = applyLocally([...seeds, ...ops]);
        expect(rowsA).toEqual(model);
        const local = createChecksums();
        for (const r of model.values()) local[r.entity].add(r.entity_id, r.deleted, r.data);
        const sumA = await client.call('GET', '/v1/sync/checksum', { token: a.access_token });
        const sumB = await client.call('GET', '/v1/sync/checksum', { token: b.access_token });
        expect(sumB.body.entities).toEqual(sumA.body.entities);
        for (const n of ENTITY_NAMES)
          expect(sumA.body.entities[n]).toEqual({ count: local[n].count, checksum: local[n].checksum });
      }),
      { numRuns: 30 },
    );
  });
});

describe('merge rule on the server', () => {
  it('merges concurrent edits of one row field by field', async () => {
    const u = await client.signup();
    const id = randomUUID();
    await push(u.access_token, [newTask(id, hlc(T0, 0, 'a'))]);
    // Device A and device B edit offline; B's title edit is older than A's.
    const fromA = op('tasks', id, 'UPDATE', hlc(T0 + 10, 0, 'a'), { title: 'A title', status: 'done' });
    const fromB1 = op('tasks', id, 'UPDATE', hlc(T0 + 5, 0, 'b'), {
      title: 'B title',
      description: 'B notes',
    });
    const fromB2 = op('tasks', id, 'UPDATE', hlc(T0 + 6, 0, 'b'), { due_at: 42 });
    await push(u.access_token, [fromA]);
    const r = await push(u.access_token, [fromB1, fromB2]);
    expect(r.results.map((x) => x.status)).toEqual(['applied', 'applied']);
    const { changes } = await pullAll(client, u.access_token);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.data).toEqual({
      title: 'A title',
      description: 'B notes',
      status: 'done',
      project_id: null,
      due_at: 42,
      created_at: T0,
      updated_at: T0,
    });
  });

  it('keeps a tombstone final: later updates are applied, change nothing and get no version', async () => {
    const u = await client.signup();
    const id = randomUUID();
    const create = newTask(id, hlc(T0));
    await push(u.access_token, [create]);
    const del = await push(u.access_token, [op('tasks', id, 'DELETE', hlc(T0 - 1000))]); // an old HLC still deletes
    expect(del.results[0]!.status).toBe('applied');
    const { cursor } = await pullAll(client, u.access_token);
    const late = [
      op('tasks', id, 'UPDATE', hlc(T0 + 50_000), { title: 'zombie' }),
      op('tasks', id, 'CREATE', hlc(T0 + 50_000), { title: 'again', created_at: T0, updated_at: T0 }),
      op('tasks', id, 'DELETE', hlc(T0 + 50_000)),
    ];
    const r = await push(u.access_token, late);
    expect(r.results.map((x) => x.status)).toEqual(['applied', 'applied', 'applied']);
    expect(r.version).toBe(del.version);
    expect((await pullAll(client, u.access_token, cursor)).changes).toEqual([]);
    const all = await pullAll(client, u.access_token);
    expect(all.changes).toEqual([
      // The tombstone's hlc: its field's, higher than its delete's; the late updates move nothing.
      { entity: 'tasks', entity_id: id, version: del.version, deleted: true, hlc: create.hlc, data: null },
    ]);
  });

  it('gives every changed row the next version in operation order and no-ops no version', async () => {
    const u = await client.signup();
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const createA = newTask(a, hlc(T0 + 10));
    const first = await push(u.access_token, [createA]);
    const v0 = Number(first.version);
    const r = await push(u.access_token, [
      newTask(b, hlc(T0 + 10)), // v0+1
      op('tasks', a, 'UPDATE', hlc(T0 + 20), { title: 'newer' }), // v0+2
      op('tasks', b, 'UPDATE', hlc(T0 + 5), { title: 'loses' }), // lost: no version
      createA, // duplicate: no version
      op('tasks', c, 'UPDATE', hlc(T0 + 20), { title: 'x' }), // not_found: no version
      op('tasks', a, 'UPDATE', hlc(T0 + 20), { title: 'x'.repeat(501) }), // invalid: no version
      op('projects', c, 'CREATE', hlc(T0 + 20), { name: 'P', created_at: T0, updated_at: T0 }), // v0+3
      op('tasks', b, 'UPDATE', hlc(T0 + 30), { status: 'done' }), // v0+4: b ends with the later version
    ]);
    expect(r.results.map((x) => x.error?.code ?? x.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'duplicate',
      'not_found',
      'invalid_op',
      'applied',
      'applied',
    ]);
    expect(r.version).toBe(String(v0 + 4));
    expect(await userVersion(u.user_id)).toBe(v0 + 4);
    const { changes } = await pullAll(client, u.access_token);
    expect(changes.map((ch) => [ch.entity_id, ch.version])).toEqual([
      [a, String(v0 + 2)],
      [c, String(v0 + 3)],
      [b, String(v0 + 4)],
    ]);
    expect(changes[2]!.data).toMatchObject({ title: 'task', status: 'done' });
    // A push that changes nothing keeps the version.
    const again = await push(u.access_token, [op('tasks', b, 'UPDATE', hlc(T0 + 1), { title: 'old' })]);
    expect(again.version).toBe(String(v0 + 4));
  });
});

describe('60 s HLC clamp', () => {
  const storedHlc = async (userId: string, id: string) => {
    const [row] = await server.db.query<{ hlc: unknown }>(
      'SELECT hlc FROM tasks WHERE user_id = $1 AND id = $2',
      [userId, id],
    );
    return parseHlcColumn(row!.hlc);
  };

  it('replaces a wall more than 60 s ahead with the server HLC, so an honest later edit still wins', async () => {
    clock.set(T0 + 3_600_000);
    const now = clock.now();
    const u = await client.signup();
    const id = randomUUID();
    await push(u.access_token, [newTask(id, hlc(now - 1000, 0, 'honest'))]);
    const liar = op('tasks', id, 'UPDATE', hlc(now + 86_400_000, 0, 'liar'), { title: 'from the future' });
    const r = await push(u.access_token, [liar]);
    expect(r.results[0]!.status).toBe('applied');
    const stored = (await storedHlc(u.user_id, id)).title!;
    expect(stored).toMatch(/-server$/);
    expect(Number(stored.slice(0, 15))).toBeGreaterThanOrEqual(now);
    expect(Number(stored.slice(0, 15))).toBeLessThanOrEqual(now + 60_000);
    expect((await pullAll(client, u.access_token)).changes[0]!.data).toMatchObject({
      title: 'from the future',
    });

    // The replay answer is unaffected by the rewrite: the ledger keeps the content as sent.
    expect((await push(u.access_token, [liar])).results[0]!.status).toBe('duplicate');

    clock.advance(61_000);
    const honest = op('tasks', id, 'UPDATE', hlc(clock.now(), 0, 'honest'), { title: 'honest edit' });
    await push(u.access_token, [honest]);
    expect((await pullAll(client, u.access_token)).changes[0]!.data).toMatchObject({ title: 'honest edit' });
    expect((await storedHlc(u.user_id, id)).title).toBe(honest.hlc);
  });

  it('keeps an HLC up to 60 s ahead as sent and never lets it push the server clock further', async () => {
    const now = clock.now();
    const u = await client.signup();
    const id = randomUUID();
    const ahead = hlc(now + 59_000, 7, 'fast');
    await push(u.access_token, [newTask(id, ahead)]);
    expect((await storedHlc(u.user_id, id)).title).toBe(ahead);
    // A far-future op right after is stamped by the server clock: above `ahead`, still within now + 60 s.
    await push(u.access_token, [op('tasks', id, 'UPDATE', hlc(now + 10 * 86_400_000), { status: 'done' })]);
    const stamped = (await storedHlc(u.user_id, id)).status!;
    expect(stamped).toMatch(/-server$/);
    expect(stamped > ahead.replace(/fast$/, '')).toBe(true);
    expect(Number(stamped.slice(0, 15))).toBeLessThanOrEqual(now + 60_000);
  });
});
