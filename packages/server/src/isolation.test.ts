/**
 * PROTOCOL.md "Push": every user has a private id space. User B can never read, change, delete or overwrite
 * user A's rows, not even by reusing A's entity ids or op_ids; A never sees B's data or B's pokes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, startTestServer, type TestServer } from './testing/index.ts';

let server: TestServer;
let http: ReturnType<typeof api>;
type User = Awaited<ReturnType<ReturnType<typeof api>['signup']>>;
let a: User;
let b: User;
const T = 1_764_000_000_000;
type Change = {
  entity: string;
  entity_id: string;
  version: string;
  deleted: boolean;
  data: Record<string, unknown> | null;
};
type Result = { op_id: string; status: string; error?: { code: string }; row?: Change | null };
let seq = 0;
const hlc = () => `${String(Date.now()).padStart(15, '0')}-${String(seq++).padStart(5, '0')}-isolation`;
const op = (entity: string, entity_id: string, operation: string, data?: Record<string, unknown>) => ({
  op_id: randomUUID(),
  entity,
  entity_id,
  operation,
  ...(data === undefined ? {} : { data }),
  hlc: hlc(),
});
const ids = { task: randomUUID(), project: randomUUID(), timer: randomUUID() };
const aOps = [
  op('projects', ids.project, 'CREATE', {
    name: 'A secret project',
    color: '#112233',
    created_at: T,
    updated_at: T,
  }),
  op('tasks', ids.task, 'CREATE', {
    title: 'A secret task',
    project_id: ids.project,
    created_at: T,
    updated_at: T,
  }),
  op('timers', ids.timer, 'CREATE', {
    task_id: ids.task,
    started_at: T,
    note: 'A secret note',
    created_at: T,
    updated_at: T,
  }),
];

async function push(u: User, ops: unknown[]) {
  const r = await http.push(u.access_token, { client_id: randomUUID(), ops });
  expect(r.status).toBe(200);
  return r.body as { results: Result[]; version: string };
}
async function view(u: User) {
  const changes: Change[] = [];
  let q = '';
  for (;;) {
    const r = await http.pull(u.access_token, q);
    expect(r.status).toBe(200);
    changes.push(...r.body.changes);
    if (!r.body.has_more) break;
    q = `?cursor=${encodeURIComponent(r.body.cursor)}`;
  }
  const checksum = await http.call('GET', '/v1/sync/checksum', { token: u.access_token });
  expect(checksum.status).toBe(200);
  return { changes, checksum: checksum.body };
}
let aBefore: Awaited<ReturnType<typeof view>>;
/** A's rows, versions and checksums are exactly what they were before the test, and contain nothing of B's. */
async function expectAUntouched() {
  const now = await view(a);
  expect(now).toEqual(aBefore);
  expect(JSON.stringify(now)).not.toMatch(/\bB\b|B's/);
}

beforeAll(async () => {
  server = await startTestServer();
  http = api(server.url);
  a = await http.signup();
  b = await http.signup();
  expect((await push(a, aOps)).results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
});
beforeEach(async () => {
  aBefore = await view(a);
  expect(aBefore.changes).toHaveLength(3);
});
afterAll(async () => {
  await server?.close();
});

describe("B cannot touch A's rows", () => {
  it.each([
    ['tasks', 'task', { title: "B's title" }],
    ['projects', 'project', { archived: true }],
    ['timers', 'timer', { stopped_at: T + 1 }],
  ] as const)("B's UPDATE of A's %s is not_found with row null", async (entity, key, data) => {
    const bad = op(entity, ids[key], 'UPDATE', { ...data, updated_at: T + 1 });
    const r = await push(b, [bad]);
    expect(r.results).toEqual([
      {
        op_id: bad.op_id,
        status: 'rejected',
        error: { code: 'not_found', message: expect.any(String) },
        row: null,
      },
    ]);
    expect(JSON.stringify(r)).not.toContain('A secret');
    await expectAUntouched();
  });

  it.each(['task', 'project', 'timer'] as const)(
    "B's DELETE of A's %s is not_found with row null",
    async (key) => {
      const entity = `${key}s`;
      const r = await push(b, [op(entity, ids[key], 'DELETE')]);
      expect(r.results[0]).toMatchObject({ status: 'rejected', error: { code: 'not_found' }, row: null });
      await expectAUntouched();
    },
  );

  it("an invalid op of B on A's id answers row null, never A's row", async () => {
    const r = await push(b, [
      op('tasks', ids.task, 'UPDATE', { title: '' }),
      op('timers', ids.timer, 'UPDATE', { stopped_at: T - 1 }),
      op('projects', ids.project, 'UPDATE', { color: 'blue' }),
    ]);
    expect(r.results.map((x) => [x.status, x.error?.code, x.row])).toEqual([
      ['rejected', 'invalid_op', null],
      ['rejected', 'not_found', null],
      ['rejected', 'invalid_op', null],
    ]);
    expect(JSON.stringify(r)).not.toContain('A secret');
    await expectAUntouched();
  });

  it("B's CREATE with A's entity ids makes B's own rows and leaves A's as they were", async () => {
    const bOps = [
      op('projects', ids.project, 'CREATE', { name: "B's project", created_at: T + 9, updated_at: T + 9 }),
      op('tasks', ids.task, 'CREATE', {
        title: "B's task",
        status: 'done',
        created_at: T + 9,
        updated_at: T + 9,
      }),
      op('timers', ids.timer, 'CREATE', { started_at: T + 9, created_at: T + 9, updated_at: T + 9 }),
    ];
    const r = await push(b, bOps);
    expect(r.results.map((x) => x.status)).toEqual(['applied', 'applied', 'applied']);
    const bView = await view(b);
    const task = bView.changes.find((c) => c.entity === 'tasks');
    // A's other fields (description, project_id) must not leak into B's row through a merge.
    expect(task).toMatchObject({ entity_id: ids.task, deleted: false });
    expect(task?.data).toEqual({
      title: "B's task",
      description: null,
      status: 'done',
      project_id: null,
      due_at: null,
      created_at: T + 9,
      updated_at: T + 9,
    });
    expect(JSON.stringify(bView)).not.toContain('A secret');
    expect(bView.changes.find((c) => c.entity === 'timers')?.data?.note).toBeNull();
    await expectAUntouched();

    // B now owns rows with those ids: B's updates and deletes change only B's rows.
    const more = await push(b, [
      op('tasks', ids.task, 'UPDATE', { title: "B's renamed task", updated_at: T + 10 }),
      op('projects', ids.project, 'DELETE'),
    ]);
    expect(more.results.map((x) => x.status)).toEqual(['applied', 'applied']);
    const after = await view(b);
    expect(after.changes.find((c) => c.entity === 'projects')).toMatchObject({ deleted: true, data: null });
    expect(after.changes.find((c) => c.entity === 'tasks')?.data?.title).toBe("B's renamed task");
    await expectAUntouched();
    expect(aBefore.changes.find((c) => c.entity === 'projects')).toMatchObject({ deleted: false });
  });

  it("B reusing A's op_id is simply B's own operation", async () => {
    // The very same operation A already sent (same op_id, same content), then one with A's op_id and new content.
    const same = await push(b, [aOps[1]]);
    expect(same.results).toEqual([{ op_id: aOps[1]!.op_id, status: 'applied' }]);
    const reused = {
      ...op('tasks', randomUUID(), 'CREATE', { title: "B's", created_at: T, updated_at: T }),
      op_id: aOps[0]!.op_id,
    };
    const other = await push(b, [reused]);
    expect(other.results).toEqual([{ op_id: reused.op_id, status: 'applied' }]);
    // and A's op_ids still answer duplicate for A.
    const again = await push(a, aOps);
    expect(again.results.map((x) => x.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    await expectAUntouched();
  });
});

describe("A never sees B's data", () => {
  it("B's writes do not move A's version, cursor pages or checksums", async () => {
    const before = await http.pull(a.access_token);
    for (let i = 0; i < 3; i++) {
      await push(b, [
        op('tasks', randomUUID(), 'CREATE', { title: `B's task ${i}`, created_at: T, updated_at: T }),
      ]);
    }
    expect((await push(a, [])).version).toBe(aBefore.checksum.version);
    const tail = await http.pull(a.access_token, `?cursor=${encodeURIComponent(before.body.cursor)}`);
    expect(tail.body).toEqual({ changes: [], cursor: before.body.cursor, has_more: false });
    await expectAUntouched();
  });

  it("B's cursor or version numbers give B only B's rows", async () => {
    const aFirst = await http.pull(a.access_token, '?limit=1');
    const r = await http.pull(b.access_token, `?cursor=${encodeURIComponent(aFirst.body.cursor)}&limit=5000`);
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).not.toContain('A secret');
    const bAll = await view(b);
    for (const c of r.body.changes) expect(bAll.changes).toContainEqual(c);
  });

  it("A's event stream is not poked for B's writes", async () => {
    const ac = new AbortController();
    try {
      const res = await fetch(`${server.url}/v1/sync/events`, {
        headers: { authorization: `Bearer ${a.access_token}` },
        signal: ac.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      const bVersion = (
        await push(b, [op('tasks', randomUUID(), 'CREATE', { title: 'B', created_at: T, updated_at: T })])
      ).version;
      const aVersion = (
        await push(a, [op('tasks', randomUUID(), 'CREATE', { title: 'A', created_at: T, updated_at: T })])
      ).version;
      expect(aVersion).not.toBe(bVersion);
      let buf = '';
      const firstPoke = async () => {
        for (;;) {
          const block = buf.split('\n\n').find((x) => x.includes('event: poke'));
          if (block) return block;
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buf += value;
        }
      };
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no poke')), 10_000),
      );
      const poke = await Promise.race([firstPoke(), timeout]);
      expect(poke).toContain(`data: ${JSON.stringify({ version: aVersion })}`);
    } finally {
      ac.abort();
    }
    aBefore = await view(a); // A wrote above
  });
});
