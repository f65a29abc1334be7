/**
 * `npm run soak`: SOAK_SECONDS (default 1,800) of mixed load from many users on two server instances on one
 * PostgreSQL, then a check that nothing was lost. SOAK_USERS users (default 20) with two devices each — real
 * engines on their own SQLite files (better-sqlite3), device 0 synced live through instance A and device 1
 * through instance B (`engine.start()`: event stream + background rounds) — write at SOAK_RATE operations per
 * second in all (default 20): task creates, title and status edits, deletes, timer starts and stops. Every
 * SOAK_REPORT_SECONDS (60) it prints the instances' memory, this process's, and how long a write took to show on
 * the user's other device (p50/p95/max), and the sync errors seen.
 *
 * At the end every device syncs twice more and the check runs: each device edits only the rows it created, so
 * the expected final state of every row is known exactly — every acknowledged (locally committed) write's last
 * value is on the server and on both devices, no deleted row is back, both devices equal the server, and every
 * outbox is empty. Exit 1 on any difference. PostgreSQL from DATABASE_URL or postgres://postgres@127.0.0.1:5432/
 * postgres; a fresh database is created and dropped.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '@selftracker/client';
import { openDevice } from '@selftracker/client/testing';
import { api } from '@selftracker/server/testing';
import { type ServerProcess, startServer } from '../apps/web/e2e/harness.ts';
import { pct, scratchPostgres } from './support.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 1800);
const USERS = Number(process.env.SOAK_USERS ?? 20);
const RATE = Number(process.env.SOAK_RATE ?? 20);
const REPORT_SECONDS = Number(process.env.SOAK_REPORT_SECONDS ?? 60);
const PASSWORD = 'soak password 1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const mb = (n: number) => `${n.toFixed(0)} MB`;

interface Expected {
  title: string;
  status: string;
  deleted: boolean;
}
interface User {
  email: string;
  devices: [Engine, Engine];
  /** The rows each device created, with what they must end as. */
  rows: [Map<string, Expected>, Map<string, Expected>];
  /** Writes not yet seen on the other device: row id → the title written, and when. */
  waiting: [Map<string, { title: string; at: number }>, Map<string, { title: string; at: number }>];
}

