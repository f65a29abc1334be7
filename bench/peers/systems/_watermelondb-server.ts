/**
 * The WatermelonDB peer's sync server, run as its own process by watermelondb.ts: WatermelonDB's pull/push
 * protocol over node:http on loopback, rows in PostgreSQL (_watermelondb-store.ts).
 *
 *   GET  /pull?user=U&last_pulled_at=T  → { changes: { tasks: { created, updated, deleted } }, timestamp }
 *   POST /push?user=U&last_pulled_at=T  body: { tasks: { created, updated, deleted } } → 204, or 409 on conflict
 *
 * Env: PG_URL, PORT (0 = any). Prints "listening <port>" once ready.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { ConflictError, pull, push, SCHEMA } from './_watermelondb-store.ts';

// int8 columns (ms timestamps, the cursor) as JS numbers: every value here is below 2^53. This process only.
pg.types.setTypeParser(20, (v) => Number(v));
const pool = new pg.Pool({ connectionString: process.env.PG_URL, max: 8 });
await pool.query(SCHEMA);

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, json?: unknown) {
  if (json === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(json);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const user = url.searchParams.get('user');
    const since = url.searchParams.get('last_pulled_at');
    const lastPulledAt = since ? Number(since) : null;
    if (!user || (lastPulledAt !== null && !Number.isFinite(lastPulledAt)))
      return send(res, 400, { error: 'bad query' });
    if (req.method === 'GET' && url.pathname === '/pull')
      return send(res, 200, await pull(pool, user, lastPulledAt));
    if (req.method === 'POST' && url.pathname === '/push') {
      if (lastPulledAt === null) return send(res, 400, { error: 'last_pulled_at is required' });
      await push(pool, user, lastPulledAt, JSON.parse(await body(req)));
      return send(res, 204);
    }
    send(res, 404, { error: 'not found' });
  } catch (e) {
    if (e instanceof ConflictError) return send(res, 409, { error: e.message });
    send(res, 500, { error: e instanceof Error ? e.message : String(e) });
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : ''}`);
});

const stop = () => {
  server.close();
  server.closeAllConnections();
  pool.end().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
