import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './db/database.ts';
import { openPostgres } from './db/postgres.ts';
import { fakeClock, hlc, newTask, op, pullAll, T0 } from './test-fixtures.ts';
import { api, createTestDatabase, startTestServer, type TestServer } from './testing/index.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let one: TestServer;
let client: ReturnType<typeof api>;
const extra: TestServer[] = [];
const extraDbs: Database[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  one = await startTestServer({ db, keepDb: true });
  client = api(one.url);
});
afterAll(async () => {
  for (const s of [one, ...extra]) await s?.close();
  for (const d of extraDbs) await d.close();
  await db?.close();
});

/** Another server instance on the same database; on PostgreSQL through its own connection pool. */
async function secondInstance(opts: Parameters<typeof startTestServer>[0] = {}) {
  let shared: Database = db;
  if (db.kind === 'postgres') {
    const [{ name }] = (await db.query<{ name: string }>('SELECT current_database() AS name')) as [
      { name: string },
    ];
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    shared = await openPostgres(url.toString(), { poolSize: 3 });
    extraDbs.push(shared);
  }
  const s = await startTestServer({ ...opts, db: shared, keepDb: true });
  extra.push(s);
  return s;
}

/** An SSE reader over streaming fetch, as clients read `/v1/sync/events`. */
async function openStream(base: string, token: string) {
  const abort = new AbortController();
  const res = await fetch(`${base}/v1/sync/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const frames: string[] = [];
  let notify = () => {};
  const reader = res.body!.getReader();
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          frames.push(buf.slice(0, i));
          buf = buf.slice(i + 2);
        }
        notify();
      }
    } catch {
      // aborted by close()
    }
  })();
  const pokes = () =>
    frames
      .filter((f) => f.startsWith('event: poke\n'))
      .map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)) as { version: string });
  return {
    frames,
    pokes,
    /** Resolves once `pred` holds; fails after `ms`. */
    async until(pred: () => boolean, ms = 5000) {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out; frames so far: ${JSON.stringify(frames)}`);
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 100);
        });
      }
    },
    close: () => abort.abort(),
  };
}

const pushTask = async (base: string, token: string) => {
  const r = await api(base).push(token, { client_id: 'd', ops: [newTask(randomUUID(), hlc(Date.now()))] });
  expect(r.status).toBe(200);
  return r.body.version as string;
};

describe('pokes', () => {
  it('pokes every open stream of the writing user and no other user', async () => {
    const alice = await client.signup();
    const bob = await client.signup();
    const a1 = await openStream(one.url, alice.access_token);
    const a2 = await openStream(one.url, alice.access_token);
    const b = await openStream(one.url, bob.access_token);
    try {
      const v = await pushTask(one.url, alice.access_token);
      await a1.until(() => a1.pokes().length > 0);
      await a2.until(() => a2.pokes().length > 0);
      expect(a1.pokes()).toEqual([{ version: v }]);
      expect(a2.pokes()).toEqual([{ version: v }]);
      // Pokes arrive in commit order: had Bob's stream got Alice's poke, it would precede Bob's own.
      const vb = await pushTask(one.url, bob.access_token);
      await b.until(() => b.pokes().length > 0);
      expect(b.pokes()).toEqual([{ version: vb }]);
      // A push that changes nothing pokes nobody; the next change does, with its version.
      await api(one.url).push(alice.access_token, { client_id: 'd', ops: [] });
      const v2 = await pushTask(one.url, alice.access_token);
      await a1.until(() => a1.pokes().length > 1);
      expect(a1.pokes()).toEqual([{ version: v }, { version: v2 }]);
      expect(b.pokes()).toEqual([{ version: vb }]);
    } finally {
      for (const s of [a1, a2, b]) s.close();
    }
  });

  it('a write through one instance pokes a stream opened on another instance', async () => {
    const two = await secondInstance();
    const u = await client.signup();
    const onTwo = await openStream(two.url, u.access_token);
    const onOne = await openStream(one.url, u.access_token);
    try {
      const v1 = await pushTask(one.url, u.access_token);
      await onTwo.until(() => onTwo.pokes().length > 0);
      expect(onTwo.pokes()).toEqual([{ version: v1 }]);
      const v2 = await pushTask(two.url, u.access_token);
      await onOne.until(() => onOne.pokes().length > 1);
      expect(onOne.pokes()).toEqual([{ version: v1 }, { version: v2 }]);
    } finally {
      onTwo.close();
      onOne.close();
    }
  });

  it.runIf(process.env.DATABASE_URL)('pokes again after the listening connection was lost', async () => {
    const u = await client.signup();
    const stream = await openStream(one.url, u.access_token);
    try {
      const killed = await db.query<{ ok: boolean }>(
        "SELECT pg_terminate_backend(pid, 5000) AS ok FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
      );
      expect(killed.length).toBeGreaterThan(0);
      // Pokes sent while the server reconnects may be lost; within a few seconds they must flow again.
      const deadline = Date.now() + 10_000;
      while (stream.pokes().length === 0 && Date.now() < deadline) {
        await pushTask(one.url, u.access_token);
        await stream.until(() => stream.pokes().length > 0, 500).catch(() => {});
      }
      expect(stream.pokes().length).toBeGreaterThan(0);
    } finally {
      stream.close();
    }
  });

  it('sends keep-alive comments', async () => {
    const s = await secondInstance({ sync: { keepAliveMs: 50 } });
    const u = await client.signup();
    const stream = await openStream(s.url, u.access_token);
    try {
      await stream.until(
        () => stream.frames.filter((f) => f.startsWith(':') && /keep-alive/.test(f)).length >= 3,
        3000,
      );
      // every frame is either a comment or a poke: nothing a client would mistake for data
      for (const f of stream.frames) expect(f).toMatch(/^(:|event: poke\n)/);
    } finally {
      stream.close();
    }
  });

  it('refuses a stream without a valid token', async () => {
    const r = await fetch(`${one.url}/v1/sync/events`, { headers: { authorization: 'Bearer nope' } });
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });
});

