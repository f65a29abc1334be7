/**
 * Replicache's push and pull endpoints, as their own process: node:http, JSON, PostgreSQL through `pg`, following
 * the "global version" backend strategy of Replicache's docs (doc.replicache.dev, "Backend Strategies"), one
 * version counter per space (here: per workload, standing for a user).
 *
 * POST /push?space=S   PushRequestV1: in one transaction (space row locked FOR UPDATE), each mutation is applied
 *                      if its id is the client's lastMutationID + 1, skipped if already processed, an error if
 *                      ahead; the tasks written are upserted with one `unnest` statement stamped with the new
 *                      version, the clients' lastMutationIDs with another. Then every poke listener of S is told.
 * POST /pull?space=S   PullRequestV1 with cookie = the version last seen: puts of every task changed since, the
 *                      lastMutationIDs of the group's clients changed since, and the current version as cookie.
 * GET  /poke?space=S   server-sent events: one "poke" event after each push that changed S.
 * POST /seed?space=S   { tasks } straight into the table (initial sync's untimed seeding, no mutations).
 * GET  /stats?space=S&client=C   { tasks, lastMutationID } to check a workload's result.
 *
 * DATABASE_URL and PORT from the environment; prints "listening <port>" once ready.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';

interface Task {
  id: string;
  title: string;
  status: string;
  created_at: number;
  updated_at: number;
}
interface Mutation {
  id: number;
  clientID: string;
  name: string;
  args: unknown;
  timestamp: number;
}

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
await pool.query(`
  CREATE TABLE IF NOT EXISTS rep_space (id text PRIMARY KEY, version bigint NOT NULL);
  CREATE TABLE IF NOT EXISTS rep_client (
    id text PRIMARY KEY, client_group_id text NOT NULL, space_id text NOT NULL,
    last_mutation_id bigint NOT NULL, version bigint NOT NULL);
  CREATE INDEX IF NOT EXISTS rep_client_group ON rep_client (client_group_id, version);
  CREATE TABLE IF NOT EXISTS rep_task (
    space_id text NOT NULL, id text NOT NULL, title text NOT NULL, status text NOT NULL,
    created_at bigint NOT NULL, updated_at bigint NOT NULL, deleted boolean NOT NULL DEFAULT false,
    version bigint NOT NULL, PRIMARY KEY (space_id, id));
  CREATE INDEX IF NOT EXISTS rep_task_version ON rep_task (space_id, version);`);

const pokes = new Map<string, Set<ServerResponse>>();

async function body<T>(req: IncomingMessage): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

const isTask = (t: unknown): t is Task => {
  const x = t as Task;
  return (
    !!x &&
    typeof x.id === 'string' &&
    typeof x.title === 'string' &&
    typeof x.status === 'string' &&
    typeof x.created_at === 'number' &&
    typeof x.updated_at === 'number'
  );
};

/** Locks the space's row (creating it at version 0) and returns the version the transaction will write. */
async function nextVersion(db: pg.PoolClient, space: string): Promise<number> {
  await db.query('INSERT INTO rep_space (id, version) VALUES ($1, 0) ON CONFLICT (id) DO NOTHING', [space]);
  const { rows } = await db.query('SELECT version::float8 AS v FROM rep_space WHERE id = $1 FOR UPDATE', [
    space,
  ]);
  return (rows[0] as { v: number }).v + 1;
}

async function upsertTasks(db: pg.PoolClient, space: string, tasks: Task[], version: number) {
  if (!tasks.length) return;
  await db.query(
    `INSERT INTO rep_task (space_id, id, title, status, created_at, updated_at, version)
     SELECT $1::text, u.*, $7::bigint FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[]) AS u
     ON CONFLICT (space_id, id) DO UPDATE SET title = excluded.title, status = excluded.status,
       updated_at = excluded.updated_at, deleted = false, version = excluded.version`,
    [
      space,
      tasks.map((t) => t.id),
      tasks.map((t) => t.title),
      tasks.map((t) => t.status),
      tasks.map((t) => t.created_at),
      tasks.map((t) => t.updated_at),
      version,
    ],
  );
}

