/**
 * One chaos client: a real engine on its own SQLite file (better-sqlite3), run as a child process of the
 * controller (`run.ts`), which SIGKILLs and restarts it at random moments. It writes a random mix of creates,
 * field edits, deletes and timer starts/stops on the rows it has (its own and the ones other devices of its user
 * synced), syncing in the background through its load balancer, and records its history:
 *
 * - every local write, durably: a trigger copies each outbox insert into `chaos_log` in the write's own
 *   transaction, so the log holds exactly the writes that committed (a kill before the commit leaves none);
 * - every push and its per-operation results (the acknowledgements), as JSON lines in its log file, written
 *   synchronously so a SIGKILL loses at most a line being written.
 *
 * The controller speaks to it over IPC: `offline`/`online` (the device's network), `pause` (stop writing),
 * `sync` (a round now), `state` (outbox size and checksums), `close`. The controller reads the rows and
 * `chaos_log` from the SQLite file itself once the client is closed.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Connectivity, Engine, FetchLike } from '@selftracker/client';
import { createReportedConnectivity, localChecksums, openEngine } from '@selftracker/client';
import { openNodeDriver } from '@selftracker/client/node';
import type { EntityName } from '@selftracker/core';
import { CHAOS_LOG_SQL, type ClientConfig, type ClientReply, type ClientRequest } from './protocol.ts';
import { createRng, type Rng } from './rng.ts';

const config = JSON.parse(process.env.CHAOS_CLIENT ?? 'null') as ClientConfig | null;
if (!config) throw new Error('CHAOS_CLIENT is not set: this file is started by the chaos controller');

const logFd = openSync(config.log, 'a');
const record = (event: Record<string, unknown>) => {
  writeSync(logFd, `${JSON.stringify({ t: Date.now(), c: config.index, ...event })}\n`);
};
const reply = (m: ClientReply) => process.send?.(m);

/** The device's network: off while the controller says it is offline (requests fail like a missing network). */
let online = true;
const reported = createReportedConnectivity();
const connectivity: Connectivity = {
  isOnline: () => online && reported.isOnline(),
  network: () => online,
  subscribe: (l) => reported.subscribe(l),
  report: (r) => reported.report(r),
};

/**
 * The engine's fetch: fails while offline, records every push with its results, and every request's outcome and
 * time (a request still unanswered after 10 s is recorded as `hung` at once, to tell a stall from a slow link).
 */
const recordingFetch: FetchLike = async (url, init) => {
  if (!online) throw new TypeError('fetch failed', { cause: new Error('the device is offline') });
  const path = new URL(url).pathname;
  if (path === '/v1/sync/events') return fetch(url, init);
  const started = Date.now();
  const hung = setTimeout(() => record({ ev: 'hung', path, since: started }), 10_000);
  const ops =
    path === '/v1/sync/push'
      ? (JSON.parse(String(init?.body)) as { ops: { op_id: string }[] }).ops.map((o) => o.op_id)
      : undefined;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, init);
    text = await res.text();
  } catch (e: unknown) {
    record({
      ev: ops ? 'push-failed' : 'http-failed',
      path,
      ms: Date.now() - started,
      ops,
      error: String((e as Error).cause ?? e),
    });
    throw e;
  } finally {
    clearTimeout(hung);
  }
  if (ops && res.status === 200) {
    const body = JSON.parse(text) as {
      results: { op_id: string; status: string; error?: { code: string } }[];
      version: string;
    };
    record({
      ev: 'push',
      ms: Date.now() - started,
      version: body.version,
      results: body.results.map((r) => [r.op_id, r.status, ...(r.error ? [r.error.code] : [])]),
    });
  } else if (ops) record({ ev: 'push-failed', ops, error: `HTTP ${res.status} ${text.slice(0, 200)}` });
  else record({ ev: 'http', path, status: res.status, ms: Date.now() - started });
  return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
};

const driver = openNodeDriver(config.file);
// Devices disagree about the time (within the 60 s the server trusts): the HLCs must order writes anyway.
const skewed = () => Date.now() + config.skewMs;
const engine = await openEngine({
  driver,
  server: config.server,
  fetch: recordingFetch,
  connectivity,
  now: skewed,
  requestTimeoutMs: 15_000,
});
// The controller is gone (a test that timed out): no orphan keeps writing.
process.on('disconnect', () => process.exit(1));
for (const sql of CHAOS_LOG_SQL) await driver.exec(sql);
record({ ev: 'open' });

let writing = true;
let stopped = false;
process.on('message', (m: ClientRequest) => {
  handle(m).catch((e: unknown) => reply({ id: m.id, type: 'error', message: String(e) }));
});
await signIn(engine);
engine.start();

async function handle(m: ClientRequest) {
  switch (m.type) {
    case 'offline':
    case 'online':
      online = m.type === 'online';
      record({ ev: m.type });
      if (online) reported.report(true);
      return reply({ id: m.id, type: 'ok' });
    case 'pause':
      writing = false;
      return reply({ id: m.id, type: 'ok' });
    case 'sync': {
      try {
        const r = await engine.sync();
        return reply({ id: m.id, type: 'ok', detail: `pushed ${r.pushed}, pulled ${r.pulled}` });
      } catch (e: unknown) {
        return reply({ id: m.id, type: 'error', message: String(e) });
      }
    }
    case 'state': {
      const [q] = await driver.query<{ n: number }>('SELECT count(*) AS n FROM sync_queue');
      const acc = await localChecksums(driver);
      const sums = Object.fromEntries(
        Object.entries(acc).map(([e, a]) => [e, { count: a.count, checksum: a.checksum }]),
      ) as Record<EntityName, { count: number; checksum: string }>;
      return reply({
        id: m.id,
        type: 'state',
        pending: Number(q?.n ?? 0),
        checksums: sums,
        status: engine.status,
      });
    }
    case 'close':
      stopped = true;
      writing = false;
      await engine.close();
      closeSync(logFd);
      reply({ id: m.id, type: 'ok' });
      process.exit(0);
  }
}

