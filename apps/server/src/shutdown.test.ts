/**
 * Graceful shutdown of the real server process: on SIGTERM it stops being ready, ends its event streams (their
 * clients reconnect to another instance), lets a request in flight finish, and exits 0 well within the drain time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api } from '@selftracker/server/testing';
import { afterAll, expect, it } from 'vitest';
import { type ServerProcess, startServer } from '../../web/e2e/harness.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'selftracker-shutdown-'));
let srv: ServerProcess | undefined;
afterAll(async () => {
  await srv?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('SIGTERM: event streams end, a request in flight is answered, and the process exits 0', async () => {
  srv = await startServer({ dataDir });
  const u = await api(srv.baseUrl).signup();
  expect((await api(srv.baseUrl).call('GET', '/v1/ready')).status).toBe(200);
  const res = await fetch(`${srv.baseUrl}/v1/sync/events`, {
    headers: { authorization: `Bearer ${u.access_token}` },
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const streamEnded = (async () => {
    for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return Date.now();
  })();

  // A push whose body is still arriving when the signal comes: it must still be answered.
  const body = JSON.stringify({ client_id: 'shutdown-test', ops: [] });
  let sendRest: () => void = () => {};
  const rest = new Promise<void>((r) => {
    sendRest = r;
  });
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const bytes = new TextEncoder().encode(body);
      controller.enqueue(bytes.slice(0, 5));
      await rest;
      controller.enqueue(bytes.slice(5));
      controller.close();
    },
  });
  const inFlight = fetch(`${srv.baseUrl}/v1/sync/push`, {
    method: 'POST',
    headers: { authorization: `Bearer ${u.access_token}`, 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  await new Promise((r) => setTimeout(r, 200));

  const exited = new Promise<number | null>((r) => srv!.child.once('exit', (code) => r(code)));
  const signalled = Date.now();
  srv.child.kill('SIGTERM');
  const endedAt = await streamEnded;
  expect(endedAt - signalled).toBeLessThan(3000);
  sendRest();
  const answered = await inFlight;
  expect(answered.status).toBe(200);
  expect(await exited).toBe(0);
  expect(Date.now() - signalled).toBeLessThan(8000);
}, 60_000);
