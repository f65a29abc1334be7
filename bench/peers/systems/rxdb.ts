/**
 * RxDB as a peer: RxDB 17 with its free memory storage on the client (no dev-mode plugin, no schema-validation
 * wrapper: neither is required, and dev-mode would distort timing), replicating with RxDB's own replication
 * protocol (`replicateRxCollection`: checkpoint pull, push with conflict check, live pull.stream$ over SSE) against
 * `_rxdb-server.ts`, a small HTTP server of our own in its own process that stores the rows in PostgreSQL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uuidv7 } from '@selftracker/core';
import pg from 'pg';
import { filter, firstValueFrom } from 'rxjs';
import { type BenchTask, expectCount, type RunContext, type System, taskTitle, timed } from '../types.ts';
import { BATCH, RxClient } from './_rxdb-client.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');

function task(i: number, now = Date.now()): BenchTask {
  return { id: uuidv7(now), title: taskTitle(i), status: 'todo', created_at: now, updated_at: now };
}

export default function rxdb(): System {
  let server: ChildProcess | undefined;
  let base = '';
  let pool: pg.Pool | undefined;
  let users = 0;
  const open = new Set<RxClient>();

  const newUser = () => `user_${process.pid}_${++users}_${Date.now()}`;
  const client = async (label: string) => {
    const c = await RxClient.open(label);
    open.add(c);
    return c;
  };
  const close = async (...cs: (RxClient | undefined)[]) => {
    for (const c of cs) {
      if (!c) continue;
      open.delete(c);
      await c.close();
    }
  };
  const serverCount = async (user: string) => {
    const r = await pool!.query<{ n: string }>(
      'SELECT count(*) AS n FROM rx_tasks WHERE user_id = $1 AND NOT _deleted',
      [user],
    );
    return Number(r.rows[0]!.n);
  };

  return {
    name: 'RxDB',
    version: 'rxdb 17.6.0, rxjs 7.8.2 (server: pg 8.23.1 on PostgreSQL)',
    setupNote:
      `client: RxDB with its free in-memory storage (getRxStorageMemory; nothing on disk, no dev-mode, no schema ` +
      `validation), a fresh uniquely named database per client; sync: RxDB's replication protocol ` +
      `(replicateRxCollection) over HTTP to a Node server of ours in its own process on loopback, batches of ` +
      `${BATCH} docs per pull and per push; the server keeps rows in one PostgreSQL table (user_id, id, title, ` +
      `status, created_at, updated_at, _deleted, seq from a sequence), pull = rows with seq > checkpoint ordered by ` +
      `seq, push = one transaction per batch under a per-user advisory lock: compares each row's assumedMasterState ` +
      `with the stored row, upserts the others with one unnest INSERT … ON CONFLICT, returns the master state of ` +
      `conflicting rows; live: an SSE endpoint sends each committed push ({documents, checkpoint}) to pull.stream$ ` +
      `(RESYNC on connect). Pulling clients replicate both ways as an app would (W4 A and live A push only); W2 rows ` +
      `are seeded into PostgreSQL directly (then ANALYZE).`,

    async setup(ctx: RunContext) {
      pool = new pg.Pool({ connectionString: ctx.pgUrl, max: 2 });
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, '_rxdb-server.ts')], {
        cwd: repoRoot,
        env: { ...process.env, PG_URL: ctx.pgUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      server = child;
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (s: string) => {
        stderr += s;
        process.stderr.write(`[rxdb server] ${s}`);
      });
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error('RxDB server did not start within 30 s')), 30_000);
        child.stdout!.setEncoding('utf8').on('data', (s: string) => {
          out += s;
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) {
            clearTimeout(timer);
            resolve((JSON.parse(line) as { port: number }).port);
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`RxDB server exited with ${code} before listening: ${stderr.trim()}`));
        });
      });
      base = `http://127.0.0.1:${port}`;
    },

    async teardown() {
      await close(...open);
      if (server && server.exitCode === null) {
        const exited = once(server, 'exit');
        server.kill('SIGTERM');
        await exited;
      }
      await pool?.end();
    },

    async localSingle(n) {
      const c = await client('single');
      try {
        const [, ms] = await timed(async () => {
          for (let i = 0; i < n; i++) await c.tasks.insert(task(i));
        });
        expectCount('RxDB tasks after single inserts', await c.count(), n);
        return ms;
      } finally {
        await close(c);
      }
    },

    async localBulk(n) {
      const c = await client('bulk');
      try {
        const [res, ms] = await timed(() => {
          const now = Date.now();
          const docs: BenchTask[] = [];
          for (let i = 0; i < n; i++) docs.push(task(i, now));
          return c.tasks.bulkInsert(docs);
        });
        expectCount('RxDB bulkInsert errors', res.error.length, 0);
        expectCount('RxDB tasks after bulkInsert', await c.count(), n);
        return ms;
      } finally {
        await close(c);
      }
    },

    async transfer(n) {
      const user = newUser();
      const a = await client('transferA');
      let b: RxClient | undefined;
      try {
        const now = Date.now();
        const docs: BenchTask[] = [];
        for (let i = 0; i < n; i++) docs.push(task(i, now));
        expectCount('RxDB A bulkInsert errors', (await a.tasks.bulkInsert(docs)).error.length, 0);
        const up = a.replicate(base, user, { push: true, pull: false, autoStart: false }).state;
        const [, pushMs] = await timed(async () => {
          await up.start();
          await a.within('A push', up.awaitInSync());
        });
        expectCount('server rows after A pushed', await serverCount(user), n);
        const bc = await client('transferB');
        b = bc;
        const [, pullMs] = await timed(async () => {
          const down = bc.replicate(base, user, { push: true, pull: true }).state;
          await bc.within('B pull', down.awaitInSync());
        });
        expectCount('RxDB B tasks after pull', await bc.count(), n);
        return { pushMs, pullMs };
      } finally {
        await close(a, b);
      }
    },

    async oneEdit(k) {
      const user = newUser();
      const a = await client('editA');
      const b = await client('editB');
      try {
        // Two synced clients; neither has a live stream, so B pulls only when asked (reSync).
        const first = await a.tasks.insert(task(0));
        const ra = a.replicate(base, user, { push: true, pull: true }).state;
        await a.within('A first sync', ra.awaitInSync());
        const rb = b.replicate(base, user, { push: true, pull: true }).state;
        await b.within('B first sync', rb.awaitInSync());
        expectCount('RxDB B tasks before edits', await b.count(), 1);
        const out: number[] = [];
        for (let i = 0; i < k; i++) {
          const title = `${taskTitle(0)} edit ${i}`;
          const [seen, ms] = await timed(async () => {
            await first.incrementalPatch({ title, updated_at: Date.now() });
            await a.within('A push', ra.awaitInSync());
            rb.reSync();
            await b.within('B pull', rb.awaitInSync());
            return (await b.tasks.findOne(first.primary).exec())?.title;
          });
          if (seen !== title) throw new Error(`B has title ${JSON.stringify(seen)}, expected ${title}`);
          out.push(ms);
        }
        return out;
      } finally {
        await close(a, b);
      }
    },

    async liveEdit(k) {
      const user = newUser();
      const a = await client('liveA');
      const b = await client('liveB');
      try {
        const first = await a.tasks.insert(task(0));
        const ra = a.replicate(base, user, { push: true, pull: false }).state;
        await a.within('A first sync', ra.awaitInSync());
        const { state: rb, stream } = b.replicate(base, user, { push: false, pull: true, live: true });
        await b.within('B stream connect', stream!.connected);
        await b.within('B first sync', rb.awaitInSync());
        const doc = await b.tasks.findOne(first.primary).exec();
        if (!doc) throw new Error('B does not have the task before the live edits');
        const out: number[] = [];
        for (let i = 0; i < k; i++) {
          const title = `${taskTitle(0)} live ${i}`;
          const seen = firstValueFrom(doc.get$('title').pipe(filter((t) => t === title)));
          const [, ms] = await timed(async () => {
            await first.incrementalPatch({ title, updated_at: Date.now() });
            await b.within('B live update', seen, 60_000);
          });
          out.push(ms);
          await a.within('A push', ra.awaitInSync());
        }
        return out;
      } finally {
        await close(a, b);
      }
    },

    async initialSync(rows) {
      const user = newUser();
      // Seeded straight into PostgreSQL (untimed), with uuidv7 ids as the clients make them.
      const now = Date.now();
      for (let from = 0; from < rows; from += 10_000) {
        const ids: string[] = [];
        const titles: string[] = [];
        for (let i = from; i < Math.min(rows, from + 10_000); i++) {
          ids.push(uuidv7(now));
          titles.push(taskTitle(i));
        }
        await pool!.query(
          `INSERT INTO rx_tasks (user_id, id, title, status, created_at, updated_at, _deleted)
           SELECT $1, id, title, 'todo', $2, $2, false FROM unnest($3::text[], $4::text[]) AS t(id, title)`,
          [user, now, ids, titles],
        );
      }
      // Fresh stats, as autovacuum would have them on a server whose rows were not all written a second ago.
      await pool!.query('ANALYZE rx_tasks');
      expectCount('server rows seeded', await serverCount(user), rows);
      const c = await client('initial');
      try {
        const [, ms] = await timed(async () => {
          const r = c.replicate(base, user, { push: true, pull: true }).state;
          await c.within('initial pull', r.awaitInSync());
        });
        expectCount('RxDB tasks after initial sync', await c.count(), rows);
        return ms;
      } finally {
        await close(c);
      }
    },
  };
}
