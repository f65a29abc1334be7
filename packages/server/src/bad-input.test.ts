/**
 * Hostile and malformed input: every request here gets its documented status and code, AND leaves both
 * its sender's and another user's data exactly as it was (pull + checksum before and after, all tables).
 */

import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, startTestServer, type TestServer } from './testing/index.ts';

const SECRET = new TextEncoder().encode('bad-input-secret-bad-input-secret-0123');
let offset = 0;
let server: TestServer;
let http: ReturnType<typeof api>;
type User = Awaited<ReturnType<ReturnType<typeof api>['signup']>>;
let victim: User;
let attacker: User;
const existing = randomUUID(); // an attacker's task
const victimTask = randomUUID();

const T = 1_764_000_000_000;
let seq = 0;
const hlc = () => `${String(Date.now()).padStart(15, '0')}-${String(seq++).padStart(5, '0')}-bad-input`;
const op = (o: Record<string, unknown> = {}) => ({
  ...{ op_id: randomUUID(), entity: 'tasks', entity_id: randomUUID(), operation: 'CREATE' },
  ...{ data: { title: 'ok', created_at: T, updated_at: T }, hlc: hlc() },
  ...o,
});
const task = (d: Record<string, unknown>) => op({ data: { title: 'x', created_at: T, updated_at: T, ...d } });
const project = (d: Record<string, unknown>) =>
  op({ entity: 'projects', data: { name: 'p', created_at: T, updated_at: T, ...d } });
const timer = (d: Record<string, unknown>) =>
  op({ entity: 'timers', data: { started_at: T, created_at: T, updated_at: T, ...d } });
type Reply = Awaited<ReturnType<typeof http.call>>;

/** Everything a user can see: all rows of all three tables, and the checksums. */
async function state(token: string) {
  const changes: unknown[] = [];
  for (let cursor = '', more = true; more; ) {
    const r = await http.pull(token, cursor && `?cursor=${encodeURIComponent(cursor)}`);
    expect(r.status).toBe(200);
    changes.push(...r.body.changes);
    [cursor, more] = [r.body.cursor, r.body.has_more];
  }
  const checksum = await http.call('GET', '/v1/sync/checksum', { token });
  expect(checksum.status).toBe(200);
  return { changes, checksum: checksum.body };
}
const TABLES = ['users', 'refresh_tokens', 'op_ledger', 'projects', 'tasks', 'timers'];
let baseline: { victim: unknown; attacker: unknown };
const both = async () => ({
  victim: await state(victim.access_token),
  attacker: await state(attacker.access_token),
});
async function expectUnchanged() {
  const sql = 'SELECT to_regclass(n)::text AS t FROM unnest($1::text[]) n';
  expect((await server.db.query<{ t: string | null }>(sql, [TABLES])).map((r) => r.t)).toEqual(TABLES);
  expect(await both()).toEqual(baseline);
}
function expectError(r: Reply, status: number, code: string) {
  expect({ status: r.status, body: r.body }).toEqual({
    status,
    body: { error: { code, message: expect.any(String) } },
  });
  expect(r.body.error.message).not.toMatch(/SELECT|INSERT|DROP| {4}at /);
}

beforeAll(async () => {
  server = await startTestServer({
    clock: { now: () => Date.now() + offset },
    auth: { jwtSecret: SECRET, scryptN: 1024 },
  });
  http = api(server.url);
  victim = await http.signup();
  attacker = await http.signup();
  for (const [u, id] of [
    [victim, victimTask],
    [attacker, existing],
  ] as const) {
    const mine = `${u.email} "α" 🚀`;
    const seed = [op({ entity_id: id }), project({ name: mine }), timer({ note: mine })];
    const r = await http.push(u.access_token, { client_id: 'seed', ops: seed });
    expect(r.body.results.map((x: { status: string }) => x.status)).toEqual([
      'applied',
      'applied',
      'applied',
    ]);
  }
});
beforeEach(async () => {
  baseline = await both();
});
afterAll(async () => {
  await server?.close();
});

