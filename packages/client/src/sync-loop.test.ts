import { api, startTestServer, type TestServer } from '@selftracker/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connectivity } from './connectivity.ts';
import type { SqliteDriver } from './driver.ts';
import { openNodeDriver } from './drivers/node/index.ts';
import type { Engine, EngineOptions } from './engine.ts';
import { describeSyncProblem } from './status.ts';
import { openDevice, tempDir } from './testing/index.ts';
import type { FetchLike } from './transport.ts';

/**
 * The engine's sync loop against the real in-process server: how failures become status codes a person can
 * read, and resyncs that never leave the user looking at an empty list.
 */

let server: TestServer;
const dir = tempDir('selftracker-loop-');
const cleanup: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const c of cleanup.splice(0)) await c().catch(() => {});
  await server.close();
  dir.cleanup();
});

const PASSWORD = 'password123';
let n = 0;

/** A fetch the test can intercept: `next` answers (or acts before) the next request whose path matches. */
function interceptingFetch() {
  const hooks: { match: RegExp; run: (url: string, init?: RequestInit) => Promise<Response | undefined> }[] =
    [];
  let down = false;
  const f: FetchLike = async (url, init) => {
    if (down) throw new TypeError('fetch failed');
    const i = hooks.findIndex((h) => h.match.test(url));
    if (i >= 0) {
      const [h] = hooks.splice(i, 1);
      const answer = await h!.run(url, init);
      if (answer) return answer;
    }
    return fetch(url, init);
  };
  return {
    fetch: f,
    next(match: RegExp, run: (url: string) => Promise<Response | undefined>) {
      hooks.push({ match, run });
    },
    setDown(v: boolean) {
      down = v;
    },
  };
}

async function device(
  opts: Partial<Omit<EngineOptions, 'driver' | 'server'>> = {},
): Promise<{ engine: Engine; file: string; db: SqliteDriver; email: string }> {
  const file = `${dir.path}/d${n++}.db`;
  const email = `loop${Date.now()}-${n}@example.com`;
  const engine = await openDevice(file, server.url, opts);
  await engine.signup(email, PASSWORD);
  const db = openNodeDriver(file); // a second connection, as another process on the file would have
  cleanup.push(
    () => engine.close(),
    () => db.close(),
  );
  return { engine, file, db, email };
}

const titles = async (e: Engine) => (await e.tasks.list()).map((t) => t.title).sort();

describe('sync status: what went wrong, in a closed set of codes', () => {
  it('a session the server refuses, refresh included, is "unauthorized": sign in again, data kept', async () => {
    const { engine, db, email } = await device();
    await engine.tasks.create({ title: 'kept' });
    const [rt] = await db.query<{ value: string }>(
      "SELECT value FROM sync_state WHERE key = 'refresh_token'",
    );
    const out = await api(server.url).call('POST', '/v1/auth/logout', { body: { refresh_token: rt!.value } });
    expect(out.status).toBeLessThan(300);
    await db.exec("UPDATE sync_state SET value = 'expired' WHERE key = 'access_token'");

    await expect(engine.sync()).rejects.toThrow(/sign in again/);
    expect(engine.status).toMatchObject({ state: 'unauthorized', phase: 'signed-out', pending: 1 });
    expect(engine.status.lastError?.code).toBe('unauthorized');
    expect(describeSyncProblem(engine.status.lastError!, 1).sentence).toBe(
      'Signed out on this device — sign in again',
    );
    expect((await engine.lastSync()).error?.code).toBe('unauthorized');
    expect(await titles(engine)).toEqual(['kept']);

    await engine.login(email, PASSWORD);
    expect(engine.status.lastError).toBeNull();
    const r = await engine.sync();
    expect(r.pushed).toBe(1);
    expect(engine.status).toMatchObject({ state: 'idle', pending: 0 });
  });

  it('a request that never settles fails after requestTimeoutMs as "server-unreachable", and the next round pushes', async () => {
    // Seen in the chaos run: after a connection reset, Node's fetch waited with no socket left, no answer and no
    // error, and the round (and with it the whole sync loop) waited with it.
    let stall = true;
    const stalling: FetchLike = (url, init) => {
      if (!stall || !url.endsWith('/v1/sync/push')) return fetch(url, init);
      stall = false;
      return new Promise((_, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      });
    };
    const { engine } = await device({ fetch: stalling, requestTimeoutMs: 300 });
    await engine.tasks.create({ title: 'after a stall' });
    await expect(engine.sync()).rejects.toThrow(/no answer from .* within 0.3 s/);
    expect(engine.status.lastError?.code).toBe('server-unreachable');
    expect((await engine.sync()).pushed).toBe(1);
    expect(engine.status).toMatchObject({ pending: 0, lastError: null });
  });

  it('a request that cannot reach the server is "server-unreachable", or "offline" when the device has no network', async () => {
    const net = interceptingFetch();
    let network = true;
    const connectivity: Connectivity = {
      isOnline: () => network,
      network: () => network,
      subscribe: () => () => {},
      report: () => {},
    };
    const { engine } = await device({ fetch: net.fetch, connectivity });
    await engine.tasks.create({ title: 'waiting' });
    net.setDown(true);
    await expect(engine.sync()).rejects.toThrow(/cannot reach/);
    const first = engine.status.lastError!;
    expect(first.code).toBe('server-unreachable');
    expect(describeSyncProblem(first, 1, () => '10:42').sentence).toBe(
      'Server unreachable since 10:42 — 1 change waiting',
    );
    await expect(engine.sync()).rejects.toThrow();
    expect(engine.status.lastError).toEqual(first); // the same problem, still since its start
    expect(engine.status.failureCount).toBe(2);
    network = false;
    await expect(engine.sync()).rejects.toThrow();
    expect(engine.status).toMatchObject({ phase: 'offline', lastError: { code: 'offline' } });
    net.setDown(false);
    network = true;
    await engine.sync();
    expect(engine.status).toMatchObject({ lastError: null, failureCount: 0, pending: 0 });
    expect((await engine.lastSync()).error).toBeNull();
  });

  it('backgroundSync runs one round and says whether it brought new data', async () => {
    const a = await device();
    const b = await openDevice(`${dir.path}/bg${n++}.db`, server.url);
    cleanup.push(() => b.close());
    await b.login(a.email, PASSWORD);
    expect(await b.backgroundSync()).toEqual({ ok: true, newData: false });
    await a.engine.tasks.create({ title: 'from A' });
    await a.engine.sync();
    expect(await b.backgroundSync()).toEqual({ ok: true, newData: true });
    expect(await titles(b)).toEqual(['from A']);
  });
});

