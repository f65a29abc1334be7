/**
 * The RxDB peer's server, run as its own process (`node --import tsx _rxdb-server.ts`, PG_URL in the env): a small
 * HTTP endpoint for RxDB's replication protocol (the shape `replicateRxCollection` expects) over PostgreSQL.
 *
 *   GET  /pull?user=U&seq=S&limit=L  docs of user U with seq > S, ordered by seq, at most L; checkpoint = last seq
 *   POST /push?user=U                body: RxReplicationWriteToMasterRow[]; writes the rows whose assumedMasterState
 *                                    matches the stored row, returns the master state of every conflicting one
 *   GET  /pull/stream?user=U         Server-Sent Events: one `{ documents, checkpoint }` per committed push of U
 *
 * Every row gets `seq` from one sequence when it is written. Pushes of one user run one after another (an in-process
 * queue and a transaction-scoped advisory lock), so a user's seq values commit in order and a pull at checkpoint S
 * never skips a row committed later with a smaller seq. Prints `{"port":N}` on stdout once it listens.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';

interface Doc {
  id: string;
  title: string;
  status: string;
  created_at: number;
  updated_at: number;
  _deleted: boolean;
}
interface WriteRow {
  newDocumentState: Doc;
  assumedMasterState?: Doc;
}

pg.types.setTypeParser(20, Number); // int8 (created_at, updated_at, seq) as numbers: ms fit in a double
const pool = new pg.Pool({ connectionString: process.env.PG_URL, max: 8 });

await pool.query(`
  CREATE SEQUENCE IF NOT EXISTS rx_tasks_seq;
  CREATE TABLE IF NOT EXISTS rx_tasks (
    user_id text NOT NULL,
    id text NOT NULL,
    title text NOT NULL,
    status text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    _deleted boolean NOT NULL DEFAULT false,
    seq bigint NOT NULL DEFAULT nextval('rx_tasks_seq'),
    PRIMARY KEY (user_id, id)
  );
  CREATE INDEX IF NOT EXISTS rx_tasks_user_seq ON rx_tasks (user_id, seq);
`);

const COLS = 'id, title, status, created_at, updated_at, _deleted';
const streams = new Map<string, Set<ServerResponse>>();
const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier push of `user` (so stream events go out in commit order). */
function serial<T>(user: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(user) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const tail = next.catch(() => {});
  queues.set(user, tail);
  void tail.then(() => {
    if (queues.get(user) === tail) queues.delete(user);
  });
  return next;
}

const same = (a: Doc, b: Doc) =>
  a.title === b.title &&
  a.status === b.status &&
  a.created_at === b.created_at &&
  a.updated_at === b.updated_at &&
  !!a._deleted === !!b._deleted;

async function push(user: string, rows: WriteRow[]): Promise<Doc[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [user]);
    const ids = rows.map((r) => r.newDocumentState.id);
    const current = new Map<string, Doc>();
    const found = await client.query<Doc>(
      `SELECT ${COLS} FROM rx_tasks WHERE user_id = $1 AND id = ANY($2::text[])`,
      [user, ids],
    );
    for (const d of found.rows) current.set(d.id, d);
    const conflicts: Doc[] = [];
    const write = new Map<string, Doc>(); // the last row per id wins within one batch
    for (const r of rows) {
      const master = current.get(r.newDocumentState.id);
      // A conflict: the server has the doc and the client assumed another state (or none).
      if (master && (!r.assumedMasterState || !same(master, r.assumedMasterState))) conflicts.push(master);
      else write.set(r.newDocumentState.id, r.newDocumentState);
    }
    let checkpoint: { seq: number } | undefined;
    const docs = [...write.values()];
    if (docs.length) {
      const res = await client.query<{ seq: number }>(
        `INSERT INTO rx_tasks (user_id, ${COLS})
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::bool[])
         ON CONFLICT (user_id, id) DO UPDATE SET title = EXCLUDED.title, status = EXCLUDED.status,
           created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, _deleted = EXCLUDED._deleted,
           seq = EXCLUDED.seq
         RETURNING seq`,
        [
          user,
          docs.map((d) => d.id),
          docs.map((d) => d.title),
          docs.map((d) => d.status),
          docs.map((d) => d.created_at),
          docs.map((d) => d.updated_at),
          docs.map((d) => !!d._deleted),
        ],
      );
      checkpoint = { seq: Math.max(...res.rows.map((r) => r.seq)) };
    }
    await client.query('COMMIT');
    const listeners = streams.get(user);
    if (checkpoint && listeners?.size) {
      const event = `data: ${JSON.stringify({
        documents: docs.map((d) => ({ ...d, _deleted: !!d._deleted })),
        checkpoint,
      })}\n\n`;
      for (const res of listeners) res.write(event);
    }
    return conflicts;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

async function pull(user: string, seq: number, limit: number) {
  const res = await pool.query<Doc & { seq: number }>(
    `SELECT ${COLS}, seq FROM rx_tasks WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [user, seq, limit],
  );
  const last = res.rows.at(-1);
  return {
    documents: res.rows.map(({ seq: _seq, ...d }) => d),
    checkpoint: last ? { seq: last.seq } : { seq },
  };
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, value: unknown) {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const user = url.searchParams.get('user');
    if (!user) return json(res, 400, { error: 'user missing' });
    if (req.method === 'GET' && url.pathname === '/pull') {
      const seq = Number(url.searchParams.get('seq') ?? 0);
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 1000), 10_000);
      return json(res, 200, await pull(user, seq, limit));
    }
    if (req.method === 'POST' && url.pathname === '/push') {
      const rows = JSON.parse(await body(req)) as WriteRow[];
      return json(res, 200, await serial(user, () => push(user, rows)));
    }
    if (req.method === 'GET' && url.pathname === '/pull/stream') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      const listeners = streams.get(user) ?? new Set<ServerResponse>();
      streams.set(user, listeners);
      listeners.add(res);
      req.on('close', () => {
        listeners.delete(res);
        if (!listeners.size) streams.delete(user);
      });
      return;
    }
    json(res, 404, { error: 'not found' });
  } catch (e) {
    json(res, 500, { error: e instanceof Error ? e.message : String(e) });
  }
});

server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0 })}\n`);
});

process.on('SIGTERM', () => {
  for (const set of streams.values()) for (const res of set) res.end();
  server.close();
  server.closeAllConnections();
  void pool.end().finally(() => process.exit(0));
});
