/**
 * Connections that would live too long: a body trickled in byte by byte, an event stream outliving its token,
 * one user opening streams without end, and a client that disconnects mid-push (not a server error).
 */
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from './context.ts';
import { hlc, newTask } from './test-fixtures.ts';
import { api, startTestServer, type TestServer } from './testing/index.ts';

const SECRET = new TextEncoder().encode('connections-secret-connections-secret');
const logged: { level: string; obj: object; msg: string | undefined }[] = [];
const log: Logger = {
  info: (obj, msg) => logged.push({ level: 'info', obj, msg }),
  warn: (obj, msg) => logged.push({ level: 'warn', obj, msg }),
  error: (obj, msg) => logged.push({ level: 'error', obj, msg }),
};
let server: TestServer;
let http: ReturnType<typeof api>;
beforeAll(async () => {
  server = await startTestServer({
    auth: { jwtSecret: SECRET, scryptN: 1024, accessTtlSeconds: 2 },
    sync: { bodyTimeoutMs: 1000, maxStreamsPerUser: 2 },
    log,
  });
  http = api(server.url);
});
afterAll(async () => {
  await server?.close();
});

/** A raw HTTP/1.1 request whose body the test writes (or does not) at its own pace. */
function rawRequest(path: string, headers: Record<string, string>) {
  const { port } = new URL(server.url);
  const socket: Socket = connect(Number(port), '127.0.0.1');
  let response = '';
  socket.setEncoding('utf8');
  socket.on('data', (d) => {
    response += d;
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const head = Object.entries({ host: '127.0.0.1', ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n`);
  return { socket, closed, response: () => response };
}

/** Reads an event stream; `ended` resolves when the server closes it. */
async function stream(token: string) {
  const res = await fetch(`${server.url}/v1/sync/events`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let text = '';
  let open = true;
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    } catch {
      // reset
    }
    open = false;
  })();
  return { ended, isOpen: () => open, text: () => text, cancel: () => reader.cancel().catch(() => {}) };
}

describe('request bodies', () => {
  it('a body trickled in byte by byte gets 408 request_timeout within the bound, and the connection closes', async () => {
    const u = await http.signup();
    const body = JSON.stringify({ client_id: 'c', ops: [newTask(randomUUID(), hlc(Date.now()))] });
    const started = Date.now();
    const req = rawRequest('/v1/sync/push', {
      authorization: `Bearer ${u.access_token}`,
      'content-type': 'application/json',
      'content-length': String(body.length),
    });
    let i = 0;
    const drip = setInterval(() => {
      if (i < body.length && !req.socket.destroyed) req.socket.write(body[i++]!);
    }, 100);
    try {
      await req.closed;
    } finally {
      clearInterval(drip);
    }
    const elapsed = Date.now() - started;
    expect(req.response()).toMatch(/^HTTP\/1\.1 408 /);
    expect(req.response()).toContain('"code":"request_timeout"');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5000);
    expect(i).toBeLessThan(body.length); // it really was still arriving
    expect((await http.pull(u.access_token)).body.changes).toEqual([]); // nothing applied
  });

  it('a body that arrives in time, even in pieces, is read', async () => {
    const u = await http.signup();
    const body = JSON.stringify({ client_id: 'c', ops: [newTask(randomUUID(), hlc(Date.now()))] });
    const req = rawRequest('/v1/sync/push', {
      authorization: `Bearer ${u.access_token}`,
      'content-type': 'application/json',
      'content-length': String(body.length),
      connection: 'close',
    });
    req.socket.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 300));
    req.socket.write(body.slice(10));
    await req.closed;
    expect(req.response()).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('a client that disconnects mid-push is logged as a disconnect, not as a 500', async () => {
    const u = await http.signup();
    const before = logged.length;
    const req = rawRequest('/v1/sync/push', {
      authorization: `Bearer ${u.access_token}`,
      'content-type': 'application/json',
      'content-length': '5000',
    });
    req.socket.write('{"client_id":"c","ops":[');
    await new Promise((r) => setTimeout(r, 200));
    req.socket.destroy();
    const deadline = Date.now() + 5000;
    const mine = () => logged.slice(before);
    while (!mine().some((l) => (l.obj as { status?: number }).status === 499) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(mine().filter((l) => l.level === 'error')).toEqual([]);
    expect(mine().map((l) => l.msg)).toContain('the client disconnected before the request body arrived');
    expect(mine().find((l) => l.msg === 'request')?.obj).toMatchObject({
      path: '/v1/sync/push',
      status: 499,
    });
  });
});

describe('event streams', () => {
  it('a stream ends when its token expires; a fresh token opens a new one', async () => {
    const u = await http.signup();
    const started = Date.now();
    const s = await stream(u.access_token);
    await s.ended;
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(3500); // the token lives 2 s (rounded down to whole seconds)
    expect(elapsed).toBeGreaterThan(500);
    const fresh = await http.call('POST', '/v1/auth/refresh', { body: { refresh_token: u.refresh_token } });
    expect(fresh.status).toBe(200);
    const again = await stream(fresh.body.access_token);
    expect(again.isOpen()).toBe(true);
    await again.cancel();
  });

  it('one user gets at most 2 streams here: a third closes the oldest, other users are untouched', async () => {
    const alice = await http.signup();
    const bob = await http.signup();
    const b = await stream(bob.access_token);
    const a1 = await stream(alice.access_token);
    const a2 = await stream(alice.access_token);
    expect([a1.isOpen(), a2.isOpen()]).toEqual([true, true]);
    const a3 = await stream(alice.access_token);
    await a1.ended;
    await new Promise((r) => setTimeout(r, 100));
    expect([a1.isOpen(), a2.isOpen(), a3.isOpen(), b.isOpen()]).toEqual([false, true, true, true]);
    for (const s of [a2, a3, b]) await s.cancel();
  });
});
