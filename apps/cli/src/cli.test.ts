/**
 * The CLI end to end as a user runs it: the real `selftracker` binary in child processes, data directories as
 * devices, and the real server runnable as a child process that is stopped and restarted (on the same data
 * directory, or the PostgreSQL database of `DATABASE_URL` when set) between steps. The steps share state and
 * run in order.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ENTITIES, type EntityName } from '@selftracker/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'apps/cli/bin/selftracker.js');
const STEP = 180_000;
// Unique per run: with DATABASE_URL the server's database may outlive the run.
const RUN = Date.now().toString(36);
const EMAIL = `ada-${RUN}@example.com`;
const EMAIL2 = `bea-${RUN}@example.com`;
const PASSWORD = 'correct horse battery';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
type Row = Record<string, unknown> & { id: string; synced: boolean };

const tmp = mkdtempSync(join(tmpdir(), 'selftracker-cli-'));
const devices = {
  A: join(tmp, 'device-a'),
  B: join(tmp, 'device-b'),
  C: join(tmp, 'device-c'),
  D: join(tmp, 'device-d'),
  E: join(tmp, 'device-e'),
};
type Device = keyof typeof devices;
let port = 0;
let url = '';
let server: ChildProcess | undefined;

/** The environment without anything that would point the CLI or server elsewhere. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of ['SELFTRACKER_SERVER', 'DATABASE_URL', 'NODE_OPTIONS']) if (!(k in extra)) delete env[k];
  if (!('SELFTRACKER_DATA_DIR' in extra)) delete env.SELFTRACKER_DATA_DIR;
  return env;
}

function collect(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

/** Runs `selftracker --data-dir <device> [--server <server>] ...args` (no `--server` when `server` is null). */
function stAt(device: Device, server: string | null, ...args: string[]): Promise<Run> {
  const child = spawn(
    process.execPath,
    [BIN, '--data-dir', devices[device], ...(server === null ? [] : ['--server', server]), ...args],
    { cwd: ROOT, env: cleanEnv() },
  );
  return collect(child);
}

/** Runs `selftracker --data-dir <device> --server <url> ...args`. */
const st = (device: Device, ...args: string[]) => stAt(device, url, ...args);

async function ok(device: Device, ...args: string[]): Promise<string> {
  const r = await st(device, ...args);
  if (r.code !== 0) throw new Error(`selftracker ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  expect(r.stderr).toBe('');
  return r.stdout;
}

/** A failure: exit 1, one line on stderr naming the reason, nothing on stdout. */
async function fails(device: Device, args: string[], reason: RegExp): Promise<string> {
  const r = await st(device, ...args);
  expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(reason);
  return r.stderr;
}

/** A usage error: exit 2, the reason on stderr's first line, then the usage (of `usage`'s command), nothing on stdout. */
async function misuse(device: Device, args: string[], reason: RegExp, usage: RegExp): Promise<void> {
  const r = await st(device, ...args);
  expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(2);
  expect(r.stdout).toBe('');
  const [first, second, ...rest] = r.stderr.trimEnd().split('\n');
  expect(first).toMatch(/^selftracker: /);
  expect(first).toMatch(reason);
  expect(second).toBe('usage: selftracker [--data-dir DIR] [--server URL] <command>');
  expect(rest.join('\n')).toMatch(usage);
}

const listJson = async (device: Device, entity = 'task'): Promise<Row[]> =>
  JSON.parse(await ok(device, entity, 'list', '--json')) as Row[];
const statusJson = async (device: Device) =>
  JSON.parse(await ok(device, 'status', '--json')) as Record<string, unknown>;
const byTitle = (rows: Row[], title: string) => rows.find((r) => r.title === title)!;
const counts = async (device: Device) => [
  (await listJson(device, 'project')).length,
  (await listJson(device, 'task')).length,
  (await listJson(device, 'timer')).length,
];
/** Rows without what a device adds or an import rewrites (`synced`, `updated_at`). */
const content = (rows: Row[]) => rows.map(({ synced: _, updated_at: __, ...r }) => r);

/** The id the CLI shows: its shortest prefix of at least 6 characters, not ending on "-", no other id shares. */
function shown(id: string, all: string[]): string {
  for (let k = 6; k <= id.length; k++) {
    const p = id.slice(0, k);
    if (!p.endsWith('-') && !all.some((o) => o !== id && o.startsWith(p))) return p;
  }
  return id;
}

function expectShape(rows: Row[], entity: EntityName) {
  for (const r of rows) {
    expect(Object.keys(r).sort()).toEqual(['id', ...ENTITIES[entity].fieldNames, 'synced'].sort());
    expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(typeof r.synced).toBe('boolean');
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  const p = (s.address() as { port: number }).port;
  await new Promise((res) => s.close(res));
  return p;
}

/**
 * Starts the server runnable on `port` and the test's data directory (or `DATABASE_URL`'s database); resolves
 * once it logs that it listens.
 */
async function startServer(): Promise<void> {
  const db = process.env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
    cwd: ROOT,
    env: cleanEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      SELFTRACKER_DATA_DIR: join(tmp, 'server'),
      LOG_LEVEL: 'info',
      ...(db ? { DATABASE_URL: db } : {}),
    }),
  });
  server = child;
  let log = '';
  await new Promise<void>((res, rej) => {
    child.stdout!.on('data', (d) => {
      log += d;
      if (log.includes('SelfTracker listening on')) res();
    });
    child.stderr!.on('data', (d) => (log += d));
    child.on('exit', (code) => rej(new Error(`server exited ${code} before listening: ${log}`)));
  });
}

async function stopServer(): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((res) => child.once('exit', res));
  child.kill('SIGINT');
  await exited;
}

/**
 * A proxy in front of the server that passes sign-ins through and answers every sync request 503: a login
 * that works followed by a first sync that does not.
 */
async function syncBreakingProxy(): Promise<{ url: string; close(): Promise<void> }> {
  const proxy = createHttpServer(async (req, res) => {
    if (!req.url?.startsWith('/v1/auth/')) {
      res.writeHead(503, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { code: 'internal', message: 'down for maintenance' } }));
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    const r = await fetch(url + req.url, {
      method: req.method!,
      headers: { 'content-type': 'application/json' },
      body,
    });
    res.writeHead(r.status, { 'content-type': 'application/json' });
    res.end(await r.text());
  });
  await new Promise<void>((res) => proxy.listen(0, '127.0.0.1', res));
  const p = (proxy.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${p}`,
    close: () => new Promise((res) => proxy.close(() => res())),
  };
}

