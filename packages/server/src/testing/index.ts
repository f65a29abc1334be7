import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import pg from 'pg';
import { createServer, type SelfTrackerServer, type ServerDeps } from '../app.ts';
import type { Database } from '../db/database.ts';
import { openPgliteThread } from '../db/pglite-thread.ts';
import { openPostgres } from '../db/postgres.ts';
import { keepConnectionsAlive } from '../keep-alive.ts';

/**
 * Test storage: a fresh PostgreSQL database with a random name when DATABASE_URL is set (dropped by
 * `close`), otherwise an in-memory PGlite. Real databases, never mocks.
 */
export async function createTestDatabase(): Promise<Database & { readonly label: string }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    // PGlite as the server runs it: in its own thread, behind the same interface.
    const db = await openPgliteThread();
    return Object.assign(db, { label: 'pglite' });
  }
  const name = `selftracker_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = await openPostgres(u.toString());
  const close = db.close.bind(db);
  return Object.assign(db, {
    label: 'postgres',
    async close() {
      await close();
      const a = new pg.Client({ connectionString: url });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  });
}

/** Every table the server keeps, in an order that satisfies the foreign keys when restored. */
const TABLES = ['users', 'refresh_tokens', 'op_ledger', 'rate_limits', 'projects', 'tasks', 'timers'];

/**
 * A dump of the whole database as JSON rows, taken now; `restore()` puts the database back to it (what a
 * self-hoster does with a backup), deleting everything written since. Works on PGlite and PostgreSQL.
 */
export async function snapshotDatabase(db: Database): Promise<{ restore(): Promise<void> }> {
  const dump = new Map<string, string>();
  await db.transaction(
    async (tx) => {
      for (const t of TABLES) {
        const [r] = await tx.query<{ j: string }>(
          `SELECT coalesce(json_agg(t), '[]')::text AS j FROM "${t}" t`,
        );
        dump.set(t, r!.j);
      }
    },
    { isolation: 'repeatable read' },
  );
  return {
    async restore() {
      await db.transaction(async (tx) => {
        await tx.query(`TRUNCATE ${TABLES.map((t) => `"${t}"`).join(', ')}`);
        for (const t of TABLES)
          await tx.query(`INSERT INTO "${t}" SELECT * FROM json_populate_recordset(null::"${t}", $1::json)`, [
            dump.get(t),
          ]);
      });
    },
  };
}

export interface TestServer {
  readonly url: string;
  readonly db: Database;
  readonly server: SelfTrackerServer;
  close(): Promise<void>;
}

/** A real HTTP sync server on 127.0.0.1 and a free port, on a test database (or the one given). */
export async function startTestServer(
  opts: Partial<Omit<ServerDeps, 'db'>> & { db?: Database; keepDb?: boolean } = {},
): Promise<TestServer> {
  const db = opts.db ?? (await createTestDatabase());
  const server = await createServer({
    ...opts,
    db,
    auth: opts.auth ?? {
      jwtSecret: new TextEncoder().encode('test-secret-test-secret-test-secret!'),
      scryptN: 1024,
    },
    clientAddress: opts.clientAddress ?? ((c) => c.req.header('x-test-address') ?? '127.0.0.1'),
  });
  const http = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  keepConnectionsAlive(http);
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    server,
    async close() {
      await server.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        (http as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      if (!opts.keepDb && !opts.db) await db.close();
    },
  };
}

/** Minimal protocol client for tests. */
export function api(base: string) {
  const call = async (
    method: string,
    path: string,
    o: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(base + path, {
      method,
      headers,
      body: o.body === undefined ? null : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
    });
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, body: json };
  };
  return {
    call,
    async signup(
      email = `u${randomBytes(6).toString('hex')}@example.com`,
      password = 'correct horse battery',
    ) {
      const r = await call('POST', '/v1/auth/signup', { body: { email, password } });
      if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${JSON.stringify(r.body)}`);
      return {
        email,
        password,
        ...(r.body as { user_id: string; access_token: string; refresh_token: string }),
      };
    },
    push: (token: string, body: unknown) => call('POST', '/v1/sync/push', { token, body }),
    pull: (token: string, q = '') => call('GET', `/v1/sync/pull${q}`, { token }),
  };
}

/**
 * `/v1/health` latencies (ms, sorted) measured back to back while 10 checksums and 10 pulls of 5,000 rows of
 * the user run at once. The load's replies are read as bytes: parsing them here would run on the server's own
 * thread when the server is in this process. Used by the responsiveness test and `npm run bench:server`.
 */
export async function healthUnderLoad(base: string, token: string) {
  let busy = true;
  const get = (path: string) =>
    fetch(base + path, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
      status: r.status,
      bytes: (await r.arrayBuffer()).byteLength,
    }));
  const load = Promise.all([
    ...Array.from({ length: 10 }, () => get('/v1/sync/checksum')),
    ...Array.from({ length: 10 }, (_, i) =>
      get(`/v1/sync/pull?limit=5000&cursor=${Buffer.from(`v1:${i * 5000}`).toString('base64url')}`),
    ),
  ]).finally(() => {
    busy = false;
  });
  const latencies: number[] = [];
  while (busy) {
    const started = performance.now();
    const r = await fetch(`${base}/v1/health`);
    await r.text();
    if (r.status !== 200) throw new Error(`health answered ${r.status}`);
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))]!;
  return { replies: await load, count: latencies.length, p50: at(0.5), p99: at(0.99), max: at(1) };
}
