/**
 * SelfTracker itself: the client engine on better-sqlite3 files, the real server as its own process
 * (apps/server/src/main.ts) on the run's PostgreSQL database, with auth, validation, HLCs, the ledger and checksums.
 */
import { join } from 'node:path';
import { type Engine, openEngine } from '@selftracker/client';
import { openNodeDriver } from '@selftracker/client/node';
import { type ServerProcess, startServer } from '../../../apps/web/e2e/harness.ts';
import { PASSWORD, seedUser } from '../../support.ts';
import { expectCount, type RunContext, type System, taskTitle, timed, waitFor } from '../types.ts';

export default function selftracker(): System {
  let server: ServerProcess | undefined;
  let dir = '';
  let files = 0;
  let users = 0;
  const open: Engine[] = [];
  const device = async (online = true) => {
    const e = await openEngine({
      driver: openNodeDriver(join(dir, `device-${files++}.sqlite`)),
      server: online ? server!.baseUrl : 'http://127.0.0.1:9',
    });
    open.push(e);
    return e;
  };
  const email = () => `peers-${Date.now()}-${users++}@example.com`;
  const pair = async () => {
    const address = email();
    const a = await device();
    await a.signup(address, PASSWORD);
    const b = await device();
    await b.login(address, PASSWORD);
    return { a, b };
  };
  const close = async (...es: Engine[]) => {
    for (const e of es) {
      await e.close();
      open.splice(open.indexOf(e), 1);
    }
  };
  const tasks = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ title: taskTitle(i), status: 'todo' as const }));

  return {
    name: 'SelfTracker',
    version: 'this repository',
    setupNote:
      'client engine on a better-sqlite3 file (WAL, synchronous=NORMAL; outbox in the same transaction, per-field HLCs); ' +
      'the real server as its own Node process on PostgreSQL (auth with JWT, zod validation, per-field merge, op ledger, ' +
      'versions, rate limits raised for the run); push 1,000 ops per request with the first pull page in the answer, pull 5,000 rows per page.',
    async setup(ctx: RunContext) {
      dir = ctx.dir;
      server = await startServer({
        dataDir: join(ctx.dir, 'server'),
        env: {
          DATABASE_URL: ctx.pgUrl,
          SELFTRACKER_PULLS_PER_MINUTE: '1000000',
          SELFTRACKER_PUSHES_PER_MINUTE: '1000000',
          // PEERS_PROFILE=1: the server samples itself from start to exit (bench/peers/profile.ts).
          ...(process.env.PEERS_PROFILE_DIR
            ? { NODE_OPTIONS: `--import ${join(import.meta.dirname, '..', 'profile-preload.mjs')}` }
            : {}),
        },
      });
    },
    async teardown() {
      for (const e of open.splice(0)) await e.close().catch(() => {});
      await server?.stop();
    },
    async localSingle(n) {
      const e = await device(false);
      const [, ms] = await timed(async () => {
        for (const t of tasks(n)) await e.tasks.create(t);
      });
      expectCount('local tasks', (await e.tasks.list()).length, n);
      await close(e);
      return ms;
    },
    async localBulk(n) {
      const e = await device(false);
      const input = tasks(n);
      const [, ms] = await timed(() => e.tasks.bulkCreate(input));
      expectCount('local tasks', (await e.tasks.list()).length, n);
      await close(e);
      return ms;
    },
    async transfer(n) {
      const address = email();
      const a = await device();
      await a.signup(address, PASSWORD);
      await a.tasks.bulkCreate(tasks(n));
      const [pushed, pushMs] = await timed(() => a.sync());
      expectCount('pushed', pushed.pushed, n);
      const b = await device();
      await b.login(address, PASSWORD);
      const [, pullMs] = await timed(() => b.sync());
      expectCount('tasks on B', (await b.tasks.list()).length, n);
      await close(a, b);
      return { pushMs, pullMs };
    },
    async oneEdit(k) {
      const { a, b } = await pair();
      const task = await a.tasks.create({ title: 'edit 0' });
      await a.sync();
      await b.sync();
      const out: number[] = [];
      for (let i = 1; i <= k; i++) {
        const title = `edit ${i}`;
        const [, ms] = await timed(async () => {
          await a.tasks.update(task.id, { title });
          await a.sync();
          await b.sync();
        });
        if ((await b.tasks.get(task.id))?.title !== title) throw new Error(`B does not have "${title}"`);
        out.push(ms);
      }
      await close(a, b);
      return out;
    },
    async liveEdit(k) {
      const { a, b } = await pair();
      const task = await a.tasks.create({ title: 'edit 0' });
      await a.sync();
      await b.sync();
      b.start();
      await waitFor('B on the event stream', () => b.live, 10_000, 5);
      const idle = () => waitFor('B idle', () => b.status.phase !== 'syncing', 10_000);
      const out: number[] = [];
      for (let i = 1; i <= k; i++) {
        await idle();
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
        const [, ms] = await timed(async () => {
          await a.tasks.update(task.id, { title });
          await a.sync();
          await seen;
        });
        out.push(ms);
      }
      await close(a, b);
      return out;
    },
    async initialSync(rows) {
      const address = email();
      await seedUser(server!.baseUrl, address, rows);
      const e = await device();
      await e.login(address, PASSWORD);
      const [report, ms] = await timed(() => e.sync());
      expectCount('pulled', report.pulled, rows);
      expectCount('tasks on the fresh device', (await e.tasks.list()).length, rows);
      await close(e);
      return ms;
    },
  };
}
