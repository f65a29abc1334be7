/**
 * `npm run bench:client`: the client engine on a real SQLite file (better-sqlite3) against an in-process
 * sync server on PGlite (and on PostgreSQL when DATABASE_URL is set). Prints figures; asserts nothing.
 *   (a) local writes: `tasks.create` one transaction each and one `bulkCreate`, next to raw better-sqlite3
 *       inserts of the same rows with the same pragmas (WAL, synchronous=NORMAL), in the same run
 *   (b) device A → server → device B: rows created offline on A, then A syncs and a fresh B syncs
 *   (c) initial sync of a large account into a fresh device (the server is seeded over HTTP)
 *   (d) edit propagation A → B over the live event stream (`engine.start()` on B, `onChange`)
 * Knobs: BENCH_CLIENT_ROWS (a, b; 10000), BENCH_CLIENT_INITIAL (c; 100000), BENCH_CLIENT_EDITS (d; 100),
 * BENCH_PROFILE=1 prints a CPU profile summary of the engine phases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Engine, MIGRATIONS, openEngine } from '@selftracker/client';
import { openNodeDriver } from '@selftracker/client/node';
import { uuidv7 } from '@selftracker/core';
import { api, startTestServer, type TestServer } from '@selftracker/server/testing';
import Database from 'better-sqlite3';

const N = Number(process.env.BENCH_CLIENT_ROWS ?? 10_000);
const INITIAL = Number(process.env.BENCH_CLIENT_INITIAL ?? 100_000);
const EDITS = Number(process.env.BENCH_CLIENT_EDITS ?? 100);
const PROFILE = process.env.BENCH_PROFILE === '1';
const SEED_BATCH = 1000;
const PASSWORD = 'correct horse battery';

const dir = mkdtempSync(join(tmpdir(), 'selftracker-bench-'));
let files = 0;
const freshFile = () => join(dir, `db-${files++}.sqlite`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const perSec = (n: number, ms: number) => n / (ms / 1000);
const taskInput = (i: number) => ({ title: `Task ${i}`, status: 'todo' as const });

async function time<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const started = performance.now();
  const r = await fn();
  return [r, performance.now() - started];
}

// ---------------------------------------------------------------- CPU profile (BENCH_PROFILE=1)

const profiles: { label: string; top: string[] }[] = [];
async function profiled<T>(label: string, fn: () => Promise<T>): Promise<T> {
  if (!PROFILE) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const self = new Map<string, number>();
    const total = profile.samples?.length ?? 1;
    for (const node of profile.nodes) {
      const f = node.callFrame;
      const where = f.url ? f.url.replace(/^.*\/(packages|node_modules)\//, '$1/') : '';
      const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
      self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0));
    }
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 12);
    profiles.push({
      label,
      top: top.map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`),
    });
  }
}

// ---------------------------------------------------------------- (a) local writes

function rawDb(): { db: Database.Database; insert: Database.Statement } {
  const db = new Database(freshFile());
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  for (const m of MIGRATIONS) for (const sql of m.sql) if (/\btasks\b/.test(sql)) db.exec(sql);
  const insert = db.prepare(
    'INSERT INTO tasks (id, deleted, title, description, status, project_id, due_at, created_at, updated_at) VALUES (?, 0, ?, NULL, ?, NULL, NULL, ?, ?)',
  );
  return { db, insert };
}

function rawSingle(n: number): number {
  const { db, insert } = rawDb();
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const now = Date.now();
    begin.run();
    insert.run(uuidv7(now), `Task ${i}`, 'todo', now, now);
    commit.run();
  }
  const ms = performance.now() - started;
  db.close();
  return perSec(n, ms);
}

function rawBulk(n: number): number {
  const { db, insert } = rawDb();
  const started = performance.now();
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const now = Date.now();
      insert.run(uuidv7(now), `Task ${i}`, 'todo', now, now);
    }
  })();
  const ms = performance.now() - started;
  db.close();
  return perSec(n, ms);
}

const device = (server = 'http://127.0.0.1:9') => openEngine({ driver: openNodeDriver(freshFile()), server });

async function engineSingle(n: number): Promise<number> {
  const e = await device();
  const [, ms] = await time(() =>
    profiled('(a) tasks.create, one transaction each', async () => {
      for (let i = 0; i < n; i++) await e.tasks.create(taskInput(i));
    }),
  );
  await e.close();
  return perSec(n, ms);
}

async function engineBulk(n: number): Promise<number> {
  const e = await device();
  const inputs = Array.from({ length: n }, (_, i) => taskInput(i));
  const [, ms] = await time(() => profiled('(a) tasks.bulkCreate', () => e.tasks.bulkCreate(inputs)));
  await e.close();
  return perSec(n, ms);
}

// ---------------------------------------------------------------- (b), (c), (d) against a server

interface ServerRow {
  label: string;
  abMs: number;
  pushMs: number;
  pullMs: number;
  initialMs: number;
  initialRows: number;
  p50: number;
  p95: number;
  max: number;
}

async function signedIn(url: string, email: string, kind: 'signup' | 'login'): Promise<Engine> {
  const e = await device(url);
  await (kind === 'signup' ? e.signup(email, PASSWORD) : e.login(email, PASSWORD));
  return e;
}

async function deviceToDevice(t: TestServer): Promise<{ pushMs: number; pullMs: number }> {
  const email = `ab${Date.now()}@example.com`;
  const a = await signedIn(t.url, email, 'signup');
  await a.tasks.bulkCreate(Array.from({ length: N }, (_, i) => taskInput(i)));
  const [, pushMs] = await time(() =>
    profiled(`(b) device A pushes ${fmt(N)} rows (server in-process)`, () => a.sync()),
  );
  const b = await signedIn(t.url, email, 'login');
  const [report, pullMs] = await time(() =>
    profiled(`(b) fresh device B pulls ${fmt(N)} rows`, () => b.sync()),
  );
  if (report.pulled < N) throw new Error(`B pulled ${report.pulled} rows, expected ${N}`);
  await a.close();
  await b.close();
  return { pushMs, pullMs };
}

async function initialSync(t: TestServer): Promise<{ ms: number; rows: number }> {
  const client = api(t.url);
  const user = await client.signup(`init${Date.now()}@example.com`, PASSWORD);
  const now = Date.now();
  for (let b = 0; b < INITIAL; b += SEED_BATCH) {
    const ops = Array.from({ length: Math.min(SEED_BATCH, INITIAL - b) }, (_, j) => ({
      op_id: uuidv7(),
      entity: 'tasks',
      entity_id: uuidv7(),
      operation: 'CREATE',
      data: { title: `Task ${b + j}`, status: 'todo', created_at: now, updated_at: now },
      hlc: `${String(now).padStart(15, '0')}-${String((b + j) % 100_000).padStart(5, '0')}-seed`,
    }));
    const r = await client.push(user.access_token, { client_id: 'seed', ops });
    if (r.status !== 200) throw new Error(`seed push failed: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const e = await signedIn(t.url, user.email, 'login');
  const [report, ms] = await time(() => profiled(`(c) initial sync of ${fmt(INITIAL)} rows`, () => e.sync()));
  const n = (await e.tasks.list()).length;
  await e.close();
  if (n !== INITIAL) throw new Error(`initial sync stored ${n} rows, expected ${INITIAL}`);
  return { ms, rows: report.pulled };
}

async function propagation(t: TestServer): Promise<number[]> {
  const email = `live${Date.now()}@example.com`;
  const a = await signedIn(t.url, email, 'signup');
  const task = await a.tasks.create({ title: 'edit 0' });
  await a.sync();
  const b = await signedIn(t.url, email, 'login');
  await b.sync();
  b.start();
  const deadline = Date.now() + 10_000;
  while (!b.live) {
    if (Date.now() > deadline) throw new Error('B never connected to the event stream');
    await new Promise((r) => setTimeout(r, 10));
  }
  const idle = () =>
    new Promise<void>((resolve) => {
      if (b.status.phase === 'idle') return resolve();
      const off = b.subscribe((s) => {
        if (s.phase === 'syncing') return;
        off();
        resolve();
      });
    });
  const lat: number[] = [];
  for (let i = 1; i <= EDITS; i++) {
    await idle(); // a poke that lands while B is mid-round is not queued (see the report), so edit when B is idle
    const title = `edit ${i}`;
    const seen = new Promise<void>((resolve) => {
      const off = b.onChange(() => {
        void b.tasks.get(task.id).then((r) => {
          if (r?.title !== title) return;
          off();
          resolve();
        });
      });
    });
    const started = performance.now();
    await a.tasks.update(task.id, { title });
    await a.sync();
    await seen;
    lat.push(performance.now() - started);
  }
  await b.close();
  await a.close();
  return lat.sort((x, y) => x - y);
}

async function benchServer(label: string): Promise<ServerRow> {
  const t = await startTestServer();
  try {
    const { pushMs, pullMs } = await deviceToDevice(t);
    const initial = await initialSync(t);
    const lat = await propagation(t);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
    return {
      label,
      abMs: pushMs + pullMs,
      pushMs,
      pullMs,
      initialMs: initial.ms,
      initialRows: initial.rows,
      p50: q(0.5),
      p95: q(0.95),
      max: lat.at(-1)!,
    };
  } finally {
    await t.close();
  }
}

async function main() {
  // (a) engine and raw alternate so both see the same machine state.
  const rs = rawSingle(N);
  const es = await engineSingle(N);
  const rb = rawBulk(N);
  const eb = await engineBulk(N);

  const rows: ServerRow[] = [];
  const pgUrl = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  rows.push(await benchServer('PGlite (in-process)'));
  if (pgUrl) {
    process.env.DATABASE_URL = pgUrl;
    try {
      rows.push(await benchServer('PostgreSQL'));
    } catch (e) {
      console.log(`PostgreSQL row skipped: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  console.log(`\n(a) local writes, ${fmt(N)} tasks on a fresh SQLite file (WAL, synchronous=NORMAL)`);
  console.log('| write | engine ops/s | raw better-sqlite3 rows/s | ratio | aim |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| one transaction per row (tasks.create) | ${fmt(es)} | ${fmt(rs)} | ${(es / rs).toFixed(2)} | ≥ 0.50 |`,
  );
  console.log(
    `| one transaction (tasks.bulkCreate) | ${fmt(eb)} | ${fmt(rb)} | ${(eb / rb).toFixed(2)} | ≥ 0.40 |`,
  );

  console.log(
    `\n(b) ${fmt(N)} tasks A → server → fresh B; (c) initial sync of ${fmt(INITIAL)} rows into a fresh device; (d) ${EDITS} edits A → B over the live stream`,
  );
  console.log(
    '| server | (b) total s | A push s | B pull s | (b) rows/s (aim ≥ 40k) | (c) s | (c) rows/s | (d) p50 ms | (d) p95 ms | (d) max ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${(r.abMs / 1000).toFixed(2)} | ${(r.pushMs / 1000).toFixed(2)} | ${(r.pullMs / 1000).toFixed(2)} | ${fmt(perSec(N, r.abMs))} | ${(r.initialMs / 1000).toFixed(2)} | ${fmt(perSec(r.initialRows, r.initialMs))} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.max.toFixed(1)} |`,
    );
  }
  for (const p of profiles) {
    console.log(`\nCPU profile, ${p.label} (self time, top ${p.top.length}):`);
    for (const line of p.top) console.log(`  ${line}`);
  }
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