async function main() {
  const scratch = await scratchPostgres('soak');
  const tmp = mkdtempSync(join(tmpdir(), 'selftracker-soak-'));
  const servers: ServerProcess[] = [];
  const users: User[] = [];
  let failed = false;
  try {
    const env = {
      DATABASE_URL: scratch.url,
      SELFTRACKER_JWT_SECRET: randomBytes(48).toString('base64url'),
      SELFTRACKER_AUTH_PER_MINUTE: '100000',
    };
    for (const name of ['a', 'b']) servers.push(await startServer({ dataDir: join(tmp, name), env }));
    const [a, b] = servers.map((s) => s.baseUrl) as [string, string];
    console.log(
      `soak: ${USERS} users × 2 devices, ${RATE} writes/s, ${SECONDS} s, two instances on PostgreSQL ${scratch.name}`,
    );

    let seq = 0;
    const delays: number[] = [];
    let syncErrors = 0;
    const errorKinds = new Map<string, number>();
    for (let u = 0; u < USERS; u++) {
      const email = `soak-${u}-${Date.now()}@example.com`;
      await api(a).call('POST', '/v1/auth/signup', { body: { email, password: PASSWORD } });
      const d0 = await openDevice(join(tmp, `u${u}-0.sqlite`), a);
      const d1 = await openDevice(join(tmp, `u${u}-1.sqlite`), b);
      await d0.login(email, PASSWORD);
      await d1.login(email, PASSWORD);
      const user: User = {
        email,
        devices: [d0, d1],
        rows: [new Map(), new Map()],
        waiting: [new Map(), new Map()],
      };
      users.push(user);
      user.devices.forEach((engine, i) => {
        let lastError: unknown = null;
        engine.subscribe((s) => {
          if (s.lastError && s.lastError !== lastError) {
            syncErrors++;
            const kind = String((s.lastError as { code?: string }).code ?? s.lastError);
            errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
          }
          lastError = s.lastError;
        });
        // Writes of the other device (1 - i) arriving here.
        const incoming = user.waiting[1 - i]!;
        engine.onChange((_tables, detail) => {
          if (detail.source === 'local' || incoming.size === 0) return;
          void (async () => {
            for (const [id, w] of [...incoming]) {
              const row = await engine.tasks.get(id);
              if (!row || row.title !== w.title) continue;
              delays.push(Date.now() - w.at);
              incoming.delete(id);
            }
          })();
        });
        engine.start();
      });
    }

    // The load: one write at a time per tick, spread over users and devices.
    const write = async () => {
      const user = users[Math.floor(Math.random() * users.length)]!;
      const i = Math.random() < 0.5 ? 0 : 1;
      const engine = user.devices[i]!;
      const mine = user.rows[i]!;
      const ids = [...mine.keys()].filter((id) => !mine.get(id)!.deleted);
      const r = Math.random();
      const title = `soak ${seq++}`;
      if (ids.length < 5 || r < 0.25) {
        const t = await engine.tasks.create({ title, status: 'todo' });
        mine.set(t.id, { title, status: 'todo', deleted: false });
        user.waiting[i]!.set(t.id, { title, at: Date.now() });
      } else if (r < 0.7) {
        const id = ids[Math.floor(Math.random() * ids.length)]!;
        await engine.tasks.update(id, { title });
        mine.get(id)!.title = title;
        user.waiting[i]!.set(id, { title, at: Date.now() });
      } else if (r < 0.85) {
        const id = ids[Math.floor(Math.random() * ids.length)]!;
        const status = mine.get(id)!.status === 'done' ? 'todo' : 'done';
        await engine.tasks.update(id, { status });
        mine.get(id)!.status = status;
      } else if (r < 0.93) {
        const id = ids[Math.floor(Math.random() * ids.length)]!;
        await engine.tasks.delete(id);
        mine.get(id)!.deleted = true;
        user.waiting[i]!.delete(id);
      } else {
        // Timers are shared by the user's devices: stop whichever runs (another device may just have), else start.
        if ((await engine.timers.running()).length > 0) await engine.timers.stop().catch(() => {});
        else await engine.timers.start({ note: title });
      }
    };

    const started = Date.now();
    let ops = 0;
    let nextReport = started + REPORT_SECONDS * 1000;
    const report = () => {
      const window = delays.splice(0);
      console.log(
        JSON.stringify({
          s: Math.round((Date.now() - started) / 1000),
          ops,
          'A rss': mb(rssOf(servers[0]!.child.pid!)),
          'B rss': mb(rssOf(servers[1]!.child.pid!)),
          'devices rss': mb(process.memoryUsage().rss / 1024 / 1024),
          'other device p50 ms': Math.round(pct(window, 50)),
          'p95 ms': Math.round(pct(window, 95)),
          'max ms': Math.round(Math.max(...window, 0)),
          'not yet seen': users.reduce((n, u) => n + u.waiting[0].size + u.waiting[1].size, 0),
          'sync errors': syncErrors,
        }),
      );
    };
    while (Date.now() - started < SECONDS * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE);
      while (ops < due) {
        ops++;
        await write();
      }
      if (Date.now() >= nextReport) {
        report();
        nextReport += REPORT_SECONDS * 1000;
      }
      await sleep(5);
    }
    report();

    // Heal and check.
    for (const u of users) for (const d of u.devices) await d.stop();
    for (let round = 0; round < 2; round++) for (const u of users) for (const d of u.devices) await d.sync();
    const problems: string[] = [];
    for (const u of users) {
      const token = (
        await api(a).call('POST', '/v1/auth/login', { body: { email: u.email, password: PASSWORD } })
      ).body.access_token as string;
      const server = new Map<string, { title: string; status: string } | null>();
      let cursor = '';
      for (;;) {
        const page = await api(a).pull(token, cursor ? `?cursor=${encodeURIComponent(cursor)}` : '');
        for (const c of page.body.changes) if (c.entity === 'tasks') server.set(c.entity_id, c.data);
        cursor = page.body.cursor;
        if (!page.body.has_more) break;
      }
      for (const [i, rows] of u.rows.entries()) {
        for (const [id, want] of rows) {
          const got = server.get(id);
          if (want.deleted) {
            if (got) problems.push(`${u.email}: deleted task ${id} is back on the server`);
          } else if (!got || got.title !== want.title || got.status !== want.status) {
            problems.push(
              `${u.email}: task ${id} of device ${i}: server has ${JSON.stringify(got)}, last write ${JSON.stringify(want)}`,
            );
          }
        }
      }
      const live = [...server].filter(([, d]) => d).map(([id, d]) => `${id} ${d!.title} ${d!.status}`);
      for (const [i, d] of u.devices.entries()) {
        const local = (await d.tasks.list({})).map((t) => `${t.id} ${t.title} ${t.status}`);
        if (local.sort().join('\n') !== live.sort().join('\n'))
          problems.push(
            `${u.email}: device ${i} differs from the server (${local.length} vs ${live.length} tasks)`,
          );
        const timersHere = (await d.timers.list({})).length;
        const timersThere = (await u.devices[1 - i]!.timers.list({})).length;
        if (timersHere !== timersThere)
          problems.push(`${u.email}: device ${i} has ${timersHere} timers, the other ${timersThere}`);
        if (d.status.pending !== 0) problems.push(`${u.email}: device ${i} outbox holds ${d.status.pending}`);
      }
    }
    console.log(
      `check: ${users.length} users, ${ops} writes, sync errors by kind ${JSON.stringify(Object.fromEntries(errorKinds))}`,
    );
    if (problems.length > 0) {
      failed = true;
      console.error(`soak FAILED: ${problems.length} problems\n${problems.slice(0, 20).join('\n')}`);
    } else
      console.log(
        'soak passed: every write on the server and on both devices, nothing deleted came back, outboxes empty',
      );
  } finally {
    for (const u of users) for (const d of u.devices) await d.close().catch(() => {});
    for (const s of servers) await s.stop();
    await scratch.drop();
    rmSync(tmp, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
