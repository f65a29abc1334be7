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
let offset = 0; // the injected clock is real time + offset
let server: TestServer;
let http: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startTestServer({
    clock: { now: () => Date.now() + offset },
    sync: { horizonMs: HORIZON_MS, keepAliveMs: 200 },
    limits: { authPerAddressPerMinute: PER_ADDRESS },
  });
  http = api(server.url);
});
afterAll(async () => {
  await server?.close();
});

// ---- helpers -------------------------------------------------------------------------------------

type Change = {
  entity: string;
  entity_id: string;
  version: string;
  deleted: boolean;
  hlc?: string;
  data: unknown;
};
type Result = { op_id: string; status: string; error?: { code: string }; row?: Change | null };
type Reply = Awaited<ReturnType<typeof http.call>>;
const T = 1_764_000_000_000;
let seq = 0;
const hlc = () => `${String(Date.now()).padStart(15, '0')}-${String(seq++ % 100_000).padStart(5, '0')}-c`;
const op = (entity: string, entity_id: string, operation: string, data?: Record<string, unknown>) => ({
  ...{ op_id: randomUUID(), entity, entity_id, operation },
  ...(data && { data }),
  hlc: hlc(),
});
const task = (id: string, title = 'Write report', extra: Record<string, unknown> = {}) =>
  op('tasks', id, 'CREATE', { title, created_at: T, updated_at: T, ...extra });
/** Auth calls come from a fresh address unless told, so the per-address limit under test stays out of the way. */
const addr = (): Record<string, string> => ({ 'x-test-address': `10.${randomBytes(3).join('.')}` });
const email = () => `u${randomBytes(6).toString('hex')}@example.com`;
const auth = (path: string, body: unknown, headers = addr()) =>
  http.call('POST', `/v1/auth/${path}`, { body, headers });
const login = (email: string, password: string, h = addr()) => auth('login', { email, password }, h);
const refresh = (refresh_token: string) => auth('refresh', { refresh_token });
const logout = (refresh_token: string, h = addr()) => auth('logout', { refresh_token }, h);
const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
  http.call('GET', path, token ? { token, headers } : { headers });
const status = async (reply: Promise<Reply>) => (await reply).status;
const keys = (o: object) => Object.keys(o).sort();
const AUTH_KEYS = ['access_token', 'expires_in', 'refresh_token', 'user_id'];

async function user() {
  const creds = { email: email(), password: 'correct horse battery' };
  const r = await auth('signup', creds);
  expect(r.status).toBe(201);
  const body = r.body as { user_id: string; access_token: string; refresh_token: string };
  return { ...creds, ...body, tok: body.access_token };
}
async function push(token: string, ops: unknown[]) {
  const r = await http.push(token, { client_id: randomUUID(), ops });
  expect(r.status).toBe(200);
  return r.body as { results: Result[]; version: string };
}
async function pullAll(token: string) {
  const changes: Change[] = [];
  for (let cursor = '', more = true; more; ) {
    const r = await http.pull(token, cursor && `?cursor=${encodeURIComponent(cursor)}`);
    expect(r.status).toBe(200);
    changes.push(...r.body.changes);
    [cursor, more] = [r.body.cursor, r.body.has_more];
    if (!more) return { changes, cursor };
  }
  throw new Error('unreachable');
}

/** PROTOCOL.md's error table (plus 404 for unknown routes). */
const STATUS: Record<string, number> = {
  ...{ invalid_request: 400, unauthorized: 401, invalid_credentials: 401, not_found: 404, email_taken: 409 },
  ...{ reset_required: 410, payload_too_large: 413, unsupported_media_type: 415, upgrade_required: 426 },
  rate_limited: 429,
};
/** The documented status for `code`, and exactly the documented error body. */
async function fails(reply: Reply | Promise<Reply>, code: string) {
  const r = await reply;
  const want = { status: STATUS[code], body: { error: { code, message: expect.stringMatching(/\S/) } } };
  expect({ status: r.status, body: r.body }).toEqual(want);
  return r;
}

