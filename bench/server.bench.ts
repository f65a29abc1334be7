/**
 * `npm run bench:server`: push and pull throughput of the sync server next to raw SQL of the same rows
 * in the same database and process, and single-op push latency. Prints figures; asserts nothing.
 * Runs against a local PostgreSQL server (DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres;
 * a fresh database is created and dropped) and against in-memory PGlite.
 */
import { uuidv7 } from '@selftracker/core';
import type { Database } from '@selftracker/server';
import { api, createTestDatabase, healthUnderLoad, startTestServer } from '@selftracker/server/testing';

const N = Number(process.env.BENCH_ROWS ?? 100_000);
const BATCH = 1000;
const PAGE = 5000;
const LATENCY_OPS = Number(process.env.BENCH_LATENCY_OPS ?? 1000);

interface Row {
  label: string;
  pushOps: number;
  rawUpsert: number;
  pullRows: number;
  rawSelect: number;
  p50: number;
  p95: number;
  checksumMs: number;
  /** `/v1/health` p99 while 10 checksums and 10 pulls of 5,000 rows run at once. */
  healthP99: number;
}

function taskOps(n: number, node: string) {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    op_id: uuidv7(),
    entity: 'tasks',
    entity_id: uuidv7(),
    operation: 'CREATE',
    data: { title: `Task ${i}`, status: 'todo', created_at: now, updated_at: now },
    hlc: `${String(now).padStart(15, '0')}-${String(i % 100_000).padStart(5, '0')}-${node}`,
  }));
}

async function rawUpsert(db: Database, rows: ReturnType<typeof taskOps>, userId: string): Promise<number> {
  await db.query(`CREATE TABLE IF NOT EXISTS bench_raw (LIKE tasks INCLUDING ALL)`);
  const cols = [
    'user_id',
    'id',
    'version',
    'deleted',
    'hlc',
    'max_hlc',
    'title',
    'status',
    'created_at',
    'updated_at',
  ];
  const started = performance.now();
  for (let b = 0; b < rows.length; b += BATCH) {
    const chunk = rows.slice(b, b + BATCH);
    const params: unknown[] = [];
    const values = chunk.map((op, i) => {
      const hlc = JSON.stringify({ title: op.hlc, status: op.hlc, created_at: op.hlc, updated_at: op.hlc });
      params.push(
        userId,
        op.entity_id,
        b + i + 1,
        false,
        hlc,
        op.hlc,
        op.data.title,
        op.data.status,
        op.data.created_at,
        op.data.updated_at,
      );
      return `(${cols.map((_, j) => `$${i * cols.length + j + 1}`).join(', ')})`;
    });
    await db.query(
      `INSERT INTO bench_raw (${cols.join(', ')}) VALUES ${values.join(', ')} ON CONFLICT (user_id, id) DO UPDATE SET ` +
        cols
          .slice(2)
          .map((c) => `${c} = excluded.${c}`)
          .join(', '),
      params,
    );
  }
  return rows.length / ((performance.now() - started) / 1000);
}

async function rawSelect(db: Database, userId: string): Promise<number> {
  const started = performance.now();
  let after = 0;
  let total = 0;
  for (;;) {
    const rows = await db.query<{ version: number }>(
      'SELECT id, version, deleted, max_hlc, title, description, status, project_id, due_at, created_at, updated_at FROM tasks WHERE user_id = $1 AND version > $2 ORDER BY version LIMIT $3',
      [userId, after, PAGE],
    );
    total += rows.length;
    if (rows.length < PAGE) break;
    after = Number(rows.at(-1)!.version);
  }
  return total / ((performance.now() - started) / 1000);
}

async function benchOne(label: string): Promise<Row> {
  const db = await createTestDatabase();
  // Per-user limits off: the latency figure is 1,000 single-op pushes by one user, well past 600 a minute.
  const t = await startTestServer({
    db,
    limits: {
      pushesPerUserPerMinute: Number.MAX_SAFE_INTEGER,
      pullsPerUserPerMinute: Number.MAX_SAFE_INTEGER,
    },
  });
  try {
    const client = api(t.url);
    const user = await client.signup();
    const ops = taskOps(N, 'bench');

    let started = performance.now();
    for (let b = 0; b < ops.length; b += BATCH) {
      const r = await client.push(user.access_token, { client_id: 'bench', ops: ops.slice(b, b + BATCH) });
      if (r.status !== 200) throw new Error(`push failed: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const pushOps = N / ((performance.now() - started) / 1000);
    const rawUp = await rawUpsert(db, ops, user.user_id);

    started = performance.now();
    let cursor = '';
    let pulled = 0;
    for (;;) {
      const r = await client.pull(user.access_token, `?limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`);
      if (r.status !== 200) throw new Error(`pull failed: ${r.status}`);
      pulled += r.body.changes.length;
      cursor = r.body.cursor;
      if (!r.body.has_more) break;
    }
    const pullRows = pulled / ((performance.now() - started) / 1000);
    if (pulled !== N) throw new Error(`pulled ${pulled} rows, expected ${N}`);
    const rawSel = await rawSelect(db, user.user_id);

    started = performance.now();
    const sum = await client.call('GET', '/v1/sync/checksum', { token: user.access_token });
    const checksumMs = performance.now() - started;
    if (sum.status !== 200 || sum.body.entities.tasks.count !== N)
      throw new Error(`checksum failed: ${sum.status}`);

    const health = await healthUnderLoad(t.url, user.access_token);
    if (health.replies.some((r) => r.status !== 200)) throw new Error('a checksum or pull under load failed');

    const lat: number[] = [];
    for (const op of taskOps(LATENCY_OPS, 'lat')) {
      const s = performance.now();
      const r = await client.push(user.access_token, { client_id: 'lat', ops: [op] });
      lat.push(performance.now() - s);
      if (r.status !== 200) throw new Error(`push failed: ${r.status}`);
    }
    lat.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
    return {
      label,
      pushOps,
      rawUpsert: rawUp,
      pullRows,
      rawSelect: rawSel,
      p50: q(0.5),
      p95: q(0.95),
      checksumMs,
      healthP99: health.p99,
    };
  } finally {
    await t.close();
    await db.close();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
async function main() {
  const results: Row[] = [];
  const pgUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  process.env.DATABASE_URL = pgUrl;
  try {
    results.push(await benchOne('PostgreSQL'));
  } catch (e) {
    console.log(`PostgreSQL row skipped: ${e instanceof Error ? e.message : String(e)}`);
  }
  delete process.env.DATABASE_URL;
  results.push(await benchOne('PGlite'));

  console.log(
    `\nsync server, ${fmt(N)} task ops in pushes of ${BATCH}; pull in pages of ${PAGE}; ${LATENCY_OPS} single-op pushes; checksum of the ${fmt(N)} rows; health p99 while 10 checksums and 10 pulls of ${PAGE} run`,
  );
  console.log(
    '| database | push ops/s | raw upsert rows/s | ratio | pull rows/s | raw select rows/s | ratio | 1-op push p50 ms | p95 ms | checksum ms | health p99 ms under load |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.label} | ${fmt(r.pushOps)} | ${fmt(r.rawUpsert)} | ${(r.pushOps / r.rawUpsert).toFixed(2)} | ${fmt(r.pullRows)} | ${fmt(r.rawSelect)} | ${(r.pullRows / r.rawSelect).toFixed(2)} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${Math.round(r.checksumMs)} | ${r.healthP99.toFixed(1)} |`,
    );
  }
}

await main();
