/**
 * A Jepsen-style run of the whole system with real processes (issue #13): server instances on one database,
 * client engines on SQLite files, fault proxies between all of them, a seeded nemesis, then healing, a final sync
 * of every client, and the checker over the recorded history. `npm run chaos` (main.ts) and chaos.test.ts run it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@selftracker/server';
import pg from 'pg';
import { checkHistory, type LoggedWrite, type PushResult, type Violation } from './checker.ts';
import { createFaultProxy, type FaultProxy, REQUEST_FAULTS } from './fault-proxy.ts';
import { explain, type LogEvent, pushResults, readClientFile, readJsonl } from './history.ts';
import { type NemesisKind, startNemesis, type World } from './nemesis.ts';
import { ClientProcess, freePort, Instance } from './processes.ts';
import { createRng } from './rng.ts';
import { converge, pokeCheck, serverState, signInAgain, signUp } from './server-api.ts';

export interface ChaosOptions {
  seconds: number;
  seed: number;
  clients: number;
  /** PostgreSQL (two instances on a fresh database) when set; one instance on PGlite otherwise. */
  databaseUrl?: string | undefined;
  instances?: number;
  say?: (line: string) => void;
}

export interface ChaosResult {
  ok: boolean;
  violations: Violation[];
  /** The printable summary (and, on failure, the seed and the filtered histories). */
  report: string;
  convergeMs: number | null;
  dir: string;
}

const PASSWORD = 'chaos-password-1';