/** PROTOCOL.md "Checksums", from the text: canonical JSON, first 4 bytes of SHA-256, sum mod 2^32. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  const fields = Object.keys(o).sort();
  return `{${fields.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}
function checksumOf(rows: Change[]): string {
  let sum = 0;
  for (const { data, deleted, entity_id } of rows) {
    const digest = createHash('sha256').update(canonical({ data, deleted, entity_id }), 'utf8').digest();
    sum = (sum + digest.readUInt32BE(0)) % 2 ** 32;
  }
  return sum.toString(16).padStart(8, '0');
}

/** An SSE stream read with streaming fetch, as clients do; `next` resolves with the next matching block. */
async function events(token: string) {
  const abort = new AbortController();
  const headers = { authorization: `Bearer ${token}` };
  const res = await fetch(`${server.url}/v1/sync/events`, { headers, signal: abort.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const blocks: string[] = [];
  let partial = '';
  const scan = async (want: (block: string) => boolean): Promise<string> => {
    for (let i = blocks.findIndex(want); ; i = blocks.findIndex(want)) {
      if (i >= 0) return blocks.splice(0, i + 1).at(-1)!;
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      const parts = (partial + value).split('\n\n');
      partial = parts.pop()!;
      blocks.push(...parts);
    }
  };
  const timeout = () => new Promise<never>((_, no) => setTimeout(() => no(new Error('timeout')), 10_000));
  const next = (want: (block: string) => boolean) => Promise.race([scan(want), timeout()]);
  return { res, next, close: () => abort.abort() };
}

// ---- tests ---------------------------------------------------------------------------------------

describe('conventions', () => {
  it('GET /v1/health answers 200 {status: ok} with no auth and no protocol header', async () => {
    const r = await get('/v1/health');
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers 404 with an error body for unknown routes', async () => {
    await fails(get('/v1/nope'), 'not_found');
    await fails(get('/v1/sync/nope', (await user()).tok), 'not_found');
  });

  it('answers 426 upgrade_required for protocol 2, and accepts an explicit or a missing 1', async () => {
    const { tok } = await user();
    const v2 = { 'x-selftracker-protocol': '2' };
    await fails(get('/v1/sync/pull', tok, v2), 'upgrade_required');
    await fails(login(email(), 'whatever12', { ...addr(), ...v2 }), 'upgrade_required');
    expect(await status(get('/v1/sync/pull', tok, { 'x-selftracker-protocol': '1' }))).toBe(200);
    expect(await status(get('/v1/sync/pull', tok))).toBe(200);
  });

  it('answers 415 unsupported_media_type for a body that is not application/json', async () => {
    const { tok } = await user();
    const headers = { 'content-type': 'text/plain' };
    const body = JSON.stringify({ client_id: 'c', ops: [] });
    await fails(http.call('POST', '/v1/sync/push', { token: tok, body, headers }), 'unsupported_media_type');
    const creds = JSON.stringify({ email: email(), password: 'correct horse battery' });
    await fails(auth('signup', creds, { ...addr(), ...headers }), 'unsupported_media_type');
  });

  it('answers 400 invalid_request for malformed JSON, a wrong shape and a bad query parameter', async () => {
    const { tok } = await user();
    await fails(http.push(tok, '{"client_id": "c", "ops": ['), 'invalid_request');
    await fails(http.push(tok, { client_id: 'c', ops: [], extra: 1 }), 'invalid_request');
    await fails(auth('signup', { email: email() }), 'invalid_request');
    await fails(http.pull(tok, '?limit=0'), 'invalid_request');
  });
});

describe('auth', () => {
  it('signup answers 201 {user_id, access_token, refresh_token, expires_in}', async () => {
    const r = await auth('signup', { email: email(), password: 'correct horse battery' });
    expect(r.status).toBe(201);
    expect(keys(r.body)).toEqual(AUTH_KEYS);
    expect(r.body.user_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(r.body.expires_in).toSatisfy((s: number) => Number.isInteger(s) && s > 0 && s <= 3600);
    expect(await status(http.pull(r.body.access_token))).toBe(200);
  });

  it('signup answers 409 email_taken, comparing emails case-insensitively, also when racing', async () => {
    const u = await user();
    for (const e of [u.email, u.email.toUpperCase()]) {
      await fails(auth('signup', { email: e, password: 'another password' }), 'email_taken');
    }
    const e = email();
    const race = [e, e.toUpperCase()].map((x) => auth('signup', { email: x, password: 'pass word' }));
    expect((await Promise.all(race)).map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('login answers 200 for the email in any case; the same 401 for unknown email and wrong password', async () => {
    const u = await user();
    const r = await login(u.email.toUpperCase(), u.password);
    expect([r.status, keys(r.body), r.body.user_id]).toEqual([200, AUTH_KEYS, u.user_id]);
    expect(await status(http.pull(r.body.access_token))).toBe(200);
    const wrong = await fails(login(u.email, 'wrong password'), 'invalid_credentials');
    const unknown = await login(email(), u.password);
    expect([unknown.status, unknown.body]).toEqual([wrong.status, wrong.body]);
  });

  it('refresh rotates: same shape, the old token stops working, and only one racing use wins', async () => {
    const u = await user();
    const r = await refresh(u.refresh_token);
    expect(r.status).toBe(200);
    expect(keys(r.body)).toEqual(AUTH_KEYS);
    expect(r.body.user_id).toBe(u.user_id);
    expect(r.body.refresh_token).not.toBe(u.refresh_token);
    expect(await status(http.pull(r.body.access_token))).toBe(200);
    const old = await fails(refresh(u.refresh_token), 'unauthorized');
    expect(old.headers.get('www-authenticate')).toBe('Bearer');
    const v = await user();
    const race = await Promise.all([refresh(v.refresh_token), refresh(v.refresh_token)]);
    expect(race.map((x) => x.status).sort()).toEqual([200, 401]);
  });

  it('reuse of a rotated refresh token revokes its whole family, and only that family', async () => {
    const u = await user();
    const other = await login(u.email, u.password); // another device: another sign-in, another family
    expect(other.status).toBe(200);
    const device = await refresh(u.refresh_token);
    const thief = await refresh(device.body.refresh_token); // a copy of the device's token, used first
    expect([device.status, thief.status]).toEqual([200, 200]);
    // The device presents the token the thief already rotated: a replay. Both live tokens stop working.
    await fails(refresh(device.body.refresh_token), 'unauthorized');
    await fails(refresh(thief.body.refresh_token), 'unauthorized');
    // Replaying the oldest token of the family again changes nothing, and the other sign-in is untouched.
    await fails(refresh(u.refresh_token), 'unauthorized');
    const still = await refresh(other.body.refresh_token);
    expect(still.status).toBe(200);
    expect(await status(refresh(still.body.refresh_token))).toBe(200);
    // Signing in again starts a new family that works.
    const again = await login(u.email, u.password);
    expect(await status(refresh(again.body.refresh_token))).toBe(200);
  });

  it('logout with any token of a family ends the whole sign-in', async () => {
    const u = await user();
    const next = await refresh(u.refresh_token);
    expect(await status(logout(u.refresh_token))).toBe(204);
    await fails(refresh(next.body.refresh_token), 'unauthorized');
  });

  it('a refresh token outlives 30 days offline, and expires eventually', async () => {
    const u = await user();
    offset += 31 * 24 * 3600_000;
    const r = await refresh(u.refresh_token);
    expect(r.status).toBe(200);
    offset += 400 * 24 * 3600_000;
    await fails(refresh(r.body.refresh_token), 'unauthorized');
  });

  it('logout answers 204 and ends that refresh token; an unknown token also gets 204', async () => {
    const u = await user();
    const r = await logout(u.refresh_token);
    expect([r.status, r.body]).toEqual([204, null]);
    await fails(refresh(u.refresh_token), 'unauthorized');
    expect(await status(logout(u.refresh_token))).toBe(204);
    expect(await status(logout(randomBytes(32).toString('base64url')))).toBe(204);
  });

  it('sync without a valid bearer token is 401 unauthorized with WWW-Authenticate: Bearer', async () => {
    for (const token of [undefined, 'not-a-jwt', 'a.b.c']) {
      for (const path of ['/v1/sync/pull', '/v1/sync/checksum', '/v1/sync/events']) {
        const r = await fails(get(path, token), 'unauthorized');
        expect(r.headers.get('www-authenticate')).toBe('Bearer');
      }
      await fails(http.push(token as string, { client_id: 'c', ops: [] }), 'unauthorized');
    }
  });

  it('from the 11th failed login every login for that email is 429, even with the right password', async () => {
    const [u, other] = [await user(), await user()];
    for (let i = 0; i < 10; i++) await fails(login(u.email, `wrong ${i}`), 'invalid_credentials');
    const r = await fails(login(u.email.toUpperCase(), u.password), 'rate_limited');
    expect(Number(r.headers.get('retry-after'))).toSatisfy((s: number) => Number.isInteger(s) && s >= 1);
    expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);
    expect(await status(login(other.email, other.password))).toBe(200);
    offset += 15 * 60_000 + 1000; // the window passes
    expect(await status(login(u.email, u.password))).toBe(200);
  });

  it('concurrent wrong guesses cannot slip past the limit together', async () => {
    const u = await user();
    const guesses = Array.from({ length: 25 }, (_, i) => login(u.email, `guess ${i}`));
    const statuses = (await Promise.all(guesses)).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    await fails(login(u.email, u.password), 'rate_limited');
  });

  it('a successful login before the 11th failure resets the count', async () => {
    const u = await user();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 9; i++) await fails(login(u.email, 'nope nope'), 'invalid_credentials');
      expect(await status(login(u.email, u.password))).toBe(200);
    }
  });

  it('limits auth requests per address, with Retry-After, allowing at least 60 a minute', async () => {
    const a = addr();
    for (let i = 0; i < PER_ADDRESS; i++) expect(await status(logout(`unknown-${i}`, a))).toBe(204);
    const r = await fails(logout('one too many', a), 'rate_limited');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await fails(login(email(), 'whatever12', a), 'rate_limited');
    expect(await status(logout('x'))).toBe(204); // another address is unaffected
    offset += 61_000;
    expect(await status(logout('x', a))).toBe(204);
  });
});

describe('push', () => {
  it('answers one result per op in order, a decimal string version, a row on every rejection', async () => {
    const { tok } = await user();
    const [a, b, missing] = [randomUUID(), randomUUID(), randomUUID()];
    const first = await push(tok, [task(a), task(b)]);
    expect(keys(first)).toEqual(['results', 'version']);
    expect(first.version).toBe('2');
    const ops = [
      op('tasks', a, 'UPDATE', { status: 'done', updated_at: T + 1 }),
      op('tasks', b, 'UPDATE', { title: '' }),
      op('tasks', missing, 'UPDATE', { title: 'x' }),
      op('projects', missing, 'DELETE'),
      task(randomUUID(), 'third'),
    ];
    const res = await push(tok, ops);
    expect(res.version).toBe('4');
    const codes = [undefined, 'invalid_op', 'not_found', 'not_found', undefined];
    const want = ops.map((o, i) => [o.op_id, codes[i] ? 'rejected' : 'applied', codes[i]]);
    expect(res.results.map((r) => [r.op_id, r.status, r.error?.code])).toEqual(want);
    expect(keys(res.results[0]!)).toEqual(['op_id', 'status']);
    for (const r of res.results.slice(1, 4)) expect(keys(r)).toEqual(['error', 'op_id', 'row', 'status']);
    const { changes } = await pullAll(tok);
    expect(res.results[1]!.row).toEqual(changes.find((c) => c.entity_id === b));
    expect(res.results[1]!.row).toMatchObject({ entity: 'tasks', entity_id: b, version: '2' });
    expect([res.results[2]!.row, res.results[3]!.row]).toEqual([null, null]);
  });

  it('answers duplicate, the same rejection for a repeated rejected op, and op_id_reused', async () => {
    const { tok } = await user();
    const id = randomUUID();
    const create = task(id);
    const bad = op('tasks', id, 'UPDATE', { status: 'archived' });
    const first = await push(tok, [create, bad]);
    expect(first.results.map((r) => r.status)).toEqual(['applied', 'rejected']);
    const again = await push(tok, [create, bad, { ...create, data: { ...create.data, title: 'other' } }]);
    expect(again.results[0]).toEqual({ op_id: create.op_id, status: 'duplicate' });
    expect(again.results[1]).toEqual(first.results[1]);
    expect(again.results[2]).toMatchObject({ op_id: create.op_id, error: { code: 'op_id_reused' } });
    expect(again.results[2]!.row).toMatchObject({ entity_id: id, data: { title: 'Write report' } });
    expect(again.version).toBe(first.version);
  });

  it('answers 413 for a body over 2 MiB, with or without Content-Length; exactly 2 MiB is fine', async () => {
    const { tok } = await user();
    const head = '{"client_id":"c","ops":[]';
    const exact = `${head}${' '.repeat(2 * 1024 * 1024 - head.length - 1)}}`;
    expect(await status(http.push(tok, exact))).toBe(200);
    const over = `${head},"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`;
    await fails(http.push(tok, over), 'payload_too_large');
    const chunked = await fetch(`${server.url}/v1/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
      body: new Blob([over]).stream(),
      duplex: 'half',
    } as RequestInit);
    const body = await chunked.json();
    await fails({ status: chunked.status, headers: chunked.headers, body }, 'payload_too_large');
    expect(await status(http.pull(tok))).toBe(200); // the next request does not hit a torn-down socket
  });

  it('answers 413 for over 1000 operations and applies none; 1000 are fine; pulls default to 1000', async () => {
    const { tok } = await user();
    const ops = Array.from({ length: 1001 }, (_, i) => task(randomUUID(), `task ${i}`));
    await fails(http.push(tok, { client_id: 'c', ops }), 'payload_too_large');
    expect((await pullAll(tok)).changes).toEqual([]);
    const ok = await push(tok, ops.slice(0, 1000));
    const applied = ops.slice(0, 1000).map((o) => ({ op_id: o.op_id, status: 'applied' }));
    expect([ok.results, ok.version]).toEqual([applied, '1000']);
    await push(tok, ops.slice(1000));
    const page = await http.pull(tok);
    expect([page.body.changes.length, page.body.has_more]).toEqual([1000, true]);
  });
});

describe('pull', () => {
  it('pages in version order with cursor, limit and has_more; each row once at its latest state', async () => {
    const { tok } = await user();
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const creates = ids.map((id, i) => task(id, `t${i}`));
    await push(tok, creates);
    const [update, del] = [
      op('tasks', ids[0]!, 'UPDATE', { status: 'done' }),
      op('tasks', ids[1]!, 'DELETE'),
    ];
    await push(tok, [update, del]);
    const seen: Change[] = [];
    const more: boolean[] = [];
    let cursor = '';
    do {
      const r = await http.pull(tok, `?limit=2${cursor && `&cursor=${encodeURIComponent(cursor)}`}`);
      expect(r.status).toBe(200);
      expect(keys(r.body)).toEqual(['changes', 'cursor', 'has_more']);
      expect(typeof r.body.cursor).toBe('string');
      seen.push(...r.body.changes);
      more.push(r.body.has_more);
      cursor = r.body.cursor;
    } while (more.at(-1));
    expect(more).toEqual([true, true, false]);
    const order = [ids[2], ids[3], ids[4], ids[0], ids[1]];
    expect(seen.map((c) => [c.entity_id, c.version])).toEqual(order.map((id, i) => [id, String(i + 3)]));
    const data = { title: 't0', description: null, status: 'done', project_id: null, due_at: null };
    const head = { entity: 'tasks', entity_id: ids[0], version: '6', deleted: false, hlc: update.hlc };
    expect(seen[3]).toEqual({ ...head, data: { ...data, created_at: T, updated_at: T } });
    const tombstone = { entity: 'tasks', entity_id: ids[1], version: '7', deleted: true, hlc: del.hlc };
    expect(seen[4]).toEqual({ ...tombstone, data: null });
    expect(seen[0]).toMatchObject({ entity_id: ids[2], hlc: creates[2]!.hlc });
    const tail = await http.pull(tok, `?cursor=${encodeURIComponent(cursor)}`);
    expect(tail.body).toEqual({ changes: [], cursor, has_more: false });
  });

  it('gives each change the highest HLC of its stored fields (and its delete), as on rejected rows', async () => {
    const { tok } = await user();
    const [kept, gone, late] = [randomUUID(), randomUUID(), randomUUID()];
    const at = (ms: number, node = 'c') => `${String(T + ms).padStart(15, '0')}-00000-${node}`;
    const ops = [
      { ...task(kept), hlc: at(10) },
      { ...op('tasks', kept, 'UPDATE', { status: 'done' }), hlc: at(30, 'b') }, // the highest
      { ...op('tasks', kept, 'UPDATE', { due_at: 1 }), hlc: at(20) },
      { ...op('tasks', kept, 'UPDATE', { title: 'loses' }), hlc: at(5) }, // lost: changes nothing
      { ...task(gone), hlc: at(10) },
      { ...op('tasks', gone, 'UPDATE', { status: 'done' }), hlc: at(40) },
      { ...op('tasks', gone, 'DELETE'), hlc: at(1) }, // an older delete: the tombstone keeps 40
      { ...task(late), hlc: at(10) },
      { ...op('tasks', late, 'DELETE'), hlc: at(50) },
    ];
    await push(tok, ops);
    const { changes } = await pullAll(tok);
    const hlcOf = Object.fromEntries(changes.map((c) => [c.entity_id, c.hlc]));
    expect(hlcOf).toEqual({ [kept]: at(30, 'b'), [gone]: at(40), [late]: at(50) });
    // A rejected operation's row carries it too, for a live row and for a tombstone.
    const res = await push(tok, [
      op('tasks', kept, 'UPDATE', { title: '' }),
      op('tasks', gone, 'UPDATE', { status: 'bogus' }),
    ]);
    expect(res.results.map((r) => r.row?.hlc)).toEqual([at(30, 'b'), at(40)]);
    expect(res.results.map((r) => r.row)).toEqual(
      [kept, gone].map((id) => changes.find((c) => c.entity_id === id)),
    );
  });

  it('answers 410 reset_required for a cursor older than the tombstone horizon', async () => {
    const { tok } = await user();
    const [gone, kept] = [randomUUID(), randomUUID()];
    await push(tok, [task(gone), task(kept)]);
    const { cursor: old } = await pullAll(tok);
    await push(tok, [op('tasks', gone, 'DELETE')]);
    const { cursor: recent } = await pullAll(tok);
    offset += HORIZON_MS + 1000;
    expect((await server.server.prune()).tombstones).toBeGreaterThanOrEqual(1);
    await fails(http.pull(tok, `?cursor=${encodeURIComponent(old)}`), 'reset_required');
    expect(await status(http.pull(tok, `?cursor=${encodeURIComponent(recent)}`))).toBe(200);
    expect((await pullAll(tok)).changes.map((c) => c.entity_id)).toEqual([kept]); // a fresh pull works
  });

  it('answers 410 reset_required for a cursor ahead of the user version, also once the version passes it', async () => {
    const a = await user();
    const b = await user();
    const ops = Array.from({ length: 5 }, () => task(randomUUID()));
    await push(a.tok, ops);
    const { cursor: ahead } = await pullAll(a.tok); // a cursor of version 5, from another account
    const at = `?cursor=${encodeURIComponent(ahead)}`;
    await fails(http.pull(b.tok, at), 'reset_required');
    await push(b.tok, [task(randomUUID())]);
    await fails(http.pull(b.tok, at), 'reset_required');
    await push(
      b.tok,
      Array.from({ length: 4 }, () => task(randomUUID())),
    );
    // At version 5 the same cursor is simply current: an empty page, not a skipped change.
    const r = await http.pull(b.tok, at);
    expect([r.status, r.body.changes, r.body.has_more]).toEqual([200, [], false]);
  });
});

describe('checksum', () => {
  it('lists all three entities, and each figure recomputes from the pulled rows', async () => {
    const { tok } = await user();
    const zero = { count: 0, checksum: '00000000' };
    const empty = { version: '0', entities: { projects: zero, tasks: zero, timers: zero } };
    expect((await get('/v1/sync/checksum', tok)).body).toEqual(empty);
    const [p, t1, t2] = [randomUUID(), randomUUID(), randomUUID()];
    const name = 'Ünïcödé 🚀 "quoted" \\ back\nline \u2028 \u0001 </script>';
    const timer = { task_id: t1, started_at: T, stopped_at: T + 1, note: '', created_at: T, updated_at: T };
    await push(tok, [
      op('projects', p, 'CREATE', { name, color: '#a0B0c0', created_at: T, updated_at: T }),
      task(t1, 'title', { description: '☃', project_id: p, due_at: T + 5 }),
      task(t2, 'to delete'),
      op('timers', randomUUID(), 'CREATE', timer),
      op('tasks', t2, 'DELETE'),
    ]);
    const { changes } = await pullAll(tok);
    const r = await get('/v1/sync/checksum', tok);
    expect([r.status, keys(r.body), r.body.version]).toEqual([200, ['entities', 'version'], '5']);
    expect(keys(r.body.entities)).toEqual(['projects', 'tasks', 'timers']);
    for (const n of ['projects', 'tasks', 'timers']) {
      const rows = changes.filter((c) => c.entity === n);
      expect(r.body.entities[n]).toEqual({ count: rows.length, checksum: checksumOf(rows) });
    }
    expect(r.body.entities.tasks.count).toBe(2); // the tombstone counts
  });
});

describe('events', () => {
  it('pokes every open stream of the user with {"version": "N"} after a push, and sends comments', async () => {
    const { tok } = await user();
    const streams = [await events(tok), await events(tok)];
    try {
      const type = expect.stringMatching(/^text\/event-stream/);
      for (const { res } of streams)
        expect([res.status, res.headers.get('content-type')]).toEqual([200, type]);
      expect((await push(tok, [task(randomUUID()), task(randomUUID())])).version).toBe('2');
      for (const s of streams) {
        const poke = await s.next((b) => b.split('\n').includes('event: poke'));
        const data = poke.split('\n').find((l) => l.startsWith('data:'))!;
        expect(JSON.parse(data.slice(5))).toEqual({ version: '2' });
      }
      // keepAliveMs is 200 here (25 s by default): a comment line arrives without any write.
      expect(await streams[0]!.next((b) => b.startsWith(':') && !b.includes('connected'))).toMatch(/^:/);
    } finally {
      for (const s of streams) s.close();
    }
  });
});
