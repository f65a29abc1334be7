/**
 * Readiness for a load balancer (`GET /v1/ready`) and graceful shutdown (`server.drain()`): ready answers 503
 * while the database does not answer (a hung database on every backend; a PostgreSQL connection cut through a
 * TCP proxy when DATABASE_URL is set) and from the moment a shutdown begins, while `/v1/health` (liveness)
 * stays 200; draining ends open event streams so their clients reconnect to another instance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './db/database.ts';
import { openPostgres } from './db/postgres.ts';
import { api, createTestDatabase, startTestServer, type TestServer } from './testing/index.ts';
import { tcpProxy } from './testing/tcp-proxy.ts';

const url = process.env.DATABASE_URL;
const ready = async (base: string) => {
  const started = performance.now();
  const r = await api(base).call('GET', '/v1/ready');
  return { ...r, ms: performance.now() - started };
};

describe('readiness and draining', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let hung = false;
  let server: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The edge fake: the same database, whose `select 1` can be made to hang (a stuck connection, a full pool).
    const hanging: Database = Object.assign(Object.create(db) as Database, {
      query: (text: string, params?: readonly unknown[]) =>
        hung && text === 'select 1' ? new Promise<never>(() => {}) : db.query(text, params),
    });
    server = await startTestServer({ db: hanging, keepDb: true, sync: { readyTimeoutMs: 300 } });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('is ready while the database answers, and 503 within the timeout while it hangs', async () => {
    const ok = await ready(server.url);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'ready' });
    expect(ok.headers.get('cache-control')).toBe('no-store');

    hung = true;
    const stuck = await ready(server.url);
    expect(stuck.status).toBe(503);
    expect(stuck.body).toEqual({ status: 'unavailable', reason: 'database unavailable' });
    expect(stuck.headers.get('retry-after')).toBe('1');
    expect(stuck.ms).toBeLessThan(2000);
    expect((await api(server.url).call('GET', '/v1/health')).status).toBe(200);

    hung = false;
    expect((await ready(server.url)).status).toBe(200);
  });

  it('drain: not ready from then on, and every open event stream ends so its client reconnects elsewhere', async () => {
    const u = await api(server.url).signup();
    const res = await fetch(`${server.url}/v1/sync/events`, {
      headers: { authorization: `Bearer ${u.access_token}` },
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })();

    server.server.drain();
    const r = await ready(server.url);
    expect(r.status).toBe(503);
    expect(r.body.reason).toBe('shutting down');
    const outcome = await Promise.race([ended, new Promise((res) => setTimeout(() => res('open'), 3000))]);
    expect(outcome).toBe(true);
    // Requests still in flight or arriving during the drain are served.
    expect((await api(server.url).pull(u.access_token)).status).toBe(200);
  });
});

describe.runIf(url)('readiness through a PostgreSQL outage', () => {
  let direct: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxied: Database;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  let server: TestServer;

  beforeAll(async () => {
    direct = await createTestDatabase();
    const [{ name }] = (await direct.query<{ name: string }>('SELECT current_database() AS name')) as [
      { name: string },
    ];
    proxy = await tcpProxy(new URL(url!));
    const via = new URL(url!);
    via.host = `127.0.0.1:${proxy.port}`;
    via.pathname = `/${name}`;
    proxied = await openPostgres(via.toString(), { poolSize: 3 });
    server = await startTestServer({ db: proxied, keepDb: true, sync: { readyTimeoutMs: 1000 } });
  });
  afterAll(async () => {
    await server?.close();
    await proxied?.close();
    await proxy?.close();
    await direct?.close();
  });

  it('503 while PostgreSQL is unreachable, ready again once it is back', async () => {
    expect((await ready(server.url)).status).toBe(200);
    proxy.cut();
    const down = await ready(server.url);
    expect(down.status).toBe(503);
    expect(down.body.reason).toBe('database unavailable');
    expect(JSON.stringify(down.body)).not.toContain('127.0.0.1'); // no detail for an unauthenticated caller
    expect((await api(server.url).call('GET', '/v1/health')).status).toBe(200);
    proxy.restore();
    await expect
      .poll(async () => (await ready(server.url)).status, { timeout: 10_000, interval: 200 })
      .toBe(200);
  });
});