describe('resync: the old rows stay visible until the new ones are in', () => {
  /** A device with two synced tasks and a local row the server does not have (what a resync must remove). */
  async function withGhost(opts: Partial<Omit<EngineOptions, 'driver' | 'server'>> = {}) {
    const d = await device(opts);
    await d.engine.tasks.create({ title: 'one' });
    await d.engine.tasks.create({ title: 'two' });
    await d.engine.sync();
    const ghost = await d.engine.tasks.create({ title: 'ghost' });
    await d.db.exec('DELETE FROM sync_queue WHERE entity_id = ?', [ghost.id]);
    return d;
  }

  it('a checksum resync cut off by a lost connection keeps every row, and the next open finishes it', async () => {
    const net = interceptingFetch();
    const d = await withGhost({ fetch: net.fetch });
    await d.db.exec("INSERT INTO sync_state (key, value) VALUES ('verify_due', '1')");
    net.next(/\/v1\/sync\/pull/, async () => undefined); // the round's own pull goes through
    net.next(/\/v1\/sync\/pull/, async () => {
      throw new TypeError('connection reset'); // the resync's first page
    });
    await expect(d.engine.sync()).rejects.toThrow(/cannot reach/);
    expect(await titles(d.engine)).toEqual(['ghost', 'one', 'two']);

    // As after a crash: a new engine on the same file picks the unfinished resync up.
    await d.engine.close();
    const again = await openDevice(d.file, server.url);
    cleanup.push(() => again.close());
    const r = await again.sync();
    expect(r.resynced).toEqual(['tasks']);
    expect(await titles(again)).toEqual(['one', 'two']);
    const [marker] = await d.db.query("SELECT value FROM sync_state WHERE key = 'resync'");
    expect(marker).toBeUndefined();
  });

  it('410 reset_required starts over keeping the outbox, including writes made while it runs', async () => {
    const net = interceptingFetch();
    const d = await withGhost({ fetch: net.fetch });
    const [one] = (await d.engine.tasks.list()).filter((t) => t.title === 'one');
    net.next(/\/v1\/sync\/pull/, async () => {
      await d.engine.tasks.update(one!.id, { title: 'one, edited during the reset' });
      await d.engine.tasks.create({ title: 'three' });
      return Response.json({ error: { code: 'reset_required', message: 'start over' } }, { status: 410 });
    });
    const r = await d.engine.sync();
    expect(r.reset).toBe(true);
    expect(await titles(d.engine)).toEqual(['one, edited during the reset', 'three', 'two']);
    expect(d.engine.status.pending).toBe(2);
    await d.engine.sync();
    const fresh = await openDevice(`${dir.path}/fresh${n++}.db`, server.url);
    cleanup.push(() => fresh.close());
    await fresh.login(d.email, PASSWORD);
    await fresh.sync();
    expect(await titles(fresh)).toEqual(['one, edited during the reset', 'three', 'two']);
  });
});
