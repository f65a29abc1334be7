/**
 * Replicache: the `replicache` client in Node with its in-memory KV store (kvStore: 'mem'; IndexedDB, its only
 * durable store, is browser-only), against a push/pull server of our own (_replicache-server.ts, node:http on
 * PostgreSQL, Replicache's "global version" strategy). Each server workload uses a space of its own (a fresh
 * user), so every count is exact. Replicache's own timers are off (pullInterval null, minDelayMs 0; pushURL and
 * pullURL are set only when a workload syncs), and every push and pull is asked for explicitly with `now: true`.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { uuidv7 } from '@selftracker/core';
import { dropDatabase, Replicache, version, type WriteTransaction } from 'replicache';
import { type PeerServer, startPeerServer } from '../server-process.ts';
import { type BenchTask, expectCount, type RunContext, type System, taskTitle, timed } from '../types.ts';

const VERSION = `replicache ${version}`;
const SEED_BATCH = 10_000;

const key = (id: string) => `task/${id}`;
/** A task as Replicache stores it (an interface has no index signature, so it is not a JSON value to the types). */
const json = (t: BenchTask) => ({ ...t });
const mutators = {
  async createTask(tx: WriteTransaction, t: BenchTask) {
    await tx.set(key(t.id), json(t));
  },
  async createTasks(tx: WriteTransaction, ts: BenchTask[]) {
    for (const t of ts) await tx.set(key(t.id), json(t));
  },
  async updateTitle(tx: WriteTransaction, a: { id: string; title: string; updated_at: number }) {
    const t = (await tx.get(key(a.id))) as BenchTask | undefined;
    if (t) await tx.set(key(a.id), { ...t, title: a.title, updated_at: a.updated_at });
  },
};
type Rep = Replicache<typeof mutators>;

const newTask = (i: number): BenchTask => {
  const now = Date.now();
  return { id: uuidv7(now), title: taskTitle(i), status: 'todo', created_at: now, updated_at: now };
};
const count = (rep: Rep) =>
  rep.query(async (tx) => (await tx.scan({ prefix: 'task/' }).keys().toArray()).length);
const title = (rep: Rep, id: string) =>
  rep.query(async (tx) => ((await tx.get(key(id))) as BenchTask | undefined)?.title);

