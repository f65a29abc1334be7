/**
 * Protocol conformance: walks PROTOCOL.md endpoint by endpoint and status by status against a real HTTP
 * server on a real database. Written from the contract, not from the implementation: the checksum is
 * recomputed here with node:crypto, independently of @selftracker/core.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestServer, type TestServer } from './testing/index.ts';

const HORIZON_MS = 60_000;
const PER_ADDRESS = 60; // PROTOCOL.md: the per-address limit must allow at least 60 auth requests a minute
let offset = 0; // injected clock = real time + offset
let server: TestServer;
let http: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startTestServer({
    clock: { now: () => Date.now() + offset },
    sync: { horizonMs: HORIZON_MS },
    limits: { authPerAddressPerMinute: PER_ADDRESS },
  });
  http = api(server.url);
});
afterAll(async () => {
  await server?.close();
});

// ---- helpers -------------------------------------------------------------------------------------

const T = 1_764_000_000_000;
let seq = 0;
const hlc = () => `${String(Date.now()).padStart(15, '0')}-${String(seq++ % 100_000).padStart(5, '0')}-conformance`;
const op = (entity: string, entity_id: string, operation: string, data?: Record<string, unknown>) => ({
  op_id: randomUUID(),
  entity,
  entity_id,
  operation,
  ...(data === undefined ? {} : { data }),
  hlc: hlc(),
});
const createTask = (id: string, title = 'Write report', extra: Record<string, unknown> = {}) =>
  op('tasks', id, 'CREATE', { title, created_at: T, updated_at: T, ...extra });
/** Every auth call from its own address, so the per-address limit under test does not interfere. */
const addr = () => ({ 'x-test-address': `10.${randomBytes(3).join('.')}` });
const email = () => `u${randomBytes(6).toString('hex')}@example.com`;
const auth = (path: string, body: unknown, headers: Record<string, string> = addr()) =>
  http.call('POST', `/v1/auth/${path}`, { body, headers });
async function user() {
  const creds = { email: email(), password: 'correct horse battery' };
  const r = await auth('signup', creds);
  expect(r.status).toBe(201);
  return { ...creds, ...(r.body as { user_id: string; access_token: string; refresh_token: string }) };
}
const push = async (token: string, ops: unknown[]) => {
  const r = await http.push(token, { client_id: randomUUID(), ops });
  expect(r.status).toBe(200);
  return r.body as { results: any[]; version: string };
};
const pullAll = async (token: string) => {
  const changes: any[] = [];
  let cursor = '';
  for (;;) {
    const r = await http.pull(token, cursor ? `?cursor=${encodeURIComponent(cursor)}` : '');
    expect(r.status).toBe(200);
    changes.push(...r.body.changes);
    cursor = r.body.cursor;
    if (!r.body.has_more) return { changes, cursor };
  }
};
const keys = (o: object) => Object.keys(o).sort();
const VERSION = /^(0|[1-9]\d*)$/;
const expectError = (r: { status: number; body: any }, status: number, code: string) => {
  expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status, code });
  expect(keys(r.body)).toEqual(['error']);
  expect(keys(r.body.error)).toEqual(['code', 'message']);
  expect(r.body.error.message).toMatch(/\S/);
};