beforeAll(async () => {
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await stopServer();
  rmSync(tmp, { recursive: true, force: true });
});

describe('selftracker CLI, devices and a server that comes and goes', { timeout: STEP }, () => {
  let taskIds: string[] = [];
  let projectId = '';

  it('works offline with the server down: projects by name, short ids, tasks, timers, status', async () => {
    const added = await ok('A', 'project', 'add', 'Work', '--color', '#336699');
    const projects = await listJson('A', 'project');
    expectShape(projects, 'projects');
    expect(projects).toEqual([
      expect.objectContaining({ name: 'Work', color: '#336699', archived: false, synced: false }),
    ]);
    projectId = projects[0]!.id;
    expect(added).toBe(`Added project ${projectId.slice(0, 6)}  Work\n`);

    // --project takes the name, in any case.
    await ok(
      'A',
      'task',
      'add',
      'Write report',
      '--project',
      'work',
      '--due',
      '2026-03-01',
      '--description',
      'Q1',
    );
    await ok('A', 'task', 'add', 'Buy milk', '--status', 'in-progress');
    await ok('A', 'task', 'add', 'Call Bob');
    const doomed = await ok('A', 'task', 'add', 'Doomed');
    const tasks = await listJson('A');
    expectShape(tasks, 'tasks');
    taskIds = tasks.map((t) => t.id);
    expect(doomed).toBe(`Added task ${shown(taskIds[3]!, taskIds)}  Doomed\n`);
    expect(tasks.map((t) => [t.title, t.status, t.synced])).toEqual([
      ['Write report', 'todo', false],
      ['Buy milk', 'in-progress', false],
      ['Call Bob', 'todo', false],
      ['Doomed', 'todo', false],
    ]);
    const report = byTitle(tasks, 'Write report');
    expect(report).toMatchObject({
      project_id: projectId,
      description: 'Q1',
      due_at: new Date(2026, 2, 1).getTime(),
    });
    expect(await ok('A', 'task', 'list', '--status', 'in-progress')).toContain('Buy milk');
    expect((await listJson('A')).length).toBe(4);
    // The list shows short ids (the full ids stay in --json) and the project's name.
    const list = await ok('A', 'task', 'list');
    expect(list).toMatch(
      new RegExp(
        `^${shown(report.id, taskIds)}\\s+\\[todo\\]\\s+Write report\\s+Work\\s+due 2026-03-01\\s+\\*$`,
        'm',
      ),
    );
    for (const id of taskIds) expect(list).toMatch(new RegExp(`^${shown(id, taskIds)} `, 'm'));
    expect(list).not.toContain(report.id);
    const inWork = await ok('A', 'task', 'list', '--project', 'WORK');
    expect(inWork.trimEnd().split('\n')).toHaveLength(2); // the task and the "not synced" note
    expect(await ok('A', 'task', 'list', '--project', 'none')).not.toContain('Write report');

    const started = await ok(
      'A',
      'timer',
      'start',
      '--task',
      shown(report.id, taskIds),
      '--project',
      projectId.slice(0, 6),
      '--note',
      'drafting',
    );
    const timer = (await listJson('A', 'timer'))[0]!.id;
    expect(started).toMatch(new RegExp(`^Started timer ${timer.slice(0, 6)} at `));
    expect(await ok('A', 'timer', 'list')).toMatch(/\(running\)/);
    expect(await ok('A', 'timer', 'stop')).toMatch(
      new RegExp(`Stopped timer ${timer.slice(0, 6)} after \\d+s`),
    );
    const timerList = await ok('A', 'timer', 'list');
    expect(timerList).toMatch(
      new RegExp(
        `^${timer.slice(0, 6)}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+\\d+s\\s+Write report\\s+Work`,
        'm',
      ),
    );
    expect(timerList).toMatch(/^total \d+s$/m);
    const timers = await listJson('A', 'timer');
    expectShape(timers, 'timers');
    expect(timers[0]).toMatchObject({
      id: timer,
      task_id: report.id,
      project_id: projectId,
      note: 'drafting',
      synced: false,
    });
    expect(timers[0]!.stopped_at as number).toBeGreaterThanOrEqual(timers[0]!.started_at as number);

    const status = await ok('A', 'status');
    expect(status).toMatch(/Account:\s+not signed in/);
    expect(status).toMatch(/Pending:\s+7 changes not on the server yet/);
    expect(status).toMatch(/4 new tasks/);
    expect(status).toMatch(/Phase:\s+signed-out/);
    expect(await statusJson('A')).toMatchObject({
      pending: 7,
      email: null,
      server: url,
      account_server: null,
      phase: 'signed-out',
      last_sync_at: null,
    });
    await fails('A', ['sync'], /not signed in/);

    // The defaults come from the environment.
    const viaEnv = await collect(
      spawn(process.execPath, [BIN, 'status', '--json'], {
        cwd: ROOT,
        env: cleanEnv({ SELFTRACKER_DATA_DIR: devices.A, SELFTRACKER_SERVER: url }),
      }),
    );
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ pending: 7, server: url });

    await ok('B', 'task', 'add', 'From B');
    expect(await ok('B', 'status')).toMatch(/Pending:\s+1 change not on the server yet/);
  });

  it('usage errors exit 2 with the usage; other failures exit 1; neither changes anything', async () => {
    const before = await listJson('A');
    const id = taskIds[0]!;
    const shared = taskIds[0]!.slice(0, 4);
    expect(taskIds[1]!.startsWith(shared)).toBe(true); // uuidv7: same leading timestamp digits
    const TASK =
      /^ {2}task add TITLE[^\n]*\n {2}task list[^\n]*\n {2}task edit ID[^\n]*--due YYYY-MM-DD\|none/;
    const ALL = /^ {2}signup EMAIL[\s\S]*\n {2}watch /m;
    // Independent failures, run side by side (SQLite serializes the few writes each run makes on close).
    await Promise.all([
      misuse('A', [], /no command given/, ALL),
      misuse('A', ['frobnicate'], /unknown command "frobnicate"/, ALL),
      misuse('A', ['task'], /task: want add, list, edit, done or rm/, TASK),
      misuse('A', ['task', 'add'], /missing TITLE/, TASK),
      misuse(
        'A',
        ['task', 'add', 'X', '--status', 'someday'],
        /--status: "someday" is not one of todo, in-progress, done/,
        TASK,
      ),
      misuse('A', ['task', 'add', 'X', '--due', '2026-02-30'], /--due: "2026-02-30" is not a date/, TASK),
      misuse('A', ['task', 'add', 'X', '--priority', 'high'], /Unknown option '--priority'/, TASK),
      misuse('A', ['task', 'add', 'X', 'Y'], /unexpected "Y" \(quote a title with spaces\)/, TASK),
      misuse('A', ['task', 'edit', id, '--status', 'finished'], /--status: "finished"/, TASK),
      misuse('A', ['task', 'edit', id, '--note', 'x'], /--note does not apply here/, TASK),
      misuse('A', ['task', 'edit', id], /nothing to change/, TASK),
      misuse('A', ['task', 'done', id.slice(0, 3)], /not an id \(give at least 4 characters/, TASK),
      misuse('A', ['task', 'rm', 'not-an-id'], /not an id/, TASK),
      misuse(
        'A',
        ['project', 'add', 'X', '--color', 'red'],
        /--color: "red" is not a colour/,
        /^ {2}project add NAME/,
      ),
      misuse('A', ['timer', 'pause'], /timer pause: want start, stop or list/, /^ {2}timer start/),
      misuse('A', ['export', '--format', 'xml'], /--format: "xml" is not one of json, csv/, /^ {2}export /),
      misuse('A', ['export', '--what', 'timers'], /--what applies to --format csv/, /^ {2}export /),
      misuse('A', ['import'], /missing FILE/, /^ {2}import FILE/),
      misuse('A', ['account', 'delete'], /needs --password/, /account delete --password PW/),
      misuse('A', ['login', 'x@example.com'], /--password is required/, /^ {2}signup EMAIL/),
      misuse(
        'A',
        ['status', '--server', 'ftp://x'],
        /--server: "ftp:\/\/x" is not an http\(s\) URL/,
        /status/,
      ),
      fails(
        'A',
        ['task', 'add', 'X', '--project', 'ffffffff'],
        /no project named "ffffffff" or with id ffffffff/,
      ),
      fails('A', ['task', 'add', 'X', '--project', 'Nope'], /no project named "Nope"$/m),
      fails('A', ['task', 'edit', 'ffffffff', '--title', 'Y'], /no task with id ffffffff/),
      fails('A', ['task', 'edit', shared, '--title', 'Y'], /matches several tasks/),
      fails('A', ['task', 'rm', 'ffff'], /no task with id ffff/),
      fails('A', ['timer', 'start', '--task', 'ffffffff'], /no task with id/),
      fails('A', ['timer', 'stop'], /no timer is running/),
      fails('A', ['project', 'rm', 'ffffffff'], /no project named/),
      fails('A', ['import', join(tmp, 'nowhere.json')], /cannot read .*nowhere.json: no such file/),
    ]);
    const help = await st('A', '--help');
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(ALL);
    const taskHelp = await st('A', 'task', '--help');
    expect(taskHelp).toMatchObject({ code: 0, stderr: '' });
    expect(taskHelp.stdout).not.toMatch(/signup/);
    expect(await listJson('A')).toEqual(before);
    expect((await statusJson('A')).pending).toBe(7);
  });

  it('a project name two projects share is ambiguous: the error names their ids', async () => {
    await ok('E', 'project', 'add', 'Home');
    await ok('E', 'project', 'add', 'home');
    const ids = (await listJson('E', 'project')).map((p) => p.id);
    const err = await fails(
      'E',
      ['task', 'add', 'X', '--project', 'HOME'],
      /2 projects are named "HOME": give the id/,
    );
    for (const id of ids) expect(err).toContain(shown(id, ids));
    expect(await listJson('E')).toEqual([]);
    await ok('E', 'task', 'add', 'X', '--project', shown(ids[1]!, ids));
    expect((await listJson('E'))[0]).toMatchObject({ project_id: ids[1] });
  });

  it('signup on A runs the first sync and pushes everything', async () => {
    await startServer();
    const signup = await ok('A', 'signup', EMAIL, '--password', PASSWORD);
    expect(signup).toBe(
      `Created account ${EMAIL} and signed in\nFirst sync with ${url}: pushed 7 changes; nothing new to pull\n`,
    );
    expect(await ok('A', 'sync')).toMatch(new RegExp(`Synced with ${url}: pushed 0 changes, pulled \\d+`));
    expect((await listJson('A')).every((t) => t.synced)).toBe(true);
    expect(await ok('A', 'task', 'list')).not.toMatch(/not synced yet|\*$/m);
    const status = await ok('A', 'status');
    expect(status).toMatch(new RegExp(`Server:\\s+${url}\\n`));
    expect(status).toMatch(new RegExp(`Account:\\s+${EMAIL}`));
    expect(status).toMatch(/Last sync:\s+just now/);
    expect(status).toMatch(/Pending:\s+nothing: every change on this device is on the server/);
    expect(status).toMatch(/Phase:\s+idle/);
    expect(await statusJson('A')).toMatchObject({
      pending: 0,
      email: EMAIL,
      server: url,
      account_server: url,
      phase: 'idle',
      last_error: null,
    });
    await fails('B', ['signup', EMAIL, '--password', PASSWORD], /already exists/);
    await fails('B', ['login', EMAIL, '--password', 'wrong password'], /wrong email or password/);
  });

  it('login on B runs a first sync: A’s data is there at once, and B’s offline task went up', async () => {
    const login = await ok('B', 'login', EMAIL, '--password', PASSWORD);
    expect(login).toBe(
      `Signed in as ${EMAIL}\nFirst sync with ${url}: pushed 1 change; pulled 1 project, 4 tasks, 1 timer\n`,
    );
    const list = await ok('B', 'task', 'list');
    expect(list).toMatch(/Write report\s+Work\s+due 2026-03-01/);
    expect(list).not.toMatch(/not synced yet/);
    await ok('A', 'sync');
    const [a, b] = [await listJson('A'), await listJson('B')];
    expect(b).toEqual(a);
    expect(a.map((t) => t.title)).toEqual(['Write report', 'Buy milk', 'Call Bob', 'Doomed', 'From B']);
    expect(a.slice(0, 4).map((t) => t.id)).toEqual(taskIds);
    expect(await listJson('B', 'project')).toEqual(await listJson('A', 'project'));
    expect(await listJson('B', 'timer')).toEqual(await listJson('A', 'timer'));
    taskIds = a.map((t) => t.id);
  });

  it('status shows the server this run uses; without --server that is the one signed in at', async () => {
    const other = 'http://127.0.0.1:9';
    const elsewhere = await stAt('A', other, 'status');
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.stdout).toMatch(new RegExp(`^Server:\\s+${other} \\(signed in at ${url}\\)$`, 'm'));
    expect(JSON.parse((await stAt('A', other, 'status', '--json')).stdout)).toMatchObject({
      server: other,
      account_server: url,
    });
    // Tokens never go to a server the account did not sign in at.
    const sync = await stAt('A', other, 'sync');
    expect(sync.code).toBe(1);
    expect(sync.stderr).toMatch(new RegExp(`signed in at ${url}, not ${other}`));
    const plain = await stAt('A', null, 'status');
    expect(plain.stdout).toMatch(new RegExp(`^Server:\\s+${url}$`, 'm'));
    expect((await stAt('A', null, 'sync')).stdout).toMatch(new RegExp(`^Synced with ${url}:`));
  });

  it('a login whose first sync fails still signs in, and says so', async () => {
    const proxy = await syncBreakingProxy();
    try {
      const r = await stAt('D', proxy.url, 'login', EMAIL, '--password', PASSWORD);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`Signed in as ${EMAIL}\n`);
      expect(r.stderr).toMatch(
        /^selftracker: signed in, but the first sync failed: .*down for maintenance.*; run selftracker sync\n$/,
      );
      expect((await stAt('D', proxy.url, 'status', '--json')).stdout).toMatch(
        new RegExp(`"email": "${EMAIL}"`),
      );
    } finally {
      await proxy.close();
    }
    rmSync(devices.D, { recursive: true, force: true });
  });

  it('task edit, done and rm take short ids; edit sets and clears --due and --project; B sees the result', async () => {
    const [report, milk, bob] = taskIds as [string, string, string];
    const p = (id: string) => shown(id, taskIds).toUpperCase();
    expect(
      await ok(
        'A',
        'task',
        'edit',
        p(report),
        '--title',
        'Write the report',
        '--status',
        'in-progress',
        '--description',
        'Q1 figures',
        '--due',
        '2026-04-15',
      ),
    ).toBe(`Updated task ${shown(report, taskIds)}  Write the report [in-progress] due 2026-04-15\n`);
    expect(await ok('A', 'task', 'done', p(milk))).toBe('Done: Buy milk\n');
    expect(await ok('A', 'task', 'edit', p(milk), '--project', 'Work')).toMatch(/^Updated task /);
    expect(await ok('A', 'task', 'rm', p(bob))).toBe(`Deleted task ${shown(bob, taskIds)}  Call Bob\n`);
    await fails('A', ['task', 'edit', bob, '--title', 'again'], /no task with id/);
    let a = await listJson('A');
    expect(a.find((t) => t.id === report)).toMatchObject({
      title: 'Write the report',
      status: 'in-progress',
      description: 'Q1 figures',
      due_at: new Date(2026, 3, 15).getTime(),
      synced: false,
    });
    expect(a.find((t) => t.id === milk)).toMatchObject({ status: 'done', project_id: projectId });
    expect(a.some((t) => t.id === bob)).toBe(false);
    await ok('A', 'task', 'edit', p(report), '--due', 'none', '--project', 'none');
    await ok('A', 'task', 'edit', p(milk), '--project', 'none');
    a = await listJson('A');
    expect(a.find((t) => t.id === report)).toMatchObject({ due_at: null, project_id: null });
    expect(await ok('A', 'status')).toMatch(/Pending:\s+6 changes not on the server yet/);
    await ok('A', 'sync');
    await ok('B', 'sync');
    expect(await listJson('B')).toEqual(await listJson('A'));
    taskIds = (await listJson('A')).map((t) => t.id);
  });

  it('lists show ids long enough to tell apart ids of one millisecond, and accept them', async () => {
    // Ids that share 35 characters: the list must show all 36, and resolve them.
    const base = taskIds[0]!.slice(0, 35);
    const twins = [`${base}0`, `${base}1`];
    const file = join(tmp, 'twins.json');
    const now = Date.now();
    writeFileSync(
      file,
      JSON.stringify({
        format: 'selftracker-export',
        version: 1,
        projects: [],
        tasks: twins.map((id, i) => ({ id, title: `Twin ${i}`, created_at: now, updated_at: now })),
        timers: [],
      }),
    );
    expect(await ok('E', 'import', file)).toMatch(/^Imported 0 projects, 2 tasks, 0 timers from /);
    const ids = (await listJson('E')).map((t) => t.id);
    const list = await ok('E', 'task', 'list');
    for (const id of twins) expect(list).toMatch(new RegExp(`^${shown(id, ids)}\\s+\\[todo\\]\\s+Twin`, 'm'));
    expect(shown(twins[0]!, ids)).toHaveLength(36);
    expect(await ok('E', 'task', 'done', twins[1]!.slice(0, 36).toUpperCase())).toBe('Done: Twin 1\n');
    await fails('E', ['task', 'done', base], /matches several tasks/);
  });

  it('sync with the server down exits 1 and says why; the change waits; export says it exports the local copy', async () => {
    await stopServer();
    await ok('A', 'task', 'add', 'While down');
    const err = await fails('A', ['sync'], /cannot reach the server at .*connection refused/);
    expect(err).toMatch(/1 change stays on this device/);
    const status = await ok('A', 'status');
    expect(status).toMatch(
      /Problem:\s+Server unreachable since \d\d:\d\d — 1 change waiting\n\s+\(cannot reach/,
    );
    expect(status).toMatch(/Pending:\s+1 change not on the server yet/);
    expect(status).toMatch(/Phase:\s+offline/);
    expect(await statusJson('A')).toMatchObject({ pending: 1, email: EMAIL, phase: 'offline' });
    await fails('B', ['login', EMAIL, '--password', PASSWORD], /cannot reach the server/);
    const out = join(tmp, 'offline.json');
    const exported = await ok('A', 'export', '--out', out);
    expect(exported).toMatch(
      /^cannot reach the server at .*: exporting this device's copy\nExported 1 project, 5 tasks, 1 timer to /,
    );
    expect((JSON.parse(readFileSync(out, 'utf8')) as { tasks: unknown[] }).tasks).toHaveLength(5);
    const toStdout = await st('A', 'export');
    expect(toStdout.code).toBe(0);
    expect(toStdout.stderr).toMatch(
      /^selftracker: cannot reach the server .*: exporting this device's copy\n$/,
    );
    expect(JSON.parse(toStdout.stdout)).toMatchObject({ format: 'selftracker-export', version: 1 });
  });

  it('concurrent offline edits merge per field; delete beats edit; data survives a server restart', async () => {
    const before = await listJson('A');
    const [report, doomed] = [byTitle(before, 'Write the report').id, byTitle(before, 'Doomed').id];
    await ok('A', 'task', 'edit', report, '--title', 'Final report');
    await ok('B', 'task', 'edit', report, '--status', 'done', '--description', 'sent');
    await ok('A', 'task', 'rm', doomed);
    await ok('B', 'task', 'edit', doomed, '--title', 'Saved?');
    await startServer();
    await ok('B', 'sync');
    await ok('A', 'sync');
    await ok('B', 'sync');
    const [a, b] = [await listJson('A'), await listJson('B')];
    expect(b).toEqual(a);
    expect(a.find((t) => t.id === report)).toMatchObject({
      title: 'Final report',
      status: 'done',
      description: 'sent',
      synced: true,
    });
    expect(a.some((t) => t.id === doomed)).toBe(false);
    expect(a.map((t) => t.title)).toContain('While down');
    expect(await statusJson('B')).toMatchObject({ pending: 0, phase: 'idle' });
  });

  it('watch on B says what each change from A did, naming the rows, and stops cleanly on SIGINT', async () => {
    const watch = spawn(process.execPath, [BIN, '--data-dir', devices.B, '--server', url, 'watch'], {
      cwd: ROOT,
      env: cleanEnv(),
    });
    const done = collect(watch);
    let out = '';
    watch.stdout!.on('data', (d) => (out += d));
    let mark = 0;
    const waitFor = async (re: RegExp) => {
      const until = Date.now() + 30_000;
      while (!re.test(out.slice(mark))) {
        if (Date.now() > until || watch.exitCode !== null)
          throw new Error(`watch never printed ${re}: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      mark = out.length;
    };
    /** A change on A, synced: watch on B prints `line`. */
    const onA = async (args: string[], line: RegExp) => {
      await ok('A', ...args);
      await ok('A', 'sync');
      await waitFor(line);
    };
    await waitFor(/Watching .* as ada-/);
    await waitFor(/\] synced/);
    const milk = (await listJson('A')).find((t) => t.title === 'Buy milk')!;
    const at = '^\\[[^\\]]+\\] ';
    await onA(
      ['task', 'edit', milk.id, '--title', 'Buy oat milk'],
      new RegExp(`${at}task 'Buy milk' renamed to 'Buy oat milk' on another device$`, 'm'),
    );
    await onA(
      ['task', 'edit', milk.id, '--status', 'todo'],
      new RegExp(`${at}task 'Buy oat milk' reopened \\(todo\\) on another device$`, 'm'),
    );
    await onA(['task', 'done', milk.id], new RegExp(`${at}task 'Buy oat milk' done on another device$`, 'm'));
    await onA(
      ['task', 'add', 'Fresh from A'],
      new RegExp(`${at}task 'Fresh from A' added on another device$`, 'm'),
    );
    await onA(
      ['project', 'add', 'Errands'],
      new RegExp(`${at}project 'Errands' added on another device$`, 'm'),
    );
    await onA(
      ['project', 'rm', 'errands'],
      new RegExp(`${at}project 'Errands' deleted on another device$`, 'm'),
    );
    await onA(
      ['timer', 'start', '--task', milk.id],
      new RegExp(`${at}timer for 'Buy oat milk' started on another device$`, 'm'),
    );
    await onA(
      ['timer', 'stop'],
      new RegExp(`${at}timer for 'Buy oat milk' stopped after \\d+s on another device$`, 'm'),
    );
    expect(out).not.toMatch(/changed: /);
    watch.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Stopped; last sync just now/);
    expect((await listJson('B')).find((t) => t.id === milk.id)).toMatchObject({
      title: 'Buy oat milk',
      status: 'done',
      synced: true,
    });
  });

  it('export: JSON of every live row with full ids and protocol fields; CSV of tasks or timers', async () => {
    await ok('A', 'task', 'add', 'Quote "this", please', '--description', 'two\nlines');
    const file = join(tmp, 'ada.json');
    expect(await ok('A', 'export', '--out', file)).toMatch(/^Exported 1 project, 6 tasks, 2 timers to /);
    const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> &
      Record<EntityName, Row[]>;
    expect(Object.keys(data).sort()).toEqual(
      ['account', 'exported_at', 'format', 'projects', 'tasks', 'timers', 'version'].sort(),
    );
    expect(data).toMatchObject({ format: 'selftracker-export', version: 1, account: EMAIL });
    for (const e of ['projects', 'tasks', 'timers'] as const) {
      const rows = await listJson('A', e.slice(0, -1));
      expect(rows.every((r) => r.synced)).toBe(true); // export synced first
      expect(data[e]).toEqual(rows.map(({ synced: _, ...r }) => r));
      for (const r of data[e]) expect(Object.keys(r)).toEqual(['id', ...ENTITIES[e].fieldNames]);
    }
    const stdout = JSON.parse(await ok('A', 'export')) as typeof data;
    expect({ ...stdout, exported_at: 0 }).toEqual({ ...data, exported_at: 0 });

    const tasksCsv = await ok('A', 'export', '--format', 'csv');
    const lines = tasksCsv.split('\r\n');
    expect(lines[0]).toBe('id,title,status,project,project_id,due,description,created_at,updated_at');
    expect(lines.at(-1)).toBe(''); // every record ends with CRLF
    expect(lines).toHaveLength(1 + 6 + 1);
    const quoted = lines.find((l) => l.includes('please'))!;
    expect(quoted).toMatch(
      /^[0-9a-f-]{36},"Quote ""this"", please",todo,,,,"two\nlines",\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d,/,
    );
    const timersCsv = await ok(
      'A',
      'export',
      '--format',
      'csv',
      '--what',
      'timers',
      '--out',
      join(tmp, 't.csv'),
    );
    expect(timersCsv).toMatch(/^Exported 2 timers to /);
    const timerLines = readFileSync(join(tmp, 't.csv'), 'utf8').split('\r\n');
    expect(timerLines[0]).toBe(
      'id,started_at,stopped_at,seconds,task,task_id,project,project_id,note,created_at,updated_at',
    );
    expect(timerLines.find((l) => l.includes('drafting'))).toMatch(
      /,\d+,Final report,[0-9a-f-]{36},Work,[0-9a-f-]{36},drafting,/,
    );
  });

  it('import: into another account, ids kept; twice changes nothing, here and on its other device', async () => {
    const file = join(tmp, 'ada.json');
    const exported = JSON.parse(readFileSync(file, 'utf8')) as Record<EntityName, Row[]>;
    expect(await ok('C', 'signup', EMAIL2, '--password', PASSWORD)).toMatch(/nothing new to pull/);
    const first = await ok('C', 'import', file);
    expect(first).toBe(
      `Imported 1 project, 6 tasks, 2 timers from ${file}\nSynced with ${url}: pushed 9 changes\n`,
    );
    for (const e of ['projects', 'tasks', 'timers'] as const) {
      const rows = await listJson('C', e.slice(0, -1));
      expect(content(rows)).toEqual(content(exported[e]));
      expect(rows.every((r) => r.synced)).toBe(true);
    }
    const again = await ok('C', 'import', file);
    expect(again).toMatch(/^Imported 0 projects, 0 tasks, 0 timers from .*; 9 rows already here/);
    expect(await counts('C')).toEqual([1, 6, 2]);
    expect(await ok('D', 'login', EMAIL2, '--password', PASSWORD)).toMatch(
      /pulled 1 project, 6 tasks, 2 timers/,
    );
    await ok('D', 'import', file);
    expect(await counts('D')).toEqual([1, 6, 2]);
    await ok('C', 'sync');
    expect(await counts('C')).toEqual([1, 6, 2]);
    expect(content(await listJson('D'))).toEqual(content(await listJson('C')));
    // Ada's own account is untouched by Bea's import.
    expect(await counts('A')).toEqual([1, 6, 2]);

    // A bad file writes nothing.
    const bad = join(tmp, 'bad.json');
    const broken = {
      ...exported,
      tasks: [{ ...exported.tasks[0], id: crypto.randomUUID(), status: 'someday' }],
    };
    writeFileSync(bad, JSON.stringify(broken));
    await fails(
      'C',
      ['import', bad],
      /bad\.json: tasks\[0\]\.status: must be one of todo, in-progress, done; nothing imported/,
    );
    writeFileSync(bad, '{"format": "selftracker-export", "version": 1, "tasks": [');
    await fails('C', ['import', bad], /bad\.json is not JSON/);
    writeFileSync(bad, JSON.stringify({ format: 'selftracker-export', version: 2 }));
    await fails('C', ['import', bad], /export version 2; this selftracker reads version 1/);
    const unknownField = { ...exported, projects: [{ ...exported.projects[0], owner: 'x' }] };
    writeFileSync(bad, JSON.stringify(unknownField));
    await fails('C', ['import', bad], /projects\[0\]: Unrecognized key: "owner"/);
    expect(await counts('C')).toEqual([1, 6, 2]);
    expect((await statusJson('C')).pending).toBe(0);
  });

  it('account password: the new one signs in, the old one no longer does; this device stays signed in', async () => {
    await fails(
      'C',
      ['account', 'password', '--password', 'not it at all', '--new-password', 'x'.repeat(12)],
      /wrong password/,
    );
    expect(
      await ok('C', 'account', 'password', '--password', PASSWORD, '--new-password', 'a brand new secret'),
    ).toBe(`Changed the password of ${EMAIL2}; every other device is signed out\n`);
    await ok('C', 'task', 'add', 'After the change');
    expect(await ok('C', 'sync')).toMatch(/pushed 1 change/);
    await fails('B', ['login', EMAIL2, '--password', PASSWORD], /wrong email or password/);
    rmSync(devices.E, { recursive: true, force: true });
    expect(await ok('E', 'login', EMAIL2, '--password', 'a brand new secret')).toMatch(
      /pulled 1 project, 7 tasks, 2 timers/,
    );
  });

  it('account delete: wiped here, refused on the other device, and the email starts over empty', async () => {
    await fails('A', ['account', 'delete', '--password', 'not the password'], /wrong password/);
    expect(await counts('A')).toEqual([1, 6, 2]);
    expect(await ok('A', 'account', 'delete', '--password', PASSWORD)).toBe(
      `Deleted the account ${EMAIL} and everything in it from ${url}\nWiped this device's copy\n`,
    );
    expect(await counts('A')).toEqual([0, 0, 0]);
    expect(await ok('A', 'status')).toMatch(/Account:\s+not signed in/);
    await fails(
      'B',
      ['sync'],
      /signed out: the server no longer accepts this device's session.*sign in again/,
    );
    expect(await ok('B', 'status')).toMatch(new RegExp(`Account:\\s+${EMAIL} \\(signed out\\)`));
    expect(await ok('B', 'signup', EMAIL, '--password', PASSWORD)).toMatch(
      /First sync with .*: nothing new to pull/,
    );
    expect(await counts('B')).toEqual([0, 0, 0]);
  });

  it('account delete --keep-local keeps this device’s copy, signed out', async () => {
    expect(await ok('C', 'account', 'delete', '--password', 'a brand new secret', '--keep-local')).toBe(
      `Deleted the account ${EMAIL2} and everything in it from ${url}\nKept this device's copy, signed out: list and export still work; changes no longer sync\n`,
    );
    expect(await counts('C')).toEqual([1, 7, 2]);
    expect(await ok('C', 'status')).toMatch(/\(signed out\)/);
    expect(await ok('C', 'export', '--out', join(tmp, 'kept.json'))).toMatch(
      /Exported 1 project, 7 tasks, 2 timers/,
    );
    await fails('D', ['sync'], /signed out/);
    await fails('E', ['sync'], /signed out/);
  });
});