describe('tombstone horizon', () => {
  it('prunes old tombstones: an older cursor gets 410 reset_required, a fresh pull works', async () => {
    const clock = fakeClock(T0);
    const s = await secondInstance({ clock });
    const c = api(s.url);
    const u = await c.signup();
    const [x, y] = [randomUUID(), randomUUID()];
    const push = async (token: string, ops: ReturnType<typeof op>[]) => {
      const r = await c.push(token, { client_id: 'd', ops });
      expect(r.status).toBe(200);
    };
    await push(u.access_token, [newTask(x, hlc(T0)), newTask(y, hlc(T0))]);
    const before = await pullAll(c, u.access_token); // cursor at version 2
    await push(u.access_token, [op('tasks', x, 'DELETE', hlc(T0 + 1))]); // version 3
    const seenDelete = await pullAll(c, u.access_token, before.cursor);
    expect(seenDelete.changes).toMatchObject([{ entity_id: x, deleted: true, version: '3' }]);

    clock.advance(91 * 24 * 3600 * 1000);
    const login = await c.call('POST', '/v1/auth/login', { body: { email: u.email, password: u.password } });
    expect(login.status).toBe(200);
    const token = login.body.access_token as string;
    const deleteY = op('tasks', y, 'DELETE', hlc(clock.now()));
    await push(token, [deleteY]); // version 4: a fresh tombstone

    // Not pruned yet: the old cursor still works.
    expect((await c.pull(token, `?cursor=${before.cursor}`)).status).toBe(200);
    const pruned = await s.server.prune();
    expect(pruned.tombstones).toBeGreaterThanOrEqual(1);
    expect(pruned.ledger).toBeGreaterThanOrEqual(2);

    const old = await c.pull(token, `?cursor=${before.cursor}`);
    expect(old.status).toBe(410);
    expect(old.body.error.code).toBe('reset_required');
    // A cursor that already saw the pruned tombstone is still good.
    const recent = await pullAll(c, token, seenDelete.cursor);
    expect(recent.changes).toMatchObject([{ entity_id: y, deleted: true, version: '4' }]);
    // Resync from scratch: the pruned tombstone is gone, the young one is kept.
    const fresh = await pullAll(c, token);
    expect(fresh.changes).toEqual([
      { entity: 'tasks', entity_id: y, version: '4', deleted: true, hlc: deleteY.hlc, data: null },
    ]);
    expect((await c.pull(token, `?cursor=${fresh.cursor}`)).status).toBe(200);
  });
});
