/**
 * `npm run bench:live`: many live devices on two server instances, and how fast an edit reaches the other
 * device. Two real server processes on one fresh PostgreSQL database; LIVE_USERS users (default 5,000) with two
 * devices each, device 0 on instance A and device 1 on instance B, each holding an event stream
 * (`/v1/sync/events`) opened by holder processes (bench/live-holder.ts). A writer pushes a new task for a random
 * user at a steady rate, as one of the user's devices; the other device is poked (through PostgreSQL NOTIFY, since
 * it is on the other instance) and pulls. Printed per rate (LIVE_RATES, default 50,200,500 pushes/s, each for
 * LIVE_STEP_SECONDS, default 20): push → other device has pulled it, p50/p95/p99, and each instance's CPU; and
 * the connections each instance holds, with its memory per connection.
 *
 * Users are inserted straight into PostgreSQL and their access tokens signed with the instances' shared secret
 * (5,000 sign-ups would spend minutes in scrypt, which is not what this measures). PostgreSQL comes from
 * DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres; the database is created and dropped here.
 */
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '@selftracker/core';
import { SignJWT } from 'jose';
import pg from 'pg';
import { type ServerProcess, startServer } from '../apps/web/e2e/harness.ts';
import { pct, scratchPostgres } from './support.ts';