/** Signs in once (the session then lives in the SQLite file); retried, since the network is faulty. */
async function signIn(e: Engine, again = false) {
  for (let attempt = 0; ; attempt++) {
    const account = await e.account();
    if (account?.signedIn && !again) return;
    try {
      await e.login(config!.email, config!.password);
      record({ ev: 'login' });
      return;
    } catch (err: unknown) {
      record({ ev: 'login-failed', error: String(err) });
      await sleep(Math.min(2000, 100 * 2 ** attempt));
    }
  }
}

export type WriteKind = keyof typeof WEIGHTS;
const WEIGHTS = {
  'create-task': 18,
  'create-project': 5,
  'edit-task': 32,
  'edit-project': 8,
  'edit-timer': 5,
  'delete-task': 5,
  'delete-project': 2,
  'delete-timer': 2,
  'start-timer': 12,
  'stop-timer': 8,
} as const;

/** A live row: mostly one of the newest few (rows other devices are editing too), sometimes any. */
async function pickRow(entity: EntityName, r: Rng): Promise<string | undefined> {
  const hot = r.chance(0.75);
  const rows = await driver.query<{ id: string }>(
    hot
      ? `SELECT id FROM ${entity} WHERE deleted = 0 ORDER BY id DESC LIMIT 8`
      : `SELECT id FROM ${entity} WHERE deleted = 0 ORDER BY random() LIMIT 1`,
  );
  return rows.length ? r.pick(rows).id : undefined;
}

const STATUSES = ['todo', 'in-progress', 'done'] as const;
const color = (r: Rng) => `#${r.int(0, 0xffffff).toString(16).padStart(6, '0')}`;

async function write(kind: WriteKind, r: Rng, tag: string): Promise<void> {
  switch (kind) {
    case 'create-task':
      await engine.tasks.create({ title: `task ${tag}`, project_id: (await pickRow('projects', r)) ?? null });
      return;
    case 'create-project':
      await engine.projects.create({ name: `project ${tag}`, color: color(r) });
      return;
    case 'edit-task': {
      const id = await pickRow('tasks', r);
      if (!id) return write('create-task', r, tag);
      const field = r.pick(['title', 'description', 'status', 'project_id', 'due_at', 'two'] as const);
      if (field === 'title') await engine.tasks.update(id, { title: `title ${tag}` });
      else if (field === 'description')
        await engine.tasks.update(id, { description: r.chance(0.2) ? null : `desc ${tag}` });
      else if (field === 'status') await engine.tasks.update(id, { status: r.pick(STATUSES) });
      else if (field === 'project_id')
        await engine.tasks.update(id, { project_id: (await pickRow('projects', r)) ?? null });
      else if (field === 'due_at')
        await engine.tasks.update(id, { due_at: r.chance(0.2) ? null : 1_800_000_000_000 + r.int(0, 1e9) });
      else await engine.tasks.update(id, { title: `both ${tag}`, status: r.pick(STATUSES) });
      return;
    }
    case 'edit-project': {
      const id = await pickRow('projects', r);
      if (!id) return write('create-project', r, tag);
      const field = r.pick(['name', 'color', 'archived'] as const);
      if (field === 'name') await engine.projects.update(id, { name: `name ${tag}` });
      else if (field === 'color')
        await engine.projects.update(id, { color: r.chance(0.2) ? null : color(r) });
      else await engine.projects.update(id, { archived: r.chance(0.5) });
      return;
    }
    case 'edit-timer': {
      const id = await pickRow('timers', r);
      if (!id) return write('start-timer', r, tag);
      await engine.timers.update(id, { note: `note ${tag}` });
      return;
    }
    case 'delete-task':
    case 'delete-project':
    case 'delete-timer': {
      const entity = `${kind.slice(7)}s` as EntityName;
      const id = await pickRow(entity, r);
      if (id) await engine[entity].delete(id);
      return;
    }
    case 'start-timer':
      await engine.timers.start({ task_id: (await pickRow('tasks', r)) ?? null, note: `timer ${tag}` });
      return;
    case 'stop-timer':
      if ((await engine.timers.running()).length) await engine.timers.stop();
      return;
  }
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

reply({ id: 0, type: 'ready' });

const rng = createRng(config.seed);
let n = 0;
while (!stopped) {
  await sleep(rng.int(config.minGapMs, config.maxGapMs));
  if (!writing) continue;
  if (engine.status.state === 'unauthorized') {
    // A sign-in ended by the server (a refresh answer lost, then a replay): sign in again, as a person would.
    record({ ev: 'signed-out', error: engine.status.lastError?.message });
    await signIn(engine, true);
    continue;
  }
  const kind = rng.weighted(WEIGHTS);
  try {
    await write(kind, rng, `c${config.index}.${config.seed}.${n++}`);
    record({ ev: 'write', kind });
  } catch (e: unknown) {
    record({ ev: 'write-skipped', kind, error: String(e) });
  }
}