describe('push envelope: 400 invalid_request, nothing applied', () => {
  const raw = (body: string) => () => http.push(attacker.access_token, body);
  const json = (body: unknown) => () => http.push(attacker.access_token, body);
  const cases: [string, () => ReturnType<typeof http.call>][] = [
    ['truncated JSON', raw('{"client_id": "c", "ops": [')],
    ['empty body', raw('')],
    ['trailing garbage', raw(`${JSON.stringify({ client_id: 'c', ops: [op()] })}x`)],
    ['single quotes', raw("{'client_id': 'c', 'ops': []}")],
    ['null', json(null)],
    ['an array', json([op()])],
    ['a string', raw(JSON.stringify('{"client_id":"c","ops":[]}'))],
    ['client_id a number', json({ client_id: 7, ops: [op()] })],
    ['client_id missing', json({ ops: [op()] })],
    ['ops an object', json({ client_id: 'c', ops: { 0: op() } })],
    ['ops missing', json({ client_id: 'c' })],
    ['an op that is a string', json({ client_id: 'c', ops: [op(), 'op'] })],
    ['an op that is null', json({ client_id: 'c', ops: [op(), null] })],
    ['an op without op_id', json({ client_id: 'c', ops: [op(), { ...op(), op_id: undefined }] })],
    ['an op_id that is a number', json({ client_id: 'c', ops: [op(), op({ op_id: 12 })] })],
    ['unknown top-level field', json({ client_id: 'c', ops: [op()], user_id: randomUUID() })],
    [
      '__proto__ top-level field',
      raw(`{"client_id":"c","ops":[${JSON.stringify(op())}],"__proto__":{"x":1}}`),
    ],
  ];
  it.each(cases)('%s', async (_name, send) => {
    expectError(await send(), 400, 'invalid_request');
    await expectUnchanged();
  });
});

