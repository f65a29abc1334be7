/**
 * The CLI end to end as a user runs it: the real `selftracker` binary in child processes, two data
 * directories as two devices, and the real server runnable as a child process that is stopped and
 * restarted (on the same data directory) between steps. The steps share state and run in order.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ENTITIES, type EntityName } from '@selftracker/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'apps/cli/bin/selftracker.js');
const STEP = 180_000;
const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
type Row = Record<string, unknown> & { id: string; synced: boolean };

const tmp = mkdtempSync(join(tmpdir(), 'selftracker-cli-'));
const devices = { A: join(tmp, 'device-a'), B: join(tmp, 'device-b') };
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

/** Runs `selftracker --data-dir <device> --server <url> ...args`. */
function st(device: Device, ...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [BIN, '--data-dir', devices[device], '--server', url, ...args], {
    cwd: ROOT,
    env: cleanEnv(),
  });
  return collect(child);
}

async function ok(device: Device, ...args: string[]): Promise<string> {
  const r = await st(device, ...args);
  if (r.code !== 0) throw new Error(`selftracker ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  expect(r.stderr).toBe('');
  return r.stdout;
}

/** A failure: non-zero exit, one line on stderr naming the reason, nothing on stdout. */
async function fails(device: Device, args: string[], reason: RegExp): Promise<string> {
  const r = await st(device, ...args);
  expect(r.code, `${args.join(' ')}: ${r.stdout}`).not.toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(reason);
  return r.stderr;
}

const listJson = async (device: Device, entity = 'task'): Promise<Row[]> =>
  JSON.parse(await ok(device, entity, 'list', '--json')) as Row[];
const statusJson = async (device: Device) =>
  JSON.parse(await ok(device, 'status', '--json')) as Record<string, unknown>;
const byTitle = (rows: Row[], title: string) => rows.find((r) => r.title === title)!;

/** The shortest prefix (at least 4 characters) of `id` that no other id shares. */
function uniquePrefix(id: string, all: string[]): string {
  for (let k = 4; k <= id.length; k++) {
    const p = id.slice(0, k);
    if (!all.some((o) => o !== id && o.startsWith(p))) return p;
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

/** Starts the server runnable on `port` and the test's data directory; resolves once it logs that it listens. */
async function startServer(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
    cwd: ROOT,
    env: cleanEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      SELFTRACKER_DATA_DIR: join(tmp, 'server'),
      LOG_LEVEL: 'info',
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

beforeAll(async () => {
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await stopServer();
  rmSync(tmp, { recursive: true, force: true });
});

describe('selftracker CLI, two devices and a server that comes and goes', { timeout: STEP }, () => {
  let taskIds: string[] = [];

  it('works offline with the server down: projects, tasks, timers, status', async () => {
    const project = (await ok('A', 'project', 'add', 'Work', '--color', '#336699')).match(
      /Added project (\S+)/,
    )![1]!;
    const projects = await listJson('A', 'project');
    expectShape(projects, 'projects');
    expect(projects).toEqual([
      expect.objectContaining({ id: project, name: 'Work', color: '#336699', synced: false }),
    ]);

    await ok(
      'A',
      'task',
      'add',
      'Write report',
      '--project',
      project.slice(0, 8),
      '--due',
      '2026-03-01',
      '--description',
      'Q1',
    );
    await ok('A', 'task', 'add', 'Buy milk', '--status', 'in-progress');
    await ok('A', 'task', 'add', 'Call Bob');
    await ok('A', 'task', 'add', 'Doomed');
    const tasks = await listJson('A');
    expectShape(tasks, 'tasks');
    taskIds = tasks.map((t) => t.id);
    expect(tasks.map((t) => [t.title, t.status, t.synced])).toEqual([
      ['Write report', 'todo', false],
      ['Buy milk', 'in-progress', false],
      ['Call Bob', 'todo', false],
      ['Doomed', 'todo', false],
    ]);
    const report = byTitle(tasks, 'Write report');
    expect(report).toMatchObject({
      project_id: project,
      description: 'Q1',
      due_at: new Date(2026, 2, 1).getTime(),
    });
    expect(await ok('A', 'task', 'list', '--status', 'in-progress')).toContain('Buy milk');
    expect(await ok('A', 'task', 'list')).toMatch(
      new RegExp(`^${report.id}\\s+\\[todo\\]\\s+Write report\\s+due 2026-03-01\\s+\\*$`, 'm'),
    );

    const timer = (
      await ok('A', 'timer', 'start', '--task', uniquePrefix(report.id, taskIds), '--note', 'drafting')
    ).match(/Started timer (\S+)/)![1]!;
    expect(await ok('A', 'timer', 'list')).toMatch(/\(running\)/);
    expect(await ok('A', 'timer', 'stop')).toMatch(new RegExp(`Stopped timer ${timer} after \\d+s`));
    const timerList = await ok('A', 'timer', 'list');
    expect(timerList).toMatch(
      new RegExp(`^${timer}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+\\d+s\\s+Write report`, 'm'),
    );
    expect(timerList).toMatch(/^total \d+s$/m);
    const timers = await listJson('A', 'timer');
    expectShape(timers, 'timers');
    expect(timers[0]).toMatchObject({ id: timer, task_id: report.id, note: 'drafting', synced: false });
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

  it('bad input changes nothing: one-line reason on stderr, non-zero exit', async () => {
    const before = await listJson('A');
    const id = taskIds[0]!;
    const shared = taskIds[0]!.slice(0, 4);
    expect(taskIds[1]!.startsWith(shared)).toBe(true); // uuidv7: same leading timestamp digits
    // Independent failures, run side by side (SQLite serializes the few writes each run makes on close).
    await Promise.all([
      fails(
        'A',
        ['task', 'add', 'X', '--status', 'someday'],
        /--status: "someday" is not one of todo, in-progress, done/,
      ),
      fails('A', ['task', 'add', 'X', '--due', '2026-02-30'], /--due: "2026-02-30" is not a date/),
      fails('A', ['task', 'add', 'X', '--project', 'ffffffff'], /no project with id ffffffff/),
      fails('A', ['task', 'add', 'X', '--priority', 'high'], /Unknown option '--priority'/),
      fails('A', ['task', 'edit', id, '--status', 'finished'], /--status: "finished"/),
      fails('A', ['task', 'edit', id, '--due', '2026-01-01'], /--due does not apply here/),
      fails('A', ['task', 'edit', id], /nothing to change/),
      fails('A', ['task', 'edit', 'ffffffff', '--title', 'Y'], /no task with id ffffffff/),
      fails('A', ['task', 'edit', shared, '--title', 'Y'], /matches several tasks/),
      fails('A', ['task', 'done', id.slice(0, 3)], /not an id \(give at least 4 characters/),
      fails('A', ['task', 'rm', 'not-an-id'], /not an id/),
      fails('A', ['task', 'rm', 'ffff'], /no task with id ffff/),
      fails('A', ['timer', 'start', '--task', 'ffffffff'], /no task with id/),
      fails('A', ['timer', 'stop'], /no timer is running/),
      fails('A', ['project', 'rm', 'ffffffff'], /no project/),
      fails('A', ['frobnicate'], /unknown command "frobnicate"/),
    ]);
    expect(await listJson('A')).toEqual(before);
    expect((await statusJson('A')).pending).toBe(7);
  });

  it('signup on A, then sync pushes everything', async () => {
    await startServer();
    const signup = await ok('A', 'signup', EMAIL, '--password', PASSWORD);
    expect(signup).toMatch(/Created account ada@example.com and signed in/);
    expect(signup).toMatch(/7 changes on this device will sync with: selftracker sync/);
    expect(await ok('A', 'sync')).toMatch(new RegExp(`Synced with ${url}: pushed 7 changes`));
    expect((await listJson('A')).every((t) => t.synced)).toBe(true);
    expect(await ok('A', 'task', 'list')).not.toMatch(/not synced yet|\*$/m);
    const status = await ok('A', 'status');
    expect(status).toMatch(/Account:\s+ada@example.com/);
    expect(status).toMatch(/Last sync:\s+just now/);
    expect(status).toMatch(/Pending:\s+nothing: every change on this device is on the server/);
    expect(status).toMatch(/Phase:\s+idle/);
    expect(await statusJson('A')).toMatchObject({
      pending: 0,
      email: EMAIL,
      server: url,
      phase: 'idle',
      last_error: null,
    });
    await fails('B', ['signup', EMAIL, '--password', PASSWORD], /already exists/);
    await fails('B', ['login', EMAIL, '--password', 'wrong password'], /wrong email or password/);
  });

  it('login on B keeps its offline task; sync pulls A’s data and pushes B’s', async () => {
    const login = await ok('B', 'login', EMAIL, '--password', PASSWORD);
    expect(login).toMatch(/Signed in as ada@example.com/);
    expect(login).toMatch(/1 change on this device will sync/);
    expect(await ok('B', 'sync')).toMatch(/pushed 1 change, pulled \d+/);
    await ok('A', 'sync');
    const [a, b] = [await listJson('A'), await listJson('B')];
    expect(b).toEqual(a);
    expect(a.map((t) => t.title)).toEqual(['Write report', 'Buy milk', 'Call Bob', 'Doomed', 'From B']);
    expect(a.slice(0, 4).map((t) => t.id)).toEqual(taskIds);
    expect(await listJson('B', 'project')).toEqual(await listJson('A', 'project'));
    expect(await listJson('B', 'timer')).toEqual(await listJson('A', 'timer'));
    taskIds = a.map((t) => t.id);
  });

  it('task edit, done and rm take unique prefixes; B sees the result', async () => {
    const [report, milk, bob] = taskIds;
    const p = (id: string | undefined) => uniquePrefix(id!, taskIds).toUpperCase();
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
      ),
    ).toBe(`Updated task ${report}  Write the report [in-progress]\n`);
    expect(await ok('A', 'task', 'done', p(milk))).toBe('Done: Buy milk\n');
    expect(await ok('A', 'task', 'rm', p(bob))).toBe(`Deleted task ${bob}\n`);
    await fails('A', ['task', 'edit', bob!, '--title', 'again'], /no task with id/);
    const a = await listJson('A');
    expect(a.find((t) => t.id === report)).toMatchObject({
      title: 'Write the report',
      status: 'in-progress',
      description: 'Q1 figures',
      synced: false,
    });
    expect(a.find((t) => t.id === milk)).toMatchObject({ status: 'done' });
    expect(a.some((t) => t.id === bob)).toBe(false);
    expect(await ok('A', 'status')).toMatch(/Pending:\s+3 changes not on the server yet/);
    await ok('A', 'sync');
    await ok('B', 'sync');
    expect(await listJson('B')).toEqual(await listJson('A'));
    taskIds = (await listJson('A')).map((t) => t.id);
  });

  it('sync with the server down exits 1 and says why; the change waits', async () => {
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

  it('watch on B picks up a change A makes and syncs, and stops cleanly on SIGINT', async () => {
    const watch = spawn(process.execPath, [BIN, '--data-dir', devices.B, '--server', url, 'watch'], {
      cwd: ROOT,
      env: cleanEnv(),
    });
    const done = collect(watch);
    let out = '';
    watch.stdout!.on('data', (d) => (out += d));
    const waitFor = async (re: RegExp, from = 0) => {
      const until = Date.now() + 30_000;
      while (!re.test(out.slice(from))) {
        if (Date.now() > until || watch.exitCode !== null)
          throw new Error(`watch never printed ${re}: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitFor(/Watching .* as ada@example.com/);
    await waitFor(/\] synced/);
    const mark = out.length;
    const milk = (await listJson('A')).find((t) => t.title === 'Buy milk')!;
    await ok('A', 'task', 'edit', milk.id, '--title', 'Buy oat milk');
    await ok('A', 'sync');
    await waitFor(/changed: tasks/, mark);
    watch.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Stopped; last sync just now/);
    expect((await listJson('B')).find((t) => t.id === milk.id)).toMatchObject({
      title: 'Buy oat milk',
      synced: true,
    });
  });
});
