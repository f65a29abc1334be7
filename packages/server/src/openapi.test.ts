/**
 * The OpenAPI document (`GET /v1/openapi.json`) stays true: every route of the app is documented and every
 * documented operation is a route; the document is well formed (every `$ref` resolves, every schema compiles
 * strictly, links name real operations); and real responses, good and bad, conform to it: status, content
 * type, required headers and body schema. Runs on PGlite, or PostgreSQL when DATABASE_URL is set.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { PROTOCOL_HEADER } from '@selftracker/core';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenApiDocument, openApiDocument } from './openapi.ts';
import { hlc, newTask } from './test-fixtures.ts';
import { api, startTestServer, type TestServer } from './testing/index.ts';
import {
  collectRefs,
  createConformance,
  resolvePointer,
  type SeenResponse,
} from './testing/openapi-conformance.ts';

const doc: OpenApiDocument = openApiDocument();
const conformance = createConformance(doc);
let server: TestServer;
let http: ReturnType<typeof api>;
/** `operationId status` of every response checked. */
const exercised = new Set<string>();

beforeAll(async () => {
  server = await startTestServer({ limits: { loginFailures: 2 }, sync: { bodyTimeoutMs: 1000 } });
  http = api(server.url);
});
afterAll(() => server?.close());

/** `METHOD /path/{param}` of every route handler of a Hono app (middleware, registered for ALL, left out). */
function appOperations(app: { routes: readonly { method: string; path: string }[] }): string[] {
  const keys = app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
  return [...new Set(keys)].sort();
}
function documentedOperations(): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}
const operationId = (method: string, path: string) => doc.paths[path]![method.toLowerCase()]!.operationId;

/** Sends a request to `url` (the path with its query) and holds the answer to the document's `path`. */
async function call(
  method: string,
  path: string,
  o: { url?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<SeenResponse & { body: any }> {
  const r = await http.call(method, o.url ?? path, o);
  conformance.check(method, path, r);
  exercised.add(`${operationId(method, path)} ${r.status}`);
  return r;
}

describe('routes and the document', () => {
  it('every route of the app is documented, and every documented operation is a route', () => {
    expect(documentedOperations()).toEqual(appOperations(server.server.app));
  });

  it('the comparison notices a route the document lacks', () => {
    const app = new Hono();
    for (const key of documentedOperations()) {
      const [method, path] = key.split(' ') as [string, string];
      app.on(method, path.replace(/\{(\w+)\}/g, ':$1'), (c) => c.body(null));
    }
    app.use('/v1/*', async (_c, next) => next());
    expect(appOperations(app)).toEqual(documentedOperations());
    app.get('/v1/sync/secret/:id', (c) => c.body(null));
    expect(appOperations(app)).toContain('GET /v1/sync/secret/{id}');
    expect(appOperations(app)).not.toEqual(documentedOperations());
  });

  it('is served at /v1/openapi.json without auth or protocol header', async () => {
    const r = await call('GET', '/v1/openapi.json', { headers: { [PROTOCOL_HEADER]: '99' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});

describe('the document is well formed OpenAPI 3.1', () => {
  it('has the top-level fields and unique operation ids', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const path of Object.keys(doc.paths)) expect(path).toMatch(/^\/v1\//);
  });

  it('every $ref resolves', () => {
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(20);
    const broken = refs.filter(({ ref }) => resolvePointer(doc, ref) === undefined);
    expect(broken).toEqual([]);
  });

  it('every schema compiles under strict JSON Schema 2020-12', () => {
    expect(conformance.compileAll()).toContain('PullPage');
  });

  it('every operation has responses with descriptions, known security, and the protocol header under /v1', () => {
    const schemes = Object.keys(doc.components.securitySchemes);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(['get', 'post', 'delete']).toContain(method);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const r of Object.values(op.responses)) {
          const resolved = (r as { $ref?: string }).$ref
            ? resolvePointer(doc, (r as { $ref: string }).$ref)
            : r;
          expect((resolved as { description?: string }).description).toEqual(expect.any(String));
        }
        for (const req of op.security ?? [])
          for (const name of Object.keys(req)) expect(schemes).toContain(name);
        const meta = ['/v1/health', '/v1/ready', '/v1/openapi.json'].includes(path);
        expect((op.parameters ?? []).some((p) => JSON.stringify(p).includes('Protocol'))).toBe(!meta);
      }
    }
  });

  it('links name existing operations, and set only their parameters, a bearer token or body fields', () => {
    const ids = new Map(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops).map(([m, op]) => [
          op.operationId,
          { path, op: op as { parameters?: unknown[] }, m },
        ]),
      ),
    );
    let links = 0;
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops))
        for (const r of Object.values(op.responses) as { links?: Record<string, any> }[])
          for (const link of Object.values(r.links ?? {})) {
            links++;
            const target = ids.get(link.operationId);
            expect(target, link.operationId).toBeDefined();
            for (const name of Object.keys(link.parameters ?? {})) {
              if (name === 'header.Authorization') continue;
              const declared = JSON.stringify(target!.op.parameters ?? []);
              expect(declared).toContain(`"name":"${name.split('.').pop()}"`);
            }
          }
    expect(links).toBeGreaterThan(10);
  });
});

