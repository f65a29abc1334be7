/**
 * Live pokes survive a PostgreSQL outage: the server reaches PostgreSQL through a TCP proxy that the test cuts
 * for 10 s. The LISTEN connection must come back by itself (with backoff, logging each attempt), and every open
 * stream is poked once when it does, since a change may have been missed meanwhile. PostgreSQL only: PGlite runs
 * in process and has no connection to lose (the suite sets DATABASE_URL on CI, see .ci).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from './context.ts';
import type { Database } from './db/database.ts';
import { openPostgres } from './db/postgres.ts';
import { hlc, newTask } from './test-fixtures.ts';
import { api, createTestDatabase, startTestServer, type TestServer } from './testing/index.ts';
import { tcpProxy } from './testing/tcp-proxy.ts';

const url = process.env.DATABASE_URL;

describe.runIf(url)('PostgreSQL outage under the LISTEN connection', () => {
  const logged: { level: string; msg: string | undefined }[] = [];
  const log: Logger = {
    info: (_o, msg) => logged.push({ level: 'info', msg }),
    warn: (_o, msg) => logged.push({ level: 'warn', msg }),
    error: (_o, msg) => logged.push({ level: 'error', msg }),
  };
  let direct: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxied: Database;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  let cutOff: TestServer; // reaches PostgreSQL through the proxy
  let other: TestServer; // another instance, straight to PostgreSQL

  beforeAll(async () => {
    direct = await createTestDatabase();
    const [{ name }] = (await direct.query<{ name: string }>('SELECT current_database() AS name')) as [
      { name: string },
    ];
    const target = new URL(url!);
    proxy = await tcpProxy(target);
    const via = new URL(url!);
    via.host = `127.0.0.1:${proxy.port}`;
    via.pathname = `/${name}`;
    proxied = await openPostgres(via.toString(), { poolSize: 3, log });
    cutOff = await startTestServer({ db: proxied, keepDb: true });
    other = await startTestServer({ db: direct, keepDb: true });
  });
  afterAll(async () => {
    await cutOff?.close();
    await other?.close();
    await proxied?.close();
    await proxy?.close();
    await direct?.close();
  });

  it('reconnects after a 10 s cut, pokes every stream once on recovery, and keeps poking', async () => {
    const u = await api(other.url).signup();
    const frames: string[] = [];
    const res = await fetch(`${cutOff.url}/v1/sync/events`, {
      headers: { authorization: `Bearer ${u.access_token}` },
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    void (async () => {
      const dec = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        frames.push(dec.decode(value));
      }
    })();
    const pokes = () => frames.join('').match(/event: poke\ndata: \{"version":"\d+"\}/g) ?? [];
    const until = async (pred: () => boolean, ms: number, what: string) => {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}: ${JSON.stringify(frames)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const push = async () => {
      const r = await api(other.url).push(u.access_token, {
        client_id: 'd',
        ops: [newTask(randomUUID(), hlc(Date.now()))],
      });
      expect(r.status).toBe(200);
      return r.body.version as string;
    };

    expect(await push()).toBe('1');
    await until(() => pokes().length === 1, 5000, 'the first poke');

    proxy.cut();
    const cutAt = Date.now();
    await until(() => logged.some((l) => l.msg?.includes('LISTEN connection lost')), 5000, 'the loss');
    // A write during the outage: its NOTIFY never reaches the cut-off instance.
    expect(await push()).toBe('2');
    await new Promise((r) => setTimeout(r, 10_000 - (Date.now() - cutAt)));
    const attempts = logged.filter((l) => l.msg === 'LISTEN connection: reconnecting').length;
    expect(attempts).toBeGreaterThanOrEqual(3); // it kept trying through the outage
    expect(pokes()).toHaveLength(1);
    proxy.restore();

    await until(
      () => logged.some((l) => l.msg === 'LISTEN connection back: pokes resumed'),
      40_000,
      'recovery',
    );
    // The recovery poke carries the version written during the outage.
    await until(() => pokes().length === 2, 5000, 'the recovery poke');
    expect(pokes()[1]).toContain('"version":"2"');
    // And live pokes flow again.
    expect(await push()).toBe('3');
    await until(() => pokes().length === 3, 5000, 'a poke after recovery');
    expect(pokes()[2]).toContain('"version":"3"');
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
    await reader.cancel().catch(() => {});
  }, 90_000);
});