describe('push operations: rejected as invalid_op one by one, nothing applied', () => {
  const long = (n: number) => '🚀'.repeat(n);
  const cases: [string, Record<string, unknown>][] = [
    ['unknown op field', op({ extra: 1 })],
    ['owner in the op', op({ user_id: randomUUID() })],
    ['version in the op', op({ version: '99' })],
    ['entity users', op({ entity: 'users', data: { email: 'x@y.z' } })],
    ['entity __proto__', op({ entity: '__proto__' })],
    ['entity constructor', op({ entity: 'constructor' })],
    ['entity SQL injection', op({ entity: 'tasks; DROP TABLE tasks' })],
    ['entity "tasks" quoted', op({ entity: 'tasks" WHERE true; --' })],
    ['entity op_ledger', op({ entity: 'op_ledger' })],
    ['entity Tasks', op({ entity: 'Tasks' })],
    ['entity a number', op({ entity: 1 })],
    ['entity_id not a uuid', op({ entity_id: 'not-a-uuid' })],
    ['entity_id SQL', op({ entity_id: "' OR '1'='1" })],
    ['entity_id with braces', op({ entity_id: `{${randomUUID()}}` })],
    ['entity_id with a trailing newline', op({ entity_id: `${randomUUID()}\n` })],
    ['op_id not a uuid', op({ op_id: 'op-1' })],
    ['operation UPSERT', op({ operation: 'UPSERT' })],
    ['operation lower case', op({ operation: 'create' })],
    ['hlc missing', op({ hlc: undefined })],
    ['hlc empty', op({ hlc: '' })],
    ['hlc garbage', op({ hlc: 'yesterday' })],
    ['hlc short wall', op({ hlc: '1764000000000-00000-n' })],
    ['hlc long counter', op({ hlc: '001764000000000-000000-n' })],
    ['hlc without node', op({ hlc: '001764000000000-00000-' })],
    ['hlc a number', op({ hlc: 1764000000000 })],
    ['data missing on CREATE', op({ data: undefined })],
    ['data an array', op({ data: [] })],
    ['data a string', op({ data: 'title=x' })],
    ['title missing', op({ data: { created_at: T, updated_at: T } })],
    ['title a number', task({ title: 5 })],
    ['title empty', task({ title: '' })],
    ['title with NUL', task({ title: 'a\u0000b' })],
    ['title with a lone surrogate', task({ title: 'a\ud800' })],
    ['title of 501 code points', task({ title: long(501) })],
    ['description of 10001 chars', task({ description: 'd'.repeat(10_001) })],
    ['status unknown', task({ status: 'archived' })],
    ['due_at a float', task({ due_at: 1.5 })],
    ['due_at a string', task({ due_at: '1' })],
    ['created_at negative', task({ created_at: -1 })],
    ['created_at unsafe', task({ created_at: 2 ** 60 })],
    ['project_id not a uuid', task({ project_id: 'p' })],
    ['unknown data field', task({ owner: 'me' })],
    ['user_id in data', task({ user_id: randomUUID() })],
    ['null title on UPDATE', op({ entity_id: existing, operation: 'UPDATE', data: { title: null } })],
    ['DELETE with data', op({ entity_id: existing, operation: 'DELETE', data: { title: 'x' } })],
    ['project name of 201 code points', project({ name: long(201) })],
    ['project colour red', project({ color: 'red' })],
    ['archived a string', project({ archived: 'yes' })],
    ['timer note of 1001 chars', timer({ note: 'n'.repeat(1001) })],
    ['timer stopped before started', timer({ stopped_at: T - 1 })],
    // The rejection message names the field, and the ledger stores the message as jsonb: no 500 for these.
    ['an op field named with NUL', op({ 'x\u0000y': 1 })],
    ['an op field named with a lone surrogate', op({ 'x\udc00': 1 })],
    ['a data field named with NUL', task({ '\u0000': 'x' })],
    ['a data field named with a lone surrogate', task({ '\ud800z': 'x' })],
    ['a data field with a 100,000 character name', task({ ['k'.repeat(100_000)]: 1 })],
  ];
  it.each(cases)('%s', async (_name, bad) => {
    const r = await http.push(attacker.access_token, { client_id: 'c', ops: [bad] });
    expect(r.status).toBe(200);
    expect(r.body.version).toBe((baseline.attacker as { checksum: { version: string } }).checksum.version);
    expect(r.body.results).toHaveLength(1);
    expect(r.body.results[0]).toMatchObject({
      op_id: bad.op_id,
      status: 'rejected',
      error: { code: 'invalid_op' },
    });
    expect(r.body.results[0].error.message.length).toBeLessThan(300);
    // A replay answers the same rejection from the ledger.
    const again = await http.push(attacker.access_token, { client_id: 'c', ops: [bad] });
    expect(again.status).toBe(200);
    expect(again.body.results[0].error).toEqual(r.body.results[0].error);
    const row = r.body.results[0].row;
    if (bad.entity_id === existing && bad.entity === 'tasks')
      expect(row).toMatchObject({ entity_id: existing, deleted: false });
    else expect(row).toBeNull();
    await expectUnchanged();
  });

  // JSON.parse keeps "__proto__" as an own key; a schema library that copies objects may drop it.
  it.each(['op_id', 'title'])('an unknown __proto__ field next to %s is invalid_op', async (beside) => {
    const good = op();
    const text = JSON.stringify({ client_id: 'c', ops: [good] }).replace(
      `"${beside}"`,
      `"__proto__":{"x":1},"${beside}"`,
    );
    const r = await http.push(attacker.access_token, text);
    expect(r.status).toBe(200);
    expect(r.body.results[0]).toMatchObject({
      op_id: good.op_id,
      status: 'rejected',
      error: { code: 'invalid_op' },
    });
    await expectUnchanged();
  });

  // Such a node cannot be stored (PostgreSQL text refuses NUL; a lone surrogate would be silently replaced),
  // so the operation alone is invalid_op instead of failing the whole batch with 500.
  it.each([
    ['NUL', '\u0000'],
    ['a lone surrogate', '\ud800'],
  ])('an HLC whose node holds %s answers a result per op, not 500', async (_name, bad) => {
    const ops = [op({ hlc: `${String(Date.now()).padStart(15, '0')}-00000-a${bad}b` }), op()];
    const r = await http.push(attacker.access_token, { client_id: 'c', ops });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { op_id: string }) => x.op_id)).toEqual(ops.map((o) => o.op_id));
    expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(['rejected', 'applied']);
    expect(r.body.results[0].error.code).toBe('invalid_op');
  });
});