const USERS = Number(process.env.LIVE_USERS ?? 5000);
const RATES = (process.env.LIVE_RATES ?? '50,200,500').split(',').map(Number);
const STEP_SECONDS = Number(process.env.LIVE_STEP_SECONDS ?? 20);
const PER_HOLDER = 2500;
const DEVICES = USERS * 2;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident memory (bytes) and CPU time used so far (ms) of a process, from /proc. */
function usage(pid: number): { rss: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100 per second)
  return { rss, cpuMs: ticks * 10 };
}
const openFds = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/limits`, 'utf8').match(/Max open files\s+(\d+)/)?.[1] ?? '?';
  } catch {
    return '?';
  }
};
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

async function main() {
  const scratch = await scratchPostgres('live');
  const secret = randomBytes(48).toString('base64url');
  const tmp = mkdtempSync(join(tmpdir(), 'selftracker-live-'));
  const servers: ServerProcess[] = [];
  const holders: ReturnType<typeof fork>[] = [];
  try {
    const env = {
      DATABASE_URL: scratch.url,
      SELFTRACKER_JWT_SECRET: secret,
      SELFTRACKER_PULLS_PER_MINUTE: '100000',
      SELFTRACKER_PUSHES_PER_MINUTE: '100000',
    };
    console.log(
      `bench:live: ${USERS.toLocaleString('en-US')} users × 2 devices on two instances (PostgreSQL ${scratch.name})`,
    );
    for (const name of ['a', 'b']) servers.push(await startServer({ dataDir: join(tmp, name), env }));
    console.log(`open files allowed per instance: ${openFds(servers[0]!.child.pid!)}`);

    // Users, straight into the database, and their access tokens (valid for the whole run).
    const db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    const ids = Array.from({ length: USERS }, () => randomUUID());
    await db.query(
      `INSERT INTO users (id, email, password_hash, created_at)
       SELECT id, 'live-' || id || '@example.com', 'not-a-hash', $2 FROM unnest($1::uuid[]) AS id`,
      [ids, Date.now()],
    );
    await db.end();
    const key = new TextEncoder().encode(secret);
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const tokens = await Promise.all(
      ids.map((id) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .setSubject(id)
          .setIssuer('selftracker')
          .setIssuedAt()
          .setExpirationTime(exp)
          .sign(key),
      ),
    );
    const bases = servers.map((s) => s.baseUrl);
    const before = servers.map((s) => usage(s.child.pid!));

    // The devices' streams: device 2u on instance A, 2u+1 on instance B.
    const devices = Array.from({ length: DEVICES }, (_, n) => ({
      n,
      base: bases[n % 2]!,
      token: tokens[Math.floor(n / 2)]!,
    }));
    const pending = new Map<string, { at: number; partner: number }>();
    let latencies: number[] = [];
    let errors = 0;
    let closed = 0;
    let opened = 0;
    const openedAll = new Promise<void>((resolve) => {
      let reports = 0;
      const nHolders = Math.ceil(DEVICES / PER_HOLDER);
      for (let h = 0; h < nHolders; h++) {
        const child = fork(new URL('./live-holder.ts', import.meta.url), {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        holders.push(child);
        child.on(
          'message',
          (m: { kind: string; n: number; at: number; titles: string[]; count: number; message: string }) => {
            if (m.kind === 'opened') {
              opened += m.count;
              if (++reports === nHolders) resolve();
            } else if (m.kind === 'pulled') {
              for (const title of m.titles) {
                const p = pending.get(title);
                if (p && p.partner === m.n) {
                  latencies.push(m.at - p.at);
                  pending.delete(title);
                }
              }
            } else if (m.kind === 'closed') closed++;
            else if (m.kind === 'error') {
              if (errors++ < 5) console.error(`device ${m.n}: ${m.message}`);
            }
          },
        );
        child.send({
          kind: 'start',
          devices: devices.slice(h * PER_HOLDER, (h + 1) * PER_HOLDER),
          concurrency: 50,
        });
      }
    });
    const openStarted = now();
    await openedAll;
    const openSeconds = (now() - openStarted) / 1000;
    await sleep(2000); // let the instances settle before reading their memory
    const held = servers.map((s) => usage(s.child.pid!));
    console.log(
      `streams open: ${opened.toLocaleString('en-US')} of ${DEVICES.toLocaleString('en-US')} in ${openSeconds.toFixed(1)} s, ${errors} errors`,
    );
    const perInstance = DEVICES / 2;
    servers.forEach((_, i) => {
      console.log(
        `instance ${'AB'[i]}: ${perInstance.toLocaleString('en-US')} streams, RSS ${mb(before[i]!.rss)} → ${mb(held[i]!.rss)}, ` +
          `${((held[i]!.rss - before[i]!.rss) / perInstance / 1024).toFixed(1)} KB per connection`,
      );
    });

    // The writer: a new task for a random user, pushed as one of its devices; the other device must pull it.
    const pushAgent = new Agent({ keepAlive: true, maxSockets: 64 });
    const node = uuidv7();
    let counter = 0;
    const push = (u: number, from: number, title: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const t = Date.now();
        const body = JSON.stringify({
          client_id: node,
          ops: [
            {
              op_id: uuidv7(),
              entity: 'tasks',
              entity_id: uuidv7(),
              operation: 'CREATE',
              data: { title, status: 'todo', created_at: t, updated_at: t },
              hlc: `${String(t).padStart(15, '0')}-${String(counter++ % 100_000).padStart(5, '0')}-${node}`,
            },
          ],
        });
        const req = request(
          `${bases[from % 2]}/v1/sync/push`,
          {
            method: 'POST',
            agent: pushAgent,
            headers: { authorization: `Bearer ${tokens[u]}`, 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });

    const rows: Record<string, string | number>[] = [];
    let seq = 0;
    for (const rate of RATES) {
      latencies = [];
      pending.clear();
      let sent = 0;
      let failedPushes = 0;
      const pushMs: number[] = [];
      const cpu0 = servers.map((s) => usage(s.child.pid!).cpuMs);
      const started = now();
      const inFlight: Promise<void>[] = [];
      while (now() - started < STEP_SECONDS * 1000) {
        const due = Math.floor(((now() - started) / 1000) * rate);
        while (sent < due) {
          const u = Math.floor(Math.random() * USERS);
          const from = 2 * u + (sent % 2);
          const title = `live ${seq++}`;
          pending.set(title, { at: now(), partner: from % 2 === 0 ? from + 1 : from - 1 });
          sent++;
          const t0 = now();
          inFlight.push(
            push(u, from, title).then(
              (status) => {
                pushMs.push(now() - t0);
                if (status !== 200) failedPushes++;
              },
              () => {
                failedPushes++;
              },
            ),
          );
        }
        await sleep(1);
      }
      const elapsed = (now() - started) / 1000;
      const cpu = servers.map((s, i) => (usage(s.child.pid!).cpuMs - cpu0[i]!) / 10 / elapsed);
      await Promise.all(inFlight);
      const deadline = now() + 10_000;
      while (pending.size > 0 && now() < deadline) await sleep(50);
      const row = {
        'pushes/s asked': rate,
        'pushes/s done': Math.round(sent / elapsed),
        'push p50 ms': Math.round(pct(pushMs, 50)),
        'p50 ms': Math.round(pct(latencies, 50)),
        'p95 ms': Math.round(pct(latencies, 95)),
        'p99 ms': Math.round(pct(latencies, 99)),
        delivered: `${latencies.length}/${sent}`,
        'failed pushes': failedPushes,
        'CPU A %': Math.round(cpu[0]!),
        'CPU B %': Math.round(cpu[1]!),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    const end = servers.map((s) => usage(s.child.pid!));
    console.table(rows);
    console.log(
      `streams closed during the run: ${closed}; device errors: ${errors}; instance RSS at the end: ${end.map((u) => mb(u.rss)).join(', ')}`,
    );
    console.log(
      'aims (issue #13): 10,000 connections held; push → other device pulled p95 ≤ 100 ms at 200 pushes/s, on 2 cores ' +
        'shared by both instances, PostgreSQL, the holders and the writer.',
    );
  } finally {
    for (const h of holders) h.kill();
    for (const s of servers) await s.stop();
    await scratch.drop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