export default function replicache(): System {
  let child: PeerServer | undefined;
  let url = '';
  let spaces = 0;
  const run = randomUUID().slice(0, 8); // space ids unique even on a reused database
  const open = new Set<Rep>();
  /** A fresh client: a client group of its own (a new name), nothing synced, push and pull off. */
  const client = async () => {
    const rep = new Replicache({
      name: `bench-${randomUUID()}`,
      kvStore: 'mem',
      mutators,
      pullInterval: null,
      requestOptions: { minDelayMs: 0 },
      logLevel: 'error',
    });
    open.add(rep);
    await rep.clientGroupID;
    return rep;
  };
  /** Points a client at a space's push and pull endpoints (no request is made until push() / pull()). */
  const connect = (rep: Rep, space: string) => {
    rep.pushURL = `${url}/push?space=${space}`;
    rep.pullURL = `${url}/pull?space=${space}`;
  };
  const close = async (rep: Rep) => {
    open.delete(rep);
    await rep.close();
    await dropDatabase(rep.idbName, { kvStore: 'mem' }).catch(() => {});
  };
  const closeAll = async () => {
    for (const rep of [...open]) await close(rep);
  };
  const stats = async (space: string, clientID = '') => {
    const r = await fetch(`${url}/stats?space=${space}&client=${clientID}`);
    if (!r.ok) throw new Error(`stats: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as { tasks: number; lastMutationID: number | null };
  };
  const edit = (rep: Rep, id: string, t: string) =>
    rep.mutate.updateTitle({ id, title: t, updated_at: Date.now() });
  /** Two synced clients of a fresh space holding one task. */
  const pair = async () => {
    const space = `${run}-${spaces++}`;
    const a = await client();
    const b = await client();
    connect(a, space);
    connect(b, space);
    const task = newTask(0);
    await a.mutate.createTask(task);
    await a.push({ now: true });
    await a.pull({ now: true });
    await b.pull({ now: true });
    if ((await title(b, task.id)) !== task.title) throw new Error('B did not get the first task');
    return { space, a, b, task };
  };

  return {
    name: 'Replicache',
    version: VERSION,
    setupNote:
      "replicache in Node with kvStore 'mem' (in memory: IndexedDB, its durable store, is browser-only); " +
      'push/pull server of our own on node:http + PostgreSQL as its own process, global-version strategy ' +
      '(a push = one transaction, tasks upserted with unnest; a pull = every task changed since the cookie in one ' +
      'response), one space per workload; one edit = A push + B pull; live = SSE poke from the server, B pulls on it.',
    async setup(ctx: RunContext) {
      child = await startPeerServer(
        join(import.meta.dirname, '_replicache-server.ts'),
        { DATABASE_URL: ctx.pgUrl },
        'Replicache server',
      );
      url = child.url;
    },
    async teardown() {
      await closeAll();
      await child?.stop();
    },
    async localSingle(n) {
      try {
        const rep = await client();
        const [, ms] = await timed(async () => {
          for (let i = 0; i < n; i++) await rep.mutate.createTask(newTask(i));
        });
        expectCount('local tasks', await count(rep), n);
        return ms;
      } finally {
        await closeAll();
      }
    },
    async localBulk(n) {
      try {
        const rep = await client();
        const tasks = Array.from({ length: n }, (_, i) => newTask(i));
        const [, ms] = await timed(() => rep.mutate.createTasks(tasks));
        expectCount('local tasks', await count(rep), n);
        return ms;
      } finally {
        await closeAll();
      }
    },
    async transfer(n) {
      try {
        const space = `${run}-${spaces++}`;
        const a = await client();
        for (let i = 0; i < n; i++) await a.mutate.createTask(newTask(i));
        expectCount('pending mutations on A', (await a.experimentalPendingMutations()).length, n);
        connect(a, space);
        // One push request carries every pending mutation; it returns once the server has committed them.
        const [, pushMs] = await timed(() => a.push({ now: true }));
        const s = await stats(space, a.clientID);
        expectCount('tasks on the server', s.tasks, n);
        expectCount("A's lastMutationID on the server", s.lastMutationID ?? 0, n);
        // A is another device: closed so that its background work (persisting its commits) does not run in B's time.
        await close(a);
        const b = await client();
        connect(b, space);
        const [, pullMs] = await timed(() => b.pull({ now: true }));
        expectCount('tasks on B', await count(b), n);
        return { pushMs, pullMs };
      } finally {
        await closeAll();
      }
    },
    async oneEdit(k) {
      try {
        const { a, b, task } = await pair();
        const out: number[] = [];
        for (let i = 1; i <= k; i++) {
          const t = `edit ${i}`;
          const [, ms] = await timed(async () => {
            await edit(a, task.id, t);
            await a.push({ now: true });
            await b.pull({ now: true });
          });
          const got = await title(b, task.id);
          if (got !== t) throw new Error(`B has "${got}", not "${t}"`);
          out.push(ms);
          await a.pull({ now: true }); // untimed: A learns its mutation was applied, its pending list empties
        }
        return out;
      } finally {
        await closeAll();
      }
    },
    async liveEdit(k) {
      const abort = new AbortController();
      try {
        const { space, a, b, task } = await pair();
        let waiting: { title: string; resolve: () => void } | undefined;
        const unsubscribe = b.subscribe((tx) => tx.get(key(task.id)), {
          onData: (v) => {
            if (waiting && (v as BenchTask | undefined)?.title === waiting.title) waiting.resolve();
          },
        });
        // B's live channel: the server's SSE pokes; on each, B pulls (Replicache's documented poke model).
        const res = await fetch(`${url}/poke?space=${space}`, { signal: abort.signal });
        if (!res.ok || !res.body) throw new Error(`poke channel: HTTP ${res.status}`);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        void (async () => {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            if (decoder.decode(value, { stream: true }).includes('event: poke'))
              b.pull({ now: true }).catch(() => {});
          }
        })().catch(() => {});
        try {
          const out: number[] = [];
          for (let i = 1; i <= k; i++) {
            const t = `live ${i}`;
            const arrived = new Promise<void>((resolve, reject) => {
              waiting = { title: t, resolve };
              setTimeout(() => reject(new Error(`B did not get "${t}" within 30 s`)), 30_000).unref();
            });
            arrived.catch(() => {}); // awaited below; this only keeps an early throw from leaving it unhandled
            const [, ms] = await timed(async () => {
              await edit(a, task.id, t);
              await a.push({ now: true });
              await arrived;
            });
            const got = await title(b, task.id);
            if (got !== t) throw new Error(`B has "${got}", not "${t}"`);
            out.push(ms);
            await a.pull({ now: true }); // untimed, as in oneEdit
          }
          return out;
        } finally {
          unsubscribe();
        }
      } finally {
        abort.abort();
        await closeAll();
      }
    },
    async initialSync(rows) {
      try {
        const space = `${run}-${spaces++}`;
        for (let from = 0; from < rows; from += SEED_BATCH) {
          const tasks = Array.from({ length: Math.min(SEED_BATCH, rows - from) }, (_, i) =>
            newTask(from + i),
          );
          const r = await fetch(`${url}/seed?space=${space}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ tasks }),
          });
          if (!r.ok) throw new Error(`seed: HTTP ${r.status} ${await r.text()}`);
        }
        expectCount('tasks on the server', (await stats(space)).tasks, rows);
        const c = await client();
        connect(c, space);
        const [, ms] = await timed(() => c.pull({ now: true }));
        expectCount('tasks on the fresh client', await count(c), rows);
        return ms;
      } finally {
        await closeAll();
      }
    },
  };
}