describe('responses conform to the document', () => {
  let user: { email: string; password: string; access_token: string; refresh_token: string };
  const t = Date.now();
  const taskId = randomUUID();

  it('health and the auth endpoints, their successes and refusals', async () => {
    expect((await call('GET', '/v1/health')).status).toBe(200);
    const email = `openapi${randomUUID()}@example.com`;
    const password = 'correct horse battery';
    const signup = await call('POST', '/v1/auth/signup', { body: { email, password } });
    expect(signup.status).toBe(201);
    user = { email, password, ...signup.body };
    expect((await call('POST', '/v1/auth/signup', { body: { email, password } })).status).toBe(409);
    expect((await call('POST', '/v1/auth/signup', { body: { email: 'x', password } })).status).toBe(400);
    expect((await call('POST', '/v1/auth/signup', { body: '{"email":', headers: json })).status).toBe(400);
    const plain = { 'content-type': 'text/plain' };
    expect((await call('POST', '/v1/auth/signup', { body: '{}', headers: plain })).status).toBe(415);
    const big = { email, password: 'p'.repeat(3 * 1024 * 1024) };
    expect((await call('POST', '/v1/auth/signup', { body: big })).status).toBe(413);
    const v2 = { [PROTOCOL_HEADER]: '2' };
    expect((await call('POST', '/v1/auth/signup', { body: { email, password }, headers: v2 })).status).toBe(
      426,
    );

    const login = await call('POST', '/v1/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    const wrong = { email, password: 'not the password' };
    expect((await call('POST', '/v1/auth/login', { body: wrong })).status).toBe(401);
    expect((await call('POST', '/v1/auth/login', { body: wrong })).status).toBe(401);
    const locked = await call('POST', '/v1/auth/login', { body: wrong });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);

    const refreshed = await call('POST', '/v1/auth/refresh', {
      body: { refresh_token: login.body.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    const replay = await call('POST', '/v1/auth/refresh', {
      body: { refresh_token: login.body.refresh_token },
    });
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toBe('Bearer');
    expect((await call('POST', '/v1/auth/refresh', { body: { token: 'x' } })).status).toBe(400);
    const out = await call('POST', '/v1/auth/logout', {
      body: { refresh_token: refreshed.body.refresh_token },
    });
    expect(out.status).toBe(204);
    expect((await call('POST', '/v1/auth/logout', { body: [] })).status).toBe(400);
  });

  it('push: applied, duplicate and rejected results (with the current row), and refused envelopes', async () => {
    const token = user.access_token;
    const ops = [
      newTask(taskId, hlc(t), { description: 'with "quotes" and ünïcødé 🚀', due_at: t + 1 }),
      {
        op_id: randomUUID(),
        entity: 'projects',
        entity_id: randomUUID(),
        operation: 'CREATE',
        data: { name: 'P', color: '#a0b1c2', created_at: t, updated_at: t },
        hlc: hlc(t),
      },
      {
        op_id: randomUUID(),
        entity: 'timers',
        entity_id: randomUUID(),
        operation: 'CREATE',
        data: { task_id: taskId, note: null, started_at: t, stopped_at: t + 5, created_at: t, updated_at: t },
        hlc: hlc(t),
      },
    ];
    const first = await call('POST', '/v1/sync/push', { token, body: { client_id: 'c', ops } });
    expect(first.body.results.map((r: { status: string }) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
    ]);
    const gone = { ...ops[1], op_id: randomUUID(), operation: 'DELETE', hlc: hlc(t + 1) } as Record<
      string,
      unknown
    >;
    delete gone.data;
    const mixed = [
      ops[0], // duplicate
      { ...ops[0], hlc: hlc(t + 9) }, // op_id reused with other content: rejected, with the row
      {
        op_id: randomUUID(),
        entity: 'tasks',
        entity_id: randomUUID(),
        operation: 'UPDATE',
        data: {},
        hlc: hlc(t),
      },
      { op_id: 'not-a-uuid', entity: 'nope' },
      gone,
    ];
    const second = await call('POST', '/v1/sync/push', { token, body: { client_id: 'c', ops: mixed } });
    expect(second.body.results.map((r: { status: string }) => r.status)).toEqual([
      'duplicate',
      'rejected',
      'rejected',
      'rejected',
      'applied',
    ]);
    expect(second.body.results[1].row).toMatchObject({ entity: 'tasks', entity_id: taskId });

    const url = '/v1/sync/push';
    expect((await call('POST', url, { token, body: { client_id: 'c' } })).status).toBe(400);
    expect((await call('POST', url, { body: { client_id: 'c', ops: [] } })).status).toBe(401);
    expect(
      (await call('POST', url, { token: 'forged.token.here', body: { client_id: 'c', ops: [] } })).status,
    ).toBe(401);
    const many = Array.from({ length: 1001 }, () => ({ op_id: randomUUID() }));
    expect((await call('POST', url, { token, body: { client_id: 'c', ops: many } })).status).toBe(413);
    const plain = { 'content-type': 'text/plain' };
    expect((await call('POST', url, { token, body: '{}', headers: plain })).status).toBe(415);
  });

  it('pull pages (live rows, a tombstone, hlc on each), checksum, and refused pulls', async () => {
    const token = user.access_token;
    const page = await call('GET', '/v1/sync/pull', { token });
    expect(page.status).toBe(200);
    expect(page.body.changes.map((c: { entity: string; deleted: boolean }) => [c.entity, c.deleted])).toEqual(
      [
        ['tasks', false],
        ['timers', false],
        ['projects', true],
      ],
    );
    const first = await call('GET', '/v1/sync/pull', { token, url: '/v1/sync/pull?limit=1' });
    expect(first.body.has_more).toBe(true);
    const next = await call('GET', '/v1/sync/pull', {
      token,
      url: `/v1/sync/pull?cursor=${first.body.cursor}`,
    });
    expect(next.body.changes).toHaveLength(2);
    const ahead = Buffer.from('v1:999999').toString('base64url');
    expect((await call('GET', '/v1/sync/pull', { token, url: `/v1/sync/pull?cursor=${ahead}` })).status).toBe(
      410,
    );
    expect((await call('GET', '/v1/sync/pull', { token, url: '/v1/sync/pull?limit=0' })).status).toBe(400);
    expect((await call('GET', '/v1/sync/pull', { token, url: '/v1/sync/pull?since=1' })).status).toBe(400);
    expect((await call('GET', '/v1/sync/pull')).status).toBe(401);
    const v2 = { [PROTOCOL_HEADER]: '2' };
    expect((await call('GET', '/v1/sync/pull', { token, headers: v2 })).status).toBe(426);

    const sums = await call('GET', '/v1/sync/checksum', { token });
    expect(sums.body.entities.tasks.count).toBe(1);
    expect((await call('GET', '/v1/sync/checksum')).status).toBe(401);
  });

  it('events: a text/event-stream for a token, 401 without', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/v1/sync/events`, {
      headers: { authorization: `Bearer ${user.access_token}` },
      signal: ctrl.signal,
    });
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    conformance.check('GET', '/v1/sync/events', {
      status: res.status,
      headers: res.headers,
      body: new TextDecoder().decode(value),
    });
    exercised.add(`events ${res.status}`);
    ctrl.abort();
    await reader.cancel().catch(() => {});
    expect((await call('GET', '/v1/sync/events')).status).toBe(401);
  });

  it('a body that does not arrive in time is 408', async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => {
      raw += d;
    });
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      'POST /v1/auth/login HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
        'content-length: 100\r\n\r\n{"email":',
    );
    await closed;
    const [head, text] = raw.split('\r\n\r\n') as [string, string];
    const headers = new Headers(
      head
        .split('\r\n')
        .slice(1)
        .map((l) => l.split(/:\s*/, 2) as [string, string]),
    );
    const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]);
    conformance.check('POST', '/v1/auth/login', { status, headers, body: JSON.parse(text) });
    expect(status).toBe(408);
  });

  it('the account endpoints: password change and deletion, refused and done', async () => {
    const u = await http.signup(undefined, 'a first password');
    const url = '/v1/auth/password';
    const wrong = { current_password: 'not it at all', new_password: 'a second password' };
    const refused = await call('POST', url, { token: u.access_token, body: wrong });
    expect(refused.body.error.code).toBe('invalid_credentials');
    const short = { current_password: 'a first password', new_password: 'short' };
    expect((await call('POST', url, { token: u.access_token, body: short })).status).toBe(400);
    expect((await call('POST', url, { body: short })).status).toBe(401);
    const body = { current_password: 'a first password', new_password: 'a second password' };
    const changed = await call('POST', url, { token: u.access_token, body });
    expect(changed.status).toBe(200);

    const token = changed.body.access_token;
    expect(
      (await call('DELETE', '/v1/account', { token, body: { password: 'a first password' } })).status,
    ).toBe(401);
    expect((await call('DELETE', '/v1/account', { token, body: {} })).status).toBe(400);
    expect(
      (await call('DELETE', '/v1/account', { token, body: { password: 'a second password' } })).status,
    ).toBe(204);
    const after = await call('GET', '/v1/sync/pull', { token });
    expect(after.status).toBe(401);
  });

  it('readiness: 200 while the database answers, 503 with Retry-After once a graceful shutdown began', async () => {
    expect((await call('GET', '/v1/ready')).body).toEqual({ status: 'ready' });
    server.server.drain();
    const draining = await call('GET', '/v1/ready');
    expect(draining.status).toBe(503);
    expect(draining.body).toEqual({ status: 'unavailable', reason: 'shutting down' });
    expect((await call('GET', '/v1/health')).status).toBe(200); // live, just not ready
  });

  it('an unknown route is 404 with the error envelope', async () => {
    const r = await http.call('GET', '/v1/nothing/here');
    expect(r.status).toBe(404);
    expect(conformance.conforms('Error', r.body)).toBe(true);
    expect(r.body.error.code).toBe('not_found');
  });

  it('every documented operation was exercised, with a success and a refusal', () => {
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops)) {
        const statuses = [...exercised]
          .filter((e) => e.startsWith(`${op.operationId} `))
          .map((e) => e.split(' ')[1]);
        expect(
          statuses.some((s) => s!.startsWith('2')),
          `${op.operationId} succeeded`,
        ).toBe(true);
        if (!['health', 'openapi', 'logout'].includes(op.operationId))
          expect(
            statuses.some((s) => s!.startsWith(op.operationId === 'ready' ? '5' : '4')),
            `${op.operationId} refused`,
          ).toBe(true);
      }
  });
});

describe('the check can fail', () => {
  const headers = new Headers({ 'content-type': 'application/json' });
  it('a body that breaks the schema', () => {
    const body = {
      user_id: randomUUID(),
      access_token: 'a.b.c',
      refresh_token: 'r',
      expires_in: 900,
      extra: 1,
    };
    expect(() => conformance.check('POST', '/v1/auth/login', { status: 200, headers, body })).toThrow(
      /does not conform/,
    );
    const err = { error: { code: 'rate_limited', message: 'x' } };
    expect(() => conformance.check('POST', '/v1/auth/login', { status: 401, headers, body: err })).toThrow(
      /does not conform/,
    );
  });
  it('an undocumented status, content type, missing header or operation', () => {
    const body = { error: { code: 'internal', message: 'x' } };
    expect(() => conformance.check('GET', '/v1/health', { status: 418, headers, body })).toThrow(
      /not documented/,
    );
    const html = new Headers({ 'content-type': 'text/html' });
    expect(() => conformance.check('GET', '/v1/health', { status: 200, headers: html, body: '<p>' })).toThrow(
      /content type/,
    );
    const limited = { error: { code: 'rate_limited', message: 'x' } };
    expect(() =>
      conformance.check('POST', '/v1/auth/login', { status: 429, headers, body: limited }),
    ).toThrow(/Retry-After/);
    expect(() => conformance.check('GET', '/v1/sync/secret', { status: 200, headers, body: {} })).toThrow(
      /not documented/,
    );
  });
});

const json = { 'content-type': 'application/json' };