export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const say = opts.say ?? ((l: string) => console.log(l));
  const rng = createRng(opts.seed);
  const dir = mkdtempSync(join(tmpdir(), 'selftracker-chaos-'));
  const postgres = !!opts.databaseUrl;
  const nInstances = postgres ? Math.max(2, opts.instances ?? 2) : 1;
  const controllerLog: LogEvent[] = [];
  const start = Date.now();
  const record = (e: Omit<LogEvent, 't'>) => {
    controllerLog.push({ t: Date.now(), ...e } as LogEvent);
  };
  say(
    `chaos: seed ${opts.seed}, ${opts.seconds} s, ${opts.clients} clients, ${nInstances} instance(s) on ${postgres ? 'PostgreSQL' : 'PGlite'}; files in ${dir}`,
  );

  // ---------------------------------------------------------------- database and instances
  const db = postgres ? await createDatabase(opts.databaseUrl!) : undefined;
  const pgProxies: FaultProxy[] = [];
  const instances: Instance[] = [];
  const secret = randomBytes(32).toString('hex');
  for (let i = 0; i < nInstances; i++) {
    const env: Record<string, string> = {
      SELFTRACKER_JWT_SECRET: secret,
      SELFTRACKER_DATA_DIR: join(dir, 'server'),
      LOG_LEVEL: 'info',
      SELFTRACKER_PUSHES_PER_MINUTE: '100000',
      SELFTRACKER_PULLS_PER_MINUTE: '100000',
      SELFTRACKER_AUTH_PER_MINUTE: '100000',
    };
    if (db) {
      const target = Number(new URL(opts.databaseUrl!).port || 5432);
      const proxy = await createFaultProxy({ route: () => [target], rng });
      pgProxies.push(proxy);
      env.DATABASE_URL = db.via(proxy.port);
    }
    instances.push(new Instance(i, await freePort(), env, join(dir, `instance-${i}.log`)));
  }
  for (const inst of instances) await inst.start(); // one by one: the first applies the migrations

  const users = [await signUp(instances[0]!.url, `chaos-a-${opts.seed}@example.com`, PASSWORD)];
  users.push(await signUp(instances[0]!.url, `chaos-b-${opts.seed}@example.com`, PASSWORD));
  const userOf = (c: number) => users[c % 3 === 2 ? 1 : 0]!;

  // ---------------------------------------------------------------- network and clients
  const partitioned = new Set<number>();
  const balancers: FaultProxy[] = [];
  const clients: ClientProcess[] = [];
  for (let c = 0; c < opts.clients; c++) {
    const balancer = await createFaultProxy({
      rng,
      rates: { drop: 0.03, 'reset-request': 0.03, 'reset-response': 0.04, delay: 0.1 },
      route: () => {
        const up = instances.filter((x) => !partitioned.has(x.index)).map((x) => x.port);
        for (let k = up.length - 1; k > 0; k--) {
          const j = rng.int(0, k);
          [up[k], up[j]] = [up[j]!, up[k]!];
        }
        return up;
      },
    });
    balancers.push(balancer);
    const user = userOf(c);
    const skewMs = c === 0 ? 0 : rng.int(-30_000, 30_000);
    clients.push(
      new ClientProcess(
        c,
        user.user_id,
        (incarnation) => ({
          index: c,
          file: join(dir, `client-${c}.sqlite`),
          server: `http://127.0.0.1:${balancer.port}`,
          log: join(dir, `client-${c}.jsonl`),
          seed: (opts.seed * 31 + c * 1009 + incarnation * 7919) >>> 0,
          email: user.email,
          password: PASSWORD,
          skewMs,
          minGapMs: 20,
          maxGapMs: 250,
        }),
        join(dir, `client-${c}.out`),
      ),
    );
  }
  await Promise.all(clients.map((c) => c.start()));
  say(`chaos: ${clients.length} clients up after ${((Date.now() - start) / 1000).toFixed(1)} s; faults on`);

  // ---------------------------------------------------------------- the run
  const world: World = { instances, clients, balancers, pgProxies, partitioned, record };
  const nemesis = startNemesis(world, rng, { postgres, gapMs: [300, 1500] });
  await new Promise((r) => setTimeout(r, opts.seconds * 1000));
  await nemesis.stop();

  // ---------------------------------------------------------------- heal
  for (const p of [...balancers, ...pgProxies]) {
    p.faulty = false;
    p.restore();
  }
  partitioned.clear();
  for (const inst of instances) if (!inst.up) await inst.start();
  for (const c of clients) if (!c.up) await c.start();
  await Promise.all(clients.map((c) => c.request('pause')));
  await Promise.all(clients.map((c) => c.request('online')));
  record({ ev: 'healed' });
  const healAt = Date.now();
  say(`chaos: healed after ${((healAt - start) / 1000).toFixed(1)} s; final sync of every client`);
  await Promise.all(clients.map((c) => c.request('sync', 60_000).catch(() => {})));
  await signInAgain(instances[0]!.url, users, PASSWORD); // the sign-up's access tokens may have expired
  const converged = await converge(clients, instances[0]!.url, users, 90_000);
  const convergeMs = converged.ok ? Date.now() - healAt : null;

  // ---------------------------------------------------------------- final states and the history
  const server = await serverState(instances[0]!.url, users);
  if (db) {
    const ledger = await db.ledger();
    for (const [user, s] of server) s.ledger = ledger.get(user) ?? new Set();
  }
  for (const c of clients) await c.close();
  const writes: LoggedWrite[] = [];
  const results: PushResult[] = [];
  const events: LogEvent[] = [];
  const finalClients = clients.map((c) => {
    const f = readClientFile(join(dir, `client-${c.index}.sqlite`), c.index, c.user);
    writes.push(...f.writes);
    const log = readJsonl(join(dir, `client-${c.index}.jsonl`));
    events.push(...log);
    results.push(...pushResults(log));
    // The engine's own checksums (localChecksums), as it reported them when the run converged or gave up.
    const checksums = converged.checksums.get(c.index) ?? server.get(c.user)!.checksums;
    return { index: c.index, user: c.user, rows: f.rows, pending: f.pending, checksums };
  });
  const pokes = await pokeCheck(instances, users[0]!);
  for (const inst of instances) await inst.kill('SIGTERM');
  if (!db) {
    const pglite = await openDatabase({ url: undefined, dataDir: join(dir, 'server', 'pglite') });
    const ledger = await ledgerOf(pglite.query.bind(pglite));
    await pglite.close();
    for (const [user, s] of server) s.ledger = ledger.get(user) ?? new Set();
  }

  const violations = checkHistory(writes, results, { server, clients: finalClients });
  if (!converged.ok)
    violations.unshift({
      check: 'converged',
      message: 'the clients did not converge within 90 s of the final sync',
      keys: [],
    });
  if (!pokes.ok) violations.push({ check: 'pokes-cross-instance', message: pokes.message, keys: [] });

  // ---------------------------------------------------------------- report
  const kinds = new Map<string, number>();
  for (const e of events)
    if (e.ev === 'write') kinds.set(String(e.kind), (kinds.get(String(e.kind)) ?? 0) + 1);
  const faults: Record<string, number> = {};
  for (const f of REQUEST_FAULTS) faults[`request ${f}`] = balancers.reduce((s, b) => s + b.counts[f], 0);
  for (const [k, v] of Object.entries(nemesis.counts)) faults[k as NemesisKind] = v;
  const acks = results.filter((r) => r.status !== 'rejected').length;
  const lines = [
    `chaos summary (seed ${opts.seed}, ${opts.seconds} s, ${opts.clients} clients, ${nInstances} instance(s), ${postgres ? 'PostgreSQL' : 'PGlite'})`,
    `  local writes committed: ${writes.length} (${countBy(writes, (w) => w.operation)})`,
    `  workload ops: ${[...kinds].map(([k, v]) => `${k} ${v}`).join(', ')}; skipped ${events.filter((e) => e.ev === 'write-skipped').length}`,
    `  pushes answered: ${events.filter((e) => e.ev === 'push').length}, failed: ${events.filter((e) => e.ev === 'push-failed').length}; results: ${countBy(results, (r) => r.status)}`,
    `  acknowledgements: ${acks}; re-logins: ${events.filter((e) => e.ev === 'login').length - clients.length}`,
    `  faults: ${Object.entries(faults)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  kills: instances ${nemesis.counts['kill-instance']}, clients ${nemesis.counts['kill-client']}; instance starts ${instances.map((i) => i.starts).join('/')}`,
    `  converged after healing in ${convergeMs === null ? 'never (timeout)' : `${(convergeMs / 1000).toFixed(2)} s`}`,
    `  poke across instances: ${pokes.message}`,
    violations.length
      ? `FAILED: ${violations.length} violation(s); replay with CHAOS_SEED=${opts.seed}`
      : 'OK: every check passed',
  ];
  for (const v of violations.slice(0, 8)) {
    lines.push(`- [${v.check}] ${v.message}`);
    for (const l of explain(v, writes, results, controllerLog, start)) lines.push(`    ${l}`);
  }
  const report = lines.join('\n');
  writeFileSync(join(dir, 'controller.jsonl'), controllerLog.map((e) => JSON.stringify(e)).join('\n'));
  writeFileSync(join(dir, 'report.txt'), report);

  for (const p of [...balancers, ...pgProxies]) await p.close();
  await db?.drop();
  if (violations.length === 0) rmSync(dir, { recursive: true, force: true });
  return { ok: violations.length === 0, violations, report, convergeMs, dir };
}

function countBy<T>(items: readonly T[], key: (t: T) => string): string {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m].map(([k, v]) => `${k} ${v}`).join(', ');
}

type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

async function ledgerOf(query: Query): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const r of await query('SELECT user_id::text AS u, op_id::text AS o FROM op_ledger')) {
    const s = out.get(String(r.u)) ?? new Set<string>();
    out.set(String(r.u), s);
    s.add(String(r.o));
  }
  return out;
}

/** A fresh PostgreSQL database for the run, reached by the instances through their proxies. */
async function createDatabase(url: string) {
  const name = `selftracker_chaos_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const direct = new URL(url);
  direct.pathname = `/${name}`;
  return {
    via(port: number) {
      const u = new URL(direct);
      u.host = `127.0.0.1:${port}`;
      return u.toString();
    },
    async ledger() {
      const c = new pg.Client({ connectionString: direct.toString() });
      await c.connect();
      try {
        return await ledgerOf(async (sql) => (await c.query(sql)).rows);
      } finally {
        await c.end();
      }
    },
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