async function push(
  space: string,
  req: { clientGroupID: string; mutations: Mutation[]; pushVersion: number },
) {
  if (req.pushVersion !== 1) return { error: 'VersionNotSupported', versionType: 'push' };
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    const version = await nextVersion(db, space);
    const ids = [...new Set(req.mutations.map((m) => m.clientID))];
    const { rows } = await db.query(
      'SELECT id, last_mutation_id::float8 AS lmid FROM rep_client WHERE id = ANY($1)',
      [ids],
    );
    const lmid = new Map<string, number>(ids.map((id) => [id, 0]));
    for (const r of rows as { id: string; lmid: number }[]) lmid.set(r.id, r.lmid);
    const changed = new Set<string>();
    const writes = new Map<string, Task>();
    const titleEdits = new Map<string, { title: string; updated_at: number }>();
    for (const m of req.mutations) {
      const expected = lmid.get(m.clientID)! + 1;
      if (m.id < expected) continue; // already processed
      if (m.id > expected) throw new Error(`mutation ${m.id} from the future, expected ${expected}`);
      // A mutation whose arguments are invalid is skipped but still counts as processed (Replicache's docs).
      if (m.name === 'createTask' && isTask(m.args)) writes.set(m.args.id, m.args);
      else if (m.name === 'createTasks' && Array.isArray(m.args) && m.args.every(isTask))
        for (const t of m.args) writes.set(t.id, t);
      else if (m.name === 'updateTitle') {
        const a = m.args as { id: string; title: string; updated_at: number };
        const w = writes.get(a.id);
        if (w) writes.set(a.id, { ...w, title: a.title, updated_at: a.updated_at });
        else titleEdits.set(a.id, { title: a.title, updated_at: a.updated_at });
      }
      lmid.set(m.clientID, m.id);
      changed.add(m.clientID);
    }
    await upsertTasks(db, space, [...writes.values()], version);
    if (titleEdits.size)
      await db.query(
        `UPDATE rep_task t SET title = e.title, updated_at = e.updated_at, version = $2
         FROM unnest($3::text[], $4::text[], $5::bigint[]) AS e(id, title, updated_at)
         WHERE t.space_id = $1 AND t.id = e.id`,
        [
          space,
          version,
          [...titleEdits.keys()],
          [...titleEdits.values()].map((e) => e.title),
          [...titleEdits.values()].map((e) => e.updated_at),
        ],
      );
    const clients = [...changed];
    if (clients.length)
      await db.query(
        `INSERT INTO rep_client (id, client_group_id, space_id, last_mutation_id, version)
         SELECT c.id, $1, $2, c.lmid, $3 FROM unnest($4::text[], $5::bigint[]) AS c(id, lmid)
         ON CONFLICT (id) DO UPDATE SET last_mutation_id = excluded.last_mutation_id, version = excluded.version`,
        [req.clientGroupID, space, version, clients, clients.map((c) => lmid.get(c))],
      );
    await db.query('UPDATE rep_space SET version = $2 WHERE id = $1', [space, version]);
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    db.release();
  }
  for (const res of pokes.get(space) ?? []) res.write('event: poke\ndata: {}\n\n');
  return {};
}

/** The pull response, serialised by hand: at 100,000 rows it is most of the work. */
async function pull(
  space: string,
  req: { cookie: number | null; clientGroupID: string; pullVersion: number },
) {
  if (req.pullVersion !== 1) return JSON.stringify({ error: 'VersionNotSupported', versionType: 'pull' });
  const since = typeof req.cookie === 'number' ? req.cookie : 0;
  const db = await pool.connect();
  try {
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows: sp } = await db.query('SELECT version::float8 AS v FROM rep_space WHERE id = $1', [space]);
    const version = (sp[0] as { v: number } | undefined)?.v ?? 0;
    const { rows: clients } = await db.query(
      'SELECT id, last_mutation_id::float8 AS lmid FROM rep_client WHERE client_group_id = $1 AND version > $2',
      [req.clientGroupID, since],
    );
    const { rows: tasks } = await db.query(
      `SELECT id, title, status, created_at::float8 AS created_at, updated_at::float8 AS updated_at, deleted
       FROM rep_task WHERE space_id = $1 AND version > $2`,
      [space, since],
    );
    await db.query('COMMIT');
    const lmids: Record<string, number> = {};
    for (const c of clients as { id: string; lmid: number }[]) lmids[c.id] = c.lmid;
    const patch: string[] = req.cookie === null ? ['{"op":"clear"}'] : [];
    for (const t of tasks as (Task & { deleted: boolean })[]) {
      const key = JSON.stringify(`task/${t.id}`);
      patch.push(
        t.deleted
          ? `{"op":"del","key":${key}}`
          : `{"op":"put","key":${key},"value":${JSON.stringify({ id: t.id, title: t.title, status: t.status, created_at: t.created_at, updated_at: t.updated_at })}}`,
      );
    }
    return `{"cookie":${version},"lastMutationIDChanges":${JSON.stringify(lmids)},"patch":[${patch.join(',')}]}`;
  } catch (e) {
    await db.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    db.release();
  }
}

async function seed(space: string, tasks: Task[]) {
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    const version = await nextVersion(db, space);
    await upsertTasks(db, space, tasks, version);
    await db.query('UPDATE rep_space SET version = $2 WHERE id = $1', [space, version]);
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    db.release();
  }
}

const json = (res: ServerResponse, text: string) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(text);

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://x');
    const space = url.searchParams.get('space') ?? 'default';
    if (req.method === 'POST' && url.pathname === '/push') {
      json(res, JSON.stringify(await push(space, await body(req))));
    } else if (req.method === 'POST' && url.pathname === '/pull') {
      json(res, await pull(space, await body(req)));
    } else if (req.method === 'GET' && url.pathname === '/poke') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': listening\n\n');
      const set = pokes.get(space) ?? new Set();
      pokes.set(space, set.add(res));
      req.on('close', () => set.delete(res));
    } else if (req.method === 'POST' && url.pathname === '/seed') {
      await seed(space, (await body<{ tasks: Task[] }>(req)).tasks);
      json(res, '{}');
    } else if (req.method === 'GET' && url.pathname === '/stats') {
      const { rows } = await pool.query(
        `SELECT (SELECT count(*)::int FROM rep_task WHERE space_id = $1 AND NOT deleted) AS tasks,
                (SELECT last_mutation_id::float8 FROM rep_client WHERE id = $2) AS "lastMutationID"`,
        [space, url.searchParams.get('client') ?? ''],
      );
      json(res, JSON.stringify(rows[0]));
    } else res.writeHead(404).end();
  } catch (e) {
    if (!res.headersSent) res.writeHead(500).end(String(e));
  }
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : ''}`);
});
process.on('SIGTERM', () => {
  for (const set of pokes.values()) for (const res of set) res.end();
  server.close();
  server.closeAllConnections();
  void pool.end().then(() => process.exit(0));
});
