/** Per-user limits a self-hoster sets: pushes and pulls per minute, rows per user; `429` with `Retry-After`. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hlc, newTask, op, T0 } from './test-fixtures.ts';
import { api, startTestServer, type TestServer } from './testing/index.ts';

let offset = 0;
let server: TestServer;
let http: ReturnType<typeof api>;
beforeAll(async () => {
  server = await startTestServer({
    clock: { now: () => Date.now() + offset },
    limits: { pushesPerUserPerMinute: 3, pullsPerUserPerMinute: 3, rowsPerUser: 5 },
  });
  http = api(server.url);
});
afterAll(async () => {
  await server?.close();
});

const push = (token: string, n = 1) =>
  http.push(token, { client_id: 'c', ops: Array.from({ length: n }, () => newTask(randomUUID(), hlc(T0))) });

function expectLimited(r: Awaited<ReturnType<typeof push>>, maxRetryAfter: number) {
  expect([r.status, r.body.error.code]).toEqual([429, 'rate_limited']);
  const after = Number(r.headers.get('retry-after'));
  expect(after).toBeGreaterThan(0);
  expect(after).toBeLessThanOrEqual(maxRetryAfter);
}

it('pushes and pulls per user per minute: the 4th gets 429 with Retry-After, other users are untouched', async () => {
  const a = await http.signup();
  const b = await http.signup();
  for (let i = 0; i < 3; i++) expect((await push(a.access_token)).status).toBe(200);
  expectLimited(await push(a.access_token), 60);
  for (let i = 0; i < 2; i++) expect((await http.pull(a.access_token)).status).toBe(200);
  expect((await http.call('GET', '/v1/sync/checksum', { token: a.access_token })).status).toBe(200);
  expectLimited(await http.pull(a.access_token), 60);
  expectLimited(await http.call('GET', '/v1/sync/checksum', { token: a.access_token }), 60);
  expect((await push(b.access_token)).status).toBe(200);
  expect((await http.pull(b.access_token)).status).toBe(200);
  offset += 61_000; // the window passes
  expect((await push(a.access_token)).status).toBe(200);
  expect((await http.pull(a.access_token)).body.changes).toHaveLength(4); // the refused push applied nothing
});

it('rows per user: a push whose creates pass the limit gets 429 and applies nothing; updates still work', async () => {
  offset += 61_000;
  const a = await http.signup();
  expect((await push(a.access_token, 4)).status).toBe(200);
  const refused = await push(a.access_token, 2);
  expectLimited(refused, 3600);
  expect(refused.body.error.message).toMatch(/most rows/);
  const { changes } = (await http.pull(a.access_token)).body;
  expect(changes).toHaveLength(4);
  offset += 61_000; // a new minute for the push budget (3 here)
  const update = op('tasks', changes[0].entity_id, 'UPDATE', hlc(T0 + 1), { title: 'renamed' });
  expect((await http.push(a.access_token, { client_id: 'c', ops: [update] })).status).toBe(200);
  expect((await push(a.access_token, 1)).status).toBe(200); // the 5th row still fits
});