describe('limits and boundaries', () => {
  it('a body over 2 MiB is 413 payload_too_large', async () => {
    const ops = [op({ data: { title: 'x', description: 'd'.repeat(10_000), created_at: T, updated_at: T } })];
    const body = JSON.stringify({
      client_id: 'c',
      ops: Array.from({ length: 220 }, () => ({ ...ops[0], op_id: randomUUID() })),
    });
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    expectError(await http.push(attacker.access_token, body), 413, 'payload_too_large');
    const signup = { email: 'big@example.com', password: 'p'.repeat(3 * 1024 * 1024) };
    expectError(await http.call('POST', '/v1/auth/signup', { body: signup }), 413, 'payload_too_large');
    expect(
      (await http.call('POST', '/v1/auth/login', { body: { ...signup, password: 'p'.repeat(10) } })).status,
    ).toBe(401);
    await expectUnchanged();
  });

  it('more than 1000 operations is 413 payload_too_large', async () => {
    const ops = Array.from({ length: 1001 }, () => op());
    expectError(await http.push(attacker.access_token, { client_id: 'c', ops }), 413, 'payload_too_large');
    await expectUnchanged();
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['form encoded', 'application/x-www-form-urlencoded'],
    ['application/jsonp', 'application/jsonp'],
    ['json with a suffix', 'application/json-patch+json'],
  ])('content type %s is 415', async (_name, type) => {
    const body = JSON.stringify({ client_id: 'c', ops: [op()] });
    const r = await http.call('POST', '/v1/sync/push', {
      token: attacker.access_token,
      body,
      headers: { 'content-type': type },
    });
    expectError(r, 415, 'unsupported_media_type');
    await expectUnchanged();
  });

  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  it.each([
    ['cursor garbage', 'cursor=garbage!'],
    ['cursor empty', 'cursor='],
    ['cursor negative', `cursor=${b64('v1:-1')}`],
    ['cursor another format', `cursor=${b64('v2:1')}`],
    ['cursor leading zero', `cursor=${b64('v1:01')}`],
    ['cursor SQL', `cursor=${encodeURIComponent('1 OR 1=1')}`],
    ['cursor huge', `cursor=${'A'.repeat(5000)}`],
    ['limit 0', 'limit=0'],
    ['limit -1', 'limit=-1'],
    ['limit 5001', 'limit=5001'],
    ['limit 1.5', 'limit=1.5'],
    ['limit 1e3', 'limit=1e3'],
    ['limit abc', 'limit=abc'],
    ['limit empty', 'limit='],
    ['unknown parameter', 'since=0'],
  ])('pull with %s is 400', async (_name, query) => {
    expectError(await http.pull(attacker.access_token, `?${query}`), 400, 'invalid_request');
    await expectUnchanged();
  });

  it('boundary values are accepted: 500 emoji title, 200 emoji name, limit 5000 and 1', async () => {
    const ok = [
      op({ data: { title: '🚀'.repeat(500), created_at: T, updated_at: T } }),
      op({
        entity: 'projects',
        data: { name: '😀'.repeat(200), color: '#AbCdEf', created_at: T, updated_at: T },
      }),
    ];
    const r = await http.push(attacker.access_token, { client_id: 'c', ops: ok });
    expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(['applied', 'applied']);
    expect((await http.pull(attacker.access_token, '?limit=5000')).status).toBe(200);
    expect((await http.pull(attacker.access_token, '?limit=1')).body.changes).toHaveLength(1);
  });
});

