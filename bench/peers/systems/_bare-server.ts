/**
 * The bare pipeline's server, as its own process: node:http, JSON, PostgreSQL through `pg`, nothing else
 * (no auth, no validation, no HLC, no ledger). Push: one `unnest` upsert per request, each row stamped with the
 * next value of a sequence. Pull: rows after a sequence number, in sequence order. PORT and DATABASE_URL from
 * the environment (POST /reset empties the table between workloads); prints "listening <port>" once ready.
 */
import { createServer, type IncomingMessage } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
await pool.query(`
  CREATE SEQUENCE IF NOT EXISTS bare_seq;
  CREATE TABLE IF NOT EXISTS bare_tasks (
    id uuid PRIMARY KEY, title text NOT NULL, status text NOT NULL,
    created_at bigint NOT NULL, updated_at bigint NOT NULL, seq bigint NOT NULL DEFAULT nextval('bare_seq'));
  CREATE INDEX IF NOT EXISTS bare_tasks_seq ON bare_tasks (seq);`);

interface Row {
  id: string;
  title: string;
  status: string;
  created_at: number;
  updated_at: number;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/push') {
      const rows = (JSON.parse(await body(req)) as { rows: Row[] }).rows;
      await pool.query(
        `INSERT INTO bare_tasks (id, title, status, created_at, updated_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, status = excluded.status,
           updated_at = excluded.updated_at, seq = nextval('bare_seq')`,
        [
          rows.map((r) => r.id),
          rows.map((r) => r.title),
          rows.map((r) => r.status),
          rows.map((r) => r.created_at),
          rows.map((r) => r.updated_at),
        ],
      );
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    if (req.method === 'POST' && url.pathname === '/reset') {
      // No accounts in the bare pipeline: each workload starts from an empty table instead.
      await pool.query('TRUNCATE bare_tasks');
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/pull') {
      const after = Number(url.searchParams.get('after') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 5000);
      const { rows } = await pool.query(
        `SELECT id, title, status, created_at::float8 AS created_at, updated_at::float8 AS updated_at, seq::float8 AS seq
         FROM bare_tasks WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [after, limit],
      );
      const next = rows.length ? (rows.at(-1) as { seq: number }).seq : after;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ rows, next, has_more: rows.length === limit }));
      return;
    }
    res.writeHead(404).end();
  } catch (e) {
    res.writeHead(500).end(String(e));
  }
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : ''}`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
