/**
 * The floor to beat: SelfTracker's architecture without auth, validation, HLCs, ledger or checksums. A
 * better-sqlite3 client writes the row and an outbox entry in one transaction; sync pushes the outbox 1,000 rows
 * per request to a node:http server (its own process) that upserts them into PostgreSQL with `unnest` and a
 * sequence, then pulls by sequence, 5,000 rows per page — the same batch sizes as SelfTracker.
 */
import { join } from 'node:path';
import { uuidv7 } from '@selftracker/core';
import Database from 'better-sqlite3';
import { type PeerServer, startPeerServer } from '../server-process.ts';
import { type BenchTask, expectCount, type RunContext, type System, taskTitle, timed } from '../types.ts';

const PUSH_BATCH = 1000;
const PULL_LIMIT = 5000;

class BareClient {
  db: Database.Database;
  #write: (t: BenchTask) => void;
  #bulk: (ts: BenchTask[]) => void;
  #upsert: (rows: BenchTask[], next: number) => void;
  constructor(
    file: string,
    readonly url: string,
  ) {
    const db = new Database(file);
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, status TEXT NOT NULL,
               created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
             CREATE TABLE outbox (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, title TEXT NOT NULL, status TEXT NOT NULL,
               created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
             CREATE TABLE cursor (one INTEGER PRIMARY KEY CHECK (one = 1), seq INTEGER NOT NULL);
             INSERT INTO cursor VALUES (1, 0);`);
    const upsertRow = db.prepare(
      `INSERT INTO tasks (id, title, status, created_at, updated_at) VALUES (@id, @title, @status, @created_at, @updated_at)
       ON CONFLICT (id) DO UPDATE SET title = excluded.title, status = excluded.status, updated_at = excluded.updated_at`,
    );
    const queue = db.prepare(
      'INSERT INTO outbox (id, title, status, created_at, updated_at) VALUES (@id, @title, @status, @created_at, @updated_at)',
    );
    const setCursor = db.prepare('UPDATE cursor SET seq = ?');
    this.#write = db.transaction((t: BenchTask) => {
      upsertRow.run(t);
      queue.run(t);
    });
    this.#bulk = db.transaction((ts: BenchTask[]) => {
      for (const t of ts) {
        upsertRow.run(t);
        queue.run(t);
      }
    });
    this.#upsert = db.transaction((rows: BenchTask[], next: number) => {
      for (const r of rows) upsertRow.run(r);
      setCursor.run(next);
    });
  }
  write(t: BenchTask) {
    this.#write(t);
  }
  bulk(ts: BenchTask[]) {
    this.#bulk(ts);
  }
  title(id: string): string | undefined {
    return (this.db.prepare('SELECT title FROM tasks WHERE id = ?').get(id) as { title: string } | undefined)
      ?.title;
  }
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n;
  }
  async push(): Promise<number> {
    const read = this.db.prepare(
      'SELECT seq, id, title, status, created_at, updated_at FROM outbox ORDER BY seq LIMIT ?',
    );
    const remove = this.db.prepare('DELETE FROM outbox WHERE seq <= ?');
    let pushed = 0;
    for (;;) {
      const batch = read.all(PUSH_BATCH) as (BenchTask & { seq: number })[];
      if (!batch.length) return pushed;
      const rows = batch.map(({ seq: _, ...r }) => r);
      const res = await fetch(`${this.url}/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rows }),
      });
      if (!res.ok) throw new Error(`push: HTTP ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      remove.run(batch.at(-1)!.seq);
      pushed += batch.length;
    }
  }
  async pull(): Promise<number> {
    let after = (this.db.prepare('SELECT seq FROM cursor').get() as { seq: number }).seq;
    let pulled = 0;
    for (;;) {
      const res = await fetch(`${this.url}/pull?after=${after}&limit=${PULL_LIMIT}`);
      if (!res.ok) throw new Error(`pull: HTTP ${res.status} ${await res.text()}`);
      const page = (await res.json()) as {
        rows: (BenchTask & { seq?: number })[];
        next: number;
        has_more: boolean;
      };
      const rows = page.rows.map(({ seq: _, ...r }) => r);
      this.#upsert(rows, page.next);
      pulled += rows.length;
      after = page.next;
      if (!page.has_more) return pulled;
    }
  }
  async sync() {
    await this.push();
    await this.pull();
  }
  close() {
    this.db.close();
  }
}

const newTask = (i: number): BenchTask => {
  const now = Date.now();
  return { id: uuidv7(now), title: taskTitle(i), status: 'todo', created_at: now, updated_at: now };
};

export default function bare(): System {
  let child: PeerServer | undefined;
  let url = '';
  let dir = '';
  let files = 0;
  const clients: BareClient[] = [];
  /** The bare pipeline has no accounts: each server workload starts from an empty table instead. */
  const reset = async () => {
    const r = await fetch(`${url}/reset`, { method: 'POST' });
    if (!r.ok) throw new Error(`reset: HTTP ${r.status}`);
  };
  const client = () => {
    const c = new BareClient(join(dir, `bare-${files++}.sqlite`), url);
    clients.push(c);
    return c;
  };
  return {
    name: 'bare pipeline',
    version: 'this repository (bench/peers/systems/bare.ts)',
    setupNote:
      'better-sqlite3 file (WAL, synchronous=NORMAL), row + outbox entry in one transaction; node:http server as its own process, ' +
      'no auth/validation/HLC/ledger: push = one unnest upsert of 1,000 rows with a sequence, pull = 5,000 rows by sequence; no live channel.',
    async setup(ctx: RunContext) {
      dir = ctx.dir;
      child = await startPeerServer(
        join(import.meta.dirname, '_bare-server.ts'),
        { DATABASE_URL: ctx.pgUrl },
        'bare server',
      );
      url = child.url;
    },
    async teardown() {
      for (const c of clients.splice(0)) c.close();
      await child?.stop();
    },
    async localSingle(n) {
      const c = client();
      const [, ms] = await timed(() => {
        for (let i = 0; i < n; i++) c.write(newTask(i));
      });
      expectCount('local tasks', c.count(), n);
      return ms;
    },
    async localBulk(n) {
      const c = client();
      const [, ms] = await timed(() => c.bulk(Array.from({ length: n }, (_, i) => newTask(i))));
      expectCount('local tasks', c.count(), n);
      return ms;
    },
    async transfer(n) {
      await reset();
      const a = client();
      a.bulk(Array.from({ length: n }, (_, i) => newTask(i)));
      const [pushed, pushMs] = await timed(() => a.push());
      expectCount('pushed', pushed, n);
      const b = client();
      const [, pullMs] = await timed(() => b.pull());
      expectCount('tasks on B', b.count(), n);
      return { pushMs, pullMs };
    },
    async oneEdit(k) {
      await reset();
      const a = client();
      const b = client();
      const task = newTask(0);
      a.write(task);
      await a.sync();
      await b.sync();
      const out: number[] = [];
      for (let i = 1; i <= k; i++) {
        const title = `edit ${i}`;
        const [, ms] = await timed(async () => {
          a.write({ ...task, title, updated_at: Date.now() });
          await a.sync();
          await b.sync();
        });
        if (b.title(task.id) !== title) throw new Error(`B does not have "${title}"`);
        out.push(ms);
      }
      return out;
    },
    async initialSync(rows) {
      await reset();
      const seed = client();
      for (let b = 0; b < rows; b += PUSH_BATCH) {
        seed.bulk(Array.from({ length: Math.min(PUSH_BATCH, rows - b) }, (_, i) => newTask(b + i)));
        await seed.push();
      }
      const c = client();
      const [, ms] = await timed(() => c.pull());
      expectCount('tasks on the fresh client', c.count(), rows);
      return ms;
    },
  };
}