describe('tokens: 401 unauthorized, nothing read or written', () => {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = () => ({
    sub: victim.user_id,
    iss: 'selftracker',
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 600,
  });
  const sign = (alg: string, key: Parameters<SignJWT['sign']>[0], c: Record<string, unknown> = claims()) =>
    new SignJWT(c).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
  async function expectRefused(token: string) {
    const write = {
      client_id: 'c',
      ops: [op({ entity_id: victimTask, operation: 'UPDATE', data: { title: 'pwned' } })],
    };
    for (const r of [
      await http.push(token, write),
      await http.pull(token),
      await http.call('GET', '/v1/sync/checksum', { token }),
      await http.call('GET', '/v1/sync/events', { token }),
    ]) {
      expectError(r, 401, 'unauthorized');
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
    }
    await expectUnchanged();
  }

  it('the harness signs tokens the server accepts (so the refusals below mean something)', async () => {
    const own = await sign('HS256', SECRET, { ...claims(), sub: attacker.user_id });
    expect((await http.pull(own)).status).toBe(200);
  });
  it('a token signed with the wrong secret', async () => {
    await expectRefused(
      await sign('HS256', new TextEncoder().encode('not-the-secret-not-the-secret-not-it')),
    );
  });
  it('a real token with its payload swapped for the victim', async () => {
    const [h, , s] = attacker.access_token.split('.');
    await expectRefused(`${h}.${b64(claims())}.${s}`);
  });
  it('an alg: none token', async () => {
    await expectRefused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`);
    await expectRefused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}`);
  });
  it('tokens for another algorithm, even with the right secret', async () => {
    await expectRefused(await sign('HS512', SECRET));
    await expectRefused(await sign('HS384', SECRET));
    const { privateKey } = await generateKeyPair('RS256');
    await expectRefused(await sign('RS256', privateKey));
    const ec = await generateKeyPair('ES256');
    await expectRefused(await sign('ES256', ec.privateKey));
  });
  it('a token with the right secret but another issuer or no subject', async () => {
    await expectRefused(await sign('HS256', SECRET, { ...claims(), iss: 'someone-else' }));
    const { sub: _, ...noSub } = claims();
    await expectRefused(await sign('HS256', SECRET, noSub));
  });
  it('a validly signed token without an expiry', async () => {
    const { exp: _, ...noExp } = claims();
    await expectRefused(await sign('HS256', SECRET, noExp));
  });
  it('a validly signed token whose subject is not a UUID', async () => {
    for (const sub of ['not-a-uuid', `${victim.user_id}x`, "' OR 1=1 --", ''])
      await expectRefused(await sign('HS256', SECRET, { ...claims(), sub }));
  });
  it('an expired token (injected clock)', async () => {
    const fresh = await http.signup();
    expect((await http.pull(fresh.access_token)).status).toBe(200);
    offset = 3601 * 1000;
    try {
      const r = await http.pull(fresh.access_token);
      expectError(r, 401, 'unauthorized');
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expectError(await http.push(fresh.access_token, { client_id: 'c', ops: [op()] }), 401, 'unauthorized');
    } finally {
      offset = 0;
    }
    expect((await state(fresh.access_token)).changes).toEqual([]);
    await expectUnchanged();
  });
  it('a malformed Authorization header', async () => {
    for (const authorization of [
      `Basic ${attacker.access_token}`,
      `bearer ${attacker.access_token}`,
      'Bearer',
      `Bearer ${attacker.access_token} x`,
    ]) {
      const r = await http.call('GET', '/v1/sync/pull', { headers: { authorization } });
      expectError(r, 401, 'unauthorized');
    }
    await expectUnchanged();
  });
});