/** PROTOCOL.md "Checksums", written from the text: canonical JSON, first 4 bytes of SHA-256, sum mod 2^32. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}
function checksumOf(rows: { entity_id: string; deleted: boolean; data: unknown }[]): string {
  let sum = 0;
  for (const r of rows) {
    const h = createHash('sha256').update(canonical({ data: r.data, deleted: r.deleted, entity_id: r.entity_id }), 'utf8');
    sum = (sum + h.digest().readUInt32BE(0)) % 2 ** 32;
  }
  return sum.toString(16).padStart(8, '0');
}

// ---- tests ---------------------------------------------------------------------------------------

describe('conventions', () => {
  it('GET /v1/health answers 200 {status: ok} with no auth and no protocol header', async () => {
    const r = await http.call('GET', '/v1/health');
    expect(r).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(keys(r.body)).toEqual(['status']);
  });

  it('answers 404 with an error body for unknown routes', async () => {
    expectError(await http.call('GET', '/v1/nope'), 404, 'not_found');
    const { access_token } = await user();
    expectError(await http.call('GET', '/v1/sync/nope', { token: access_token }), 404, 'not_found');
  });

  it('answers 426 upgrade_required for protocol 2 and accepts an explicit or missing 1', async () => {
    const { access_token } = await user();
    const v2 = { 'x-selftracker-protocol': '2' };
    expectError(await http.call('GET', '/v1/sync/pull', { token: access_token, headers: v2 }), 426, 'upgrade_required');
    expectError(await auth('login', { email: email(), password: 'whatever12' }, v2), 426, 'upgrade_required');
    const v1 = await http.call('GET', '/v1/sync/pull', { token: access_token, headers: { 'x-selftracker-protocol': '1' } });
    expect(v1.status).toBe(200);
    expect((await http.pull(access_token)).status).toBe(200);
  });

  it('answers 415 for a body that is not application/json', async () => {
    const { access_token } = await user();
    const body = JSON.stringify({ client_id: 'c', ops: [] });
    const plain = { 'content-type': 'text/plain' };
    expectError(await http.call('POST', '/v1/sync/push', { token: access_token, body, headers: plain }), 415, 'unsupported_media_type');
    const creds = JSON.stringify({ email: email(), password: 'correct horse battery' });
    expectError(await auth('signup', creds, { ...addr(), ...plain }), 415, 'unsupported_media_type');
  });

  it('answers 400 invalid_request for malformed JSON and a wrong shape', async () => {
    const { access_token } = await user();
    expectError(await http.push(access_token, '{"client_id": "c", "ops": ['), 400, 'invalid_request');
    expectError(await http.push(access_token, { client_id: 'c', ops: [], extra: 1 }), 400, 'invalid_request');
    expectError(await auth('signup', { email: email() }), 400, 'invalid_request');
    expectError(await http.pull(access_token, '?limit=0'), 400, 'invalid_request');
  });
});

describe('auth', () => {
  it('signup answers 201 {user_id, access_token, refresh_token, expires_in}', async () => {
    const r = await auth('signup', { email: email(), password: 'correct horse battery' });
    expect(r.status).toBe(201);
    expect(keys(r.body)).toEqual(['access_token', 'expires_in', 'refresh_token', 'user_id']);
    expect(r.body.user_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Number.isInteger(r.body.expires_in) && r.body.expires_in > 0 && r.body.expires_in <= 3600).toBe(true);
    expect((await http.pull(r.body.access_token)).status).toBe(200);
  });

  it('signup answers 409 email_taken, comparing emails case-insensitively', async () => {
    const u = await user();
    expectError(await auth('signup', { email: u.email, password: 'another password' }), 409, 'email_taken');
    expectError(await auth('signup', { email: u.email.toUpperCase(), password: 'another password' }), 409, 'email_taken');
  });

  it('login answers 200 with the same shape, for the email in any case', async () => {
    const u = await user();
    const r = await auth('login', { email: u.email.toUpperCase(), password: u.password });
    expect(r.status).toBe(200);
    expect(keys(r.body)).toEqual(['access_token', 'expires_in', 'refresh_token', 'user_id']);
    expect(r.body.user_id).toBe(u.user_id);
    expect((await http.pull(r.body.access_token)).status).toBe(200);
  });

  it('login answers the same 401 invalid_credentials for an unknown email and a wrong password', async () => {
    const u = await user();
    const wrong = await auth('login', { email: u.email, password: 'wrong password' });
    const unknown = await auth('login', { email: email(), password: u.password });
    expectError(wrong, 401, 'invalid_credentials');
    expect(unknown).toEqual({ ...wrong, headers: unknown.headers });
  });

  it('refresh rotates: 200 with the same shape, and the old refresh token stops working', async () => {
    const u = await user();
    const r = await auth('refresh', { refresh_token: u.refresh_token });
    expect(r.status).toBe(200);
    expect(keys(r.body)).toEqual(['access_token', 'expires_in', 'refresh_token', 'user_id']);
    expect(r.body.user_id).toBe(u.user_id);
    expect(r.body.refresh_token).not.toBe(u.refresh_token);
    expect((await http.pull(r.body.access_token)).status).toBe(200);
    const again = await auth('refresh', { refresh_token: u.refresh_token });
    expectError(again, 401, 'unauthorized');
    expect(again.headers.get('www-authenticate')).toBe('Bearer');
    expect((await auth('refresh', { refresh_token: r.body.refresh_token })).status).toBe(200);
  });

  it('logout answers 204 and ends that refresh token; an unknown token also gets 204', async () => {
    const u = await user();
    const r = await auth('logout', { refresh_token: u.refresh_token });
    expect(r).toMatchObject({ status: 204, body: null });
    expectError(await auth('refresh', { refresh_token: u.refresh_token }), 401, 'unauthorized');
    expect((await auth('logout', { refresh_token: u.refresh_token })).status).toBe(204);
    expect((await auth('logout', { refresh_token: randomBytes(32).toString('base64url') })).status).toBe(204);
  });

  it('sync without a valid bearer token is 401 unauthorized with WWW-Authenticate: Bearer', async () => {
    for (const token of [undefined, 'not-a-jwt', 'a.b.c']) {
      for (const path of ['/v1/sync/pull', '/v1/sync/checksum', '/v1/sync/events']) {
        const r = await http.call('GET', path, token ? { token } : {});
        expectError(r, 401, 'unauthorized');
        expect(r.headers.get('www-authenticate')).toBe('Bearer');
      }
      expectError(await http.push(token as string, { client_id: 'c', ops: [] }), 401, 'unauthorized');
    }
  });

  it('from the 11th failed login every login for that email is 429, even with the right password', async () => {
    const u = await user();
    const other = await user();
    for (let i = 0; i < 10; i++) {
      expectError(await auth('login', { email: u.email, password: `wrong ${i}` }), 401, 'invalid_credentials');
    }
    const r = await auth('login', { email: u.email.toUpperCase(), password: u.password });
    expectError(r, 429, 'rate_limited');
    const retry = Number(r.headers.get('retry-after'));
    expect(Number.isInteger(retry) && retry >= 1 && retry <= 15 * 60).toBe(true);
    expect((await auth('login', { email: other.email, password: other.password })).status).toBe(200);
    offset += 15 * 60_000 + 1000; // the window passes
    expect((await auth('login', { email: u.email, password: u.password })).status).toBe(200);
  });

  it('a successful login before the 11th failure resets the count', async () => {
    const u = await user();
    for (let i = 0; i < 9; i++) expect((await auth('login', { email: u.email, password: 'nope nope' })).status).toBe(401);
    expect((await auth('login', { email: u.email, password: u.password })).status).toBe(200);
    for (let i = 0; i < 9; i++) expect((await auth('login', { email: u.email, password: 'nope nope' })).status).toBe(401);
    expect((await auth('login', { email: u.email, password: u.password })).status).toBe(200);
  });

  it('limits auth requests per address, with Retry-After, allowing at least 60 a minute', async () => {
    const a = addr();
    for (let i = 0; i < PER_ADDRESS; i++) {
      expect((await auth('logout', { refresh_token: `unknown-${i}` }, a)).status).toBe(204);
    }
    const r = await auth('logout', { refresh_token: 'one too many' }, a);
    expectError(r, 429, 'rate_limited');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await auth('logout', { refresh_token: 'x' })).status).toBe(204); // another address is unaffected
    offset += 61_000;
    expect((await auth('logout', { refresh_token: 'x' }, a)).status).toBe(204);
  });
});

describe('push', () => {
  it('answers one result per op in order, a decimal string version, and a row on every rejection', async () => {
    const { access_token } = await user();
    const [a, b, missing] = [randomUUID(), randomUUID(), randomUUID()];
    const first = await push(access_token, [createTask(a), createTask(b)]);
    expect(keys(first)).toEqual(['results', 'version']);
    expect(first.version).toBe('2');
    const ops = [
      op('tasks', a, 'UPDATE', { status: 'done', updated_at: T + 1 }),
      op('tasks', b, 'UPDATE', { title: '' }),
      op('tasks', missing, 'UPDATE', { title: 'x' }),
      op('projects', missing, 'DELETE'),
      createTask(randomUUID(), 'third'),
    ];
    const res = await push(access_token, ops);
    expect(res.version).toMatch(VERSION);
    expect(res.version).toBe('4');
    expect(res.results.map((r) => [r.op_id, r.status, r.error?.code])).toEqual([
      [ops[0]!.op_id, 'applied', undefined],
      [ops[1]!.op_id, 'rejected', 'invalid_op'],
      [ops[2]!.op_id, 'rejected', 'not_found'],
      [ops[3]!.op_id, 'rejected', 'not_found'],
      [ops[4]!.op_id, 'applied', undefined],
    ]);
    expect(keys(res.results[0])).toEqual(['op_id', 'status']);
    for (const r of res.results.slice(1, 4)) expect(keys(r)).toEqual(['error', 'op_id', 'row', 'status']);
    const { changes } = await pullAll(access_token);
    expect(res.results[1].row).toEqual(changes.find((c) => c.entity_id === b));
    expect(res.results[1].row).toMatchObject({ entity: 'tasks', entity_id: b, version: '2', deleted: false });
    expect(res.results[2].row).toBeNull();
    expect(res.results[3].row).toBeNull();
  });

  it('answers duplicate for a repeated op, the same rejection for a repeated rejected op, op_id_reused otherwise', async () => {
    const { access_token } = await user();
    const id = randomUUID();
    const create = createTask(id);
    const bad = op('tasks', id, 'UPDATE', { status: 'archived' });
    const first = await push(access_token, [create, bad]);
    expect(first.results.map((r) => r.status)).toEqual(['applied', 'rejected']);
    const again = await push(access_token, [create, bad, { ...create, data: { ...create.data, title: 'other' } }]);
    expect(again.results[0]).toEqual({ op_id: create.op_id, status: 'duplicate' });
    expect(again.results[1]).toEqual(first.results[1]);
    expect(again.results[2]).toMatchObject({ op_id: create.op_id, status: 'rejected', error: { code: 'op_id_reused' } });
    expect(again.results[2].row).toMatchObject({ entity_id: id, data: { title: 'Write report' } });
    expect(again.version).toBe(first.version);
  });

  it('answers 413 for a body over 2 MiB, with or without Content-Length, and accepts exactly 2 MiB', async () => {
    const { access_token } = await user();
    const head = '{"client_id":"c","ops":[]';
    const exact = head + ' '.repeat(2 * 1024 * 1024 - head.length - 1) + '}';
    expect((await http.push(access_token, exact)).status).toBe(200);
    const over = `${head},"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`;
    expectError(await http.push(access_token, over), 413, 'payload_too_large');
    const chunked = await fetch(`${server.url}/v1/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: new Blob([over]).stream(),
      duplex: 'half',
    } as RequestInit);
    expectError({ status: chunked.status, body: await chunked.json() }, 413, 'payload_too_large');
    expect((await http.pull(access_token)).status).toBe(200); // the next request is not hit by a torn-down socket
  });

  it('answers 413 for more than 1000 operations and applies none of them; 1000 are fine', async () => {
    const { access_token } = await user();
    const ops = Array.from({ length: 1001 }, (_, i) => createTask(randomUUID(), `task ${i}`));
    expectError(await http.push(access_token, { client_id: 'c', ops }), 413, 'payload_too_large');
    expect((await pullAll(access_token)).changes).toEqual([]);
    const ok = await push(access_token, ops.slice(0, 1000));
    expect(ok.results).toHaveLength(1000);
    expect(ok.results.every((r, i) => r.status === 'applied' && r.op_id === ops[i]!.op_id)).toBe(true);
    expect(ok.version).toBe('1000');
  });
});

describe('pull', () => {
  it('pages in version order with cursor, limit and has_more; each row once at its latest state', async () => {
    const { access_token } = await user();
    const ids = Array.from({ length: 5 }, () => randomUUID());
    await push(access_token, ids.map((id, i) => createTask(id, `t${i}`)));
    await push(access_token, [op('tasks', ids[0]!, 'UPDATE', { status: 'done' }), op('tasks', ids[1]!, 'DELETE')]);
    const seen: any[] = [];
    let cursor: string | undefined;
    const pages: boolean[] = [];
    for (;;) {
      const r = await http.pull(access_token, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status).toBe(200);
      expect(keys(r.body)).toEqual(['changes', 'cursor', 'has_more']);
      expect(typeof r.body.cursor).toBe('string');
      expect(r.body.changes.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.changes);
      pages.push(r.body.has_more);
      cursor = r.body.cursor;
      if (!r.body.has_more) break;
    }
    expect(pages).toEqual([true, true, false]);
    expect(seen.map((c) => [c.entity_id, c.version])).toEqual([
      [ids[2], '3'],
      [ids[3], '4'],
      [ids[4], '5'],
      [ids[0], '6'],
      [ids[1], '7'],
    ]);
    for (const c of seen) expect(keys(c)).toEqual(['data', 'deleted', 'entity', 'entity_id', 'version']);
    expect(seen[3]).toEqual({
      entity: 'tasks',
      entity_id: ids[0],
      version: '6',
      deleted: false,
      data: { title: 't0', description: null, status: 'done', project_id: null, due_at: null, created_at: T, updated_at: T },
    });
    expect(seen[4]).toEqual({ entity: 'tasks', entity_id: ids[1], version: '7', deleted: true, data: null });
    const tail = await http.pull(access_token, `?cursor=${encodeURIComponent(cursor!)}`);
    expect(tail.body).toEqual({ changes: [], cursor, has_more: false });
  });

  it('answers 410 reset_required for a cursor older than the tombstone horizon; a fresh pull works', async () => {
    const { access_token } = await user();
    const [gone, kept] = [randomUUID(), randomUUID()];
    await push(access_token, [createTask(gone), createTask(kept)]);
    const { cursor: old } = await pullAll(access_token);
    await push(access_token, [op('tasks', gone, 'DELETE')]);
    const { cursor: recent } = await pullAll(access_token);
    offset += HORIZON_MS + 1000;
    const pruned = await server.server.prune();
    expect(pruned.tombstones).toBeGreaterThanOrEqual(1);
    expectError(await http.pull(access_token, `?cursor=${encodeURIComponent(old)}`), 410, 'reset_required');
    expect((await http.pull(access_token, `?cursor=${encodeURIComponent(recent)}`)).status).toBe(200);
    const fresh = await pullAll(access_token);
    expect(fresh.changes.map((c) => c.entity_id)).toEqual([kept]);
  });
});

describe('checksum', () => {
  it('lists all three entities, and each figure recomputes from the pulled rows', async () => {
    const { access_token } = await user();
    const empty = await http.call('GET', '/v1/sync/checksum', { token: access_token });
    expect(empty).toMatchObject({ status: 200, body: { version: '0' } });
    expect(keys(empty.body)).toEqual(['entities', 'version']);
    for (const n of ['projects', 'tasks', 'timers']) expect(empty.body.entities[n]).toEqual({ count: 0, checksum: '00000000' });
    const [p, t1, t2, tm] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await push(access_token, [
      op('projects', p, 'CREATE', { name: 'Ünïcödé 🚀 "quoted" \\ back\nline \u2028 \u0001', color: '#a0B0c0', created_at: T, updated_at: T }),
      createTask(t1, 'title', { description: '</script> ☃', project_id: p, due_at: T + 5 }),
      createTask(t2, 'to delete'),
      op('timers', tm, 'CREATE', { task_id: t1, started_at: T, stopped_at: T + 1000, note: '', created_at: T, updated_at: T }),
      op('tasks', t2, 'DELETE'),
    ]);
    const { changes } = await pullAll(access_token);
    const r = await http.call('GET', '/v1/sync/checksum', { token: access_token });
    expect(r.status).toBe(200);
    expect(r.body.version).toBe('5');
    expect(keys(r.body.entities)).toEqual(['projects', 'tasks', 'timers']);
    for (const n of ['projects', 'tasks', 'timers']) {
      const rows = changes.filter((c) => c.entity === n);
      expect(r.body.entities[n]).toEqual({ count: rows.length, checksum: checksumOf(rows) });
      expect(r.body.entities[n].checksum).toMatch(/^[0-9a-f]{8}$/);
    }
    expect(r.body.entities.tasks.count).toBe(2); // the tombstone counts
  });
});

describe('events', () => {
  it('streams event: poke with data {"version": "N"} after a push', async () => {
    const { access_token } = await user();
    const ac = new AbortController();
    try {
      const res = await fetch(`${server.url}/v1/sync/events`, {
        headers: { authorization: `Bearer ${access_token}` },
        signal: ac.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      const nextPoke = async () => {
        for (;;) {
          const blocks = buf.split('\n\n');
          buf = blocks.pop()!;
          const poke = blocks.find((b) => b.split('\n').includes('event: poke'));
          if (poke) return poke;
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buf += value;
        }
      };
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no poke within 10 s')), 10_000));
      const pushed = await push(access_token, [createTask(randomUUID()), createTask(randomUUID())]);
      expect(pushed.version).toBe('2');
      const poke = await Promise.race([nextPoke(), timeout]);
      const data = poke.split('\n').find((l) => l.startsWith('data:'))!;
      expect(JSON.parse(data.slice(5))).toEqual({ version: '2' });
    } finally {
      ac.abort();
    }
  });
});