describe('encoding and query parameters', () => {
  const send = (path: string, type: string, body: Uint8Array | string, token = attacker.access_token) =>
    fetch(server.url + path, {
      method: 'POST',
      headers: { 'content-type': type, authorization: `Bearer ${token}` },
      body: typeof body === 'string' ? body : Uint8Array.from(body).buffer,
    }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }));
  const push = JSON.stringify({ client_id: 'c', ops: [op()] });

  it('a body declared in another charset than UTF-8 is 415 unsupported_media_type', async () => {
    const utf16 = new Uint8Array(Buffer.from(push, 'utf16le'));
    for (const type of ['application/json; charset=utf-16', 'application/json;charset="UTF-16LE"']) {
      expectError(await send('/v1/sync/push', type, utf16), 415, 'unsupported_media_type');
      expectError(await send('/v1/sync/push', type, push), 415, 'unsupported_media_type');
    }
    const creds = JSON.stringify({ email: `cs${randomUUID()}@example.com`, password: 'long enough' });
    expectError(
      await send('/v1/auth/signup', 'application/json; charset=latin1', creds),
      415,
      'unsupported_media_type',
    );
    await expectUnchanged();
    // UTF-8, however it is spelled, is read.
    for (const type of ['application/json; charset=utf-8', 'application/json; charset="UTF8"']) {
      const r = await send('/v1/sync/push', type, JSON.stringify({ client_id: 'c', ops: [] }));
      expect(r.status).toBe(200);
    }
  });

  it('invalid UTF-8 bytes in a body are 400 invalid_request, not stored as U+FFFD', async () => {
    const [before, after] = push.split('"ok"') as [string, string];
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x28, 0xa1]]) {
      const body = Buffer.concat([Buffer.from(`${before}"o`), Buffer.from(bad), Buffer.from(`k"${after}`)]);
      expectError(
        await send('/v1/sync/push', 'application/json', new Uint8Array(body)),
        400,
        'invalid_request',
      );
    }
    await expectUnchanged();
  });

  it('a repeated query parameter is 400 invalid_request', async () => {
    for (const q of ['?limit=1&limit=2', '?limit=5&limit=5', '?cursor=a&cursor=b', '?limit=1&x=1&x=2']) {
      expectError(await http.pull(attacker.access_token, q), 400, 'invalid_request');
    }
    expect((await http.pull(attacker.access_token, '?limit=1')).status).toBe(200);
  });
});

describe('auth input', () => {
  it.each([
    ['no at sign', { email: 'nobody.example.com', password: 'long enough' }],
    ['email of 255 chars', { email: `${'a'.repeat(243)}@example.com`, password: 'long enough' }],
    ['password of 7 chars', { email: 'short@example.com', password: '1234567' }],
    ['password of 257 code points', { email: 'long@example.com', password: '🔑'.repeat(257) }],
    ['email a number', { email: 1, password: 'long enough' }],
    ['an extra field', { email: 'extra@example.com', password: 'long enough', admin: true }],
    // Found by `npm run fuzz:api`: a NUL reached PostgreSQL (500), a lone surrogate was stored as U+FFFD.
    ['a NUL in the email', { email: 'nul\u0000@example.com', password: 'long enough' }],
    ['a control character in the email', { email: 'esc\u001b@example.com', password: 'long enough' }],
    ['a lone surrogate in the email', { email: 'half\ud800@example.com', password: 'long enough' }],
  ])('signup with %s is 400 and creates no account', async (_name, body) => {
    expectError(await http.call('POST', '/v1/auth/signup', { body }), 400, 'invalid_request');
    if (typeof body.email === 'string') {
      const login = await http.call('POST', '/v1/auth/login', {
        body: { email: body.email, password: body.password },
      });
      expect(login.status).not.toBe(200);
    }
  });
  it.each([
    ['a NUL', `nul\u0000${randomUUID()}@example.com`],
    ['a lone surrogate', `half\ud800${randomUUID()}@example.com`],
  ])(
    'login with %s in the email is 401 invalid_credentials, and counts toward the lockout',
    async (_n, email) => {
      for (let i = 0; i < 10; i++) {
        const r = await http.call('POST', '/v1/auth/login', { body: { email, password: 'long enough' } });
        expectError(r, 401, 'invalid_credentials');
      }
      const locked = await http.call('POST', '/v1/auth/login', { body: { email, password: 'long enough' } });
      expectError(locked, 429, 'rate_limited');
    },
  );
  it('an email of 254 code points (more UTF-16 units) is accepted', async () => {
    const email = `${'é'.repeat(120)}${'😀'.repeat(120)}@x${randomUUID().slice(0, 6)}.io`;
    expect([...email].length).toBeLessThanOrEqual(254);
    expect(email.length).toBeGreaterThan(254);
    const u = await http.signup(email, 'long enough');
    expect(u.user_id).toBeTruthy();
  });
  it('a password of 256 emoji (code points) is accepted', async () => {
    const u = await http.signup(`emoji${randomUUID()}@example.com`, '🔑'.repeat(256));
    expect(u.user_id).toBeTruthy();
  });
});
