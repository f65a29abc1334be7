import { describeSyncProblem, type Engine, type Entity, type TaskFilter } from '@selftracker/client';
import type { Patch } from '@selftracker/core';
import { allow, type Options, parseColor, parseDue, parseStatus, UsageError } from './args.ts';
import { ago, formatClock, formatDate, formatDuration, formatTime, syncMark, table } from './format.ts';
import { findProject, projectOption, resolveRef, shortIds, shortIdsOf } from './ids.ts';

export interface Io {
  out(line: string): void;
  /** Raw text to stdout (a document: no newline added). */
  write(text: string): void;
  /** Notes beside the output (stderr): what stdout must not carry when it is the data. */
  err(line: string): void;
}

/** `--json` rows: the protocol's entity fields plus `id` and `synced`. */
const json = (io: Io, rows: Entity[]) => io.out(JSON.stringify(rows, null, 2));

function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

export async function projectCommand(engine: Engine, io: Io, args: string[], o: Options): Promise<void> {
  const [sub, arg, ...rest] = args;
  if (rest.length) throw new UsageError(`unexpected "${rest.join(' ')}" (quote a name with spaces)`);
  if (sub === 'add') {
    allow(o, ['color']);
    const p = await engine.projects.create({
      name: need(arg, 'NAME'),
      ...(o.color !== undefined ? { color: parseColor(o.color) } : {}),
    });
    const short = await shortIdsOf(engine, 'projects');
    io.out(`Added project ${short.get(p.id)}  ${p.name}`);
  } else if (sub === 'list') {
    allow(o, ['json']);
    if (arg !== undefined) throw new UsageError(`unexpected "${arg}"`);
    const rows = await engine.projects.list();
    if (o.json) return json(io, rows);
    if (rows.length === 0) return io.out('No projects yet. Add one with: selftracker project add NAME');
    const short = shortIds(rows.map((p) => p.id));
    io.out(
      table(
        rows.map((p) => [short.get(p.id)!, p.name, p.color ?? '', p.archived ? 'archived' : '', syncMark(p)]),
      ),
    );
  } else if (sub === 'rm') {
    allow(o, []);
    const p = await findProject(engine, need(arg, 'PROJECT'));
    const short = await shortIdsOf(engine, 'projects');
    await engine.projects.delete(p.id);
    io.out(`Deleted project ${short.get(p.id)}  ${p.name}`);
  } else throw new UsageError(sub ? `project ${sub}: want add, list or rm` : 'project: want add, list or rm');
}

async function taskList(engine: Engine, io: Io, o: Options): Promise<void> {
  const filter: TaskFilter = {};
  if (o.status !== undefined) filter.status = [parseStatus(o.status)];
  const project = await projectOption(engine, o.project);
  if (project !== undefined) filter.projectId = project;
  const rows = await engine.tasks.list({ filter });
  if (o.json) return json(io, rows);
  if (rows.length === 0) return io.out('No tasks. Add one with: selftracker task add "TITLE"');
  const short = await shortIdsOf(engine, 'tasks');
  const projects = new Map((await engine.projects.list()).map((p) => [p.id, p.name]));
  io.out(
    table(
      rows.map((t) => [
        short.get(t.id)!,
        `[${t.status}]`,
        t.title,
        t.project_id ? (projects.get(t.project_id) ?? '(unknown project)') : '',
        t.due_at ? `due ${formatDate(t.due_at)}` : '',
        syncMark(t),
      ]),
    ),
  );
  if (rows.some((t) => !t.synced)) io.out('* not synced yet');
}

async function taskEdit(engine: Engine, io: Io, ref: string, o: Options): Promise<void> {
  const id = await resolveRef(engine.tasks, ref);
  const patch: Patch<'tasks'> = {};
  if (o.title !== undefined) patch.title = o.title;
  if (o.status !== undefined) patch.status = parseStatus(o.status);
  if (o.description !== undefined) patch.description = o.description === '' ? null : o.description;
  if (o.due !== undefined) patch.due_at = parseDue(o.due);
  const project_id = await projectOption(engine, o.project);
  if (project_id !== undefined) patch.project_id = project_id;
  if (Object.keys(patch).length === 0)
    throw new UsageError(
      'task edit: nothing to change (give --title, --status, --due, --description or --project)',
    );
  const t = await engine.tasks.update(id, patch);
  const short = await shortIdsOf(engine, 'tasks');
  const due = t.due_at ? ` due ${formatDate(t.due_at)}` : '';
  io.out(`Updated task ${short.get(t.id)}  ${t.title} [${t.status}]${due}`);
}

export async function taskCommand(engine: Engine, io: Io, args: string[], o: Options): Promise<void> {
  const [sub, arg, ...rest] = args;
  if (rest.length) throw new UsageError(`unexpected "${rest.join(' ')}" (quote a title with spaces)`);
  if (sub === 'list' && arg !== undefined) throw new UsageError(`unexpected "${arg}"`);
  switch (sub) {
    case 'add': {
      allow(o, ['project', 'status', 'due', 'description']);
      const due_at = o.due !== undefined ? parseDue(o.due) : null;
      const data = {
        title: need(arg, 'TITLE'),
        ...(o.status !== undefined ? { status: parseStatus(o.status) } : {}),
        ...(due_at !== null ? { due_at } : {}),
        ...(o.description !== undefined ? { description: o.description } : {}),
      };
      const project_id = await projectOption(engine, o.project);
      const t = await engine.tasks.create(project_id !== undefined ? { ...data, project_id } : data);
      const short = await shortIdsOf(engine, 'tasks');
      return io.out(`Added task ${short.get(t.id)}  ${t.title}`);
    }
    case 'list':
      allow(o, ['status', 'project', 'json']);
      return taskList(engine, io, o);
    case 'edit':
      allow(o, ['title', 'status', 'due', 'description', 'project']);
      return taskEdit(engine, io, need(arg, 'ID'), o);
    case 'done': {
      allow(o, []);
      const t = await engine.tasks.update(await resolveRef(engine.tasks, need(arg, 'ID')), {
        status: 'done',
      });
      return io.out(`Done: ${t.title}`);
    }
    case 'rm': {
      allow(o, []);
      const id = await resolveRef(engine.tasks, need(arg, 'ID'));
      const [short, t] = [await shortIdsOf(engine, 'tasks'), await engine.tasks.get(id)];
      await engine.tasks.delete(id);
      return io.out(`Deleted task ${short.get(id)}  ${t?.title ?? ''}`.trimEnd());
    }
    default:
      throw new UsageError(
        sub ? `task ${sub}: want add, list, edit, done or rm` : 'task: want add, list, edit, done or rm',
      );
  }
}

async function timerList(engine: Engine, io: Io, o: Options, now: number): Promise<void> {
  const rows = await engine.timers.list();
  if (o.json) return json(io, rows);
  if (rows.length === 0) return io.out('No timers yet. Start one with: selftracker timer start');
  const titles = new Map((await engine.tasks.list()).map((t) => [t.id, t.title]));
  const projects = new Map((await engine.projects.list()).map((p) => [p.id, p.name]));
  const short = shortIds(rows.map((t) => t.id));
  let total = 0;
  io.out(
    table(
      rows.map((t) => {
        const ms = (t.stopped_at ?? now) - t.started_at;
        total += ms;
        const what = (t.task_id && titles.get(t.task_id)) || t.note || '';
        return [
          short.get(t.id)!,
          formatTime(t.started_at),
          t.stopped_at === null ? `${formatDuration(ms)} (running)` : formatDuration(ms),
          what,
          (t.project_id && projects.get(t.project_id)) || '',
          syncMark(t),
        ];
      }),
    ),
  );
  io.out(`total ${formatDuration(total)}`);
}

export async function timerCommand(engine: Engine, io: Io, args: string[], o: Options): Promise<void> {
  const [sub, ...rest] = args;
  if (rest.length) throw new UsageError(`unexpected "${rest.join(' ')}"`);
  const now = Date.now();
  if (sub === 'start') {
    allow(o, ['task', 'project', 'note']);
    const task_id = o.task !== undefined ? await resolveRef(engine.tasks, o.task) : undefined;
    const project_id = await projectOption(engine, o.project);
    const t = await engine.timers.start({
      ...(task_id ? { task_id } : {}),
      ...(project_id !== undefined ? { project_id } : {}),
      ...(o.note !== undefined ? { note: o.note } : {}),
    });
    const short = await shortIdsOf(engine, 'timers');
    io.out(`Started timer ${short.get(t.id)} at ${formatTime(t.started_at)}`);
  } else if (sub === 'stop') {
    allow(o, []);
    const stopped = await engine.timers.stop();
    const short = await shortIdsOf(engine, 'timers');
    for (const t of stopped) {
      io.out(
        `Stopped timer ${short.get(t.id)} after ${formatDuration((t.stopped_at ?? now) - t.started_at)}`,
      );
    }
  } else if (sub === 'list') {
    allow(o, ['json']);
    await timerList(engine, io, o, now);
  } else
    throw new UsageError(sub ? `timer ${sub}: want start, stop or list` : 'timer: want start, stop or list');
}

const OPS: Record<string, string> = { CREATE: 'new', UPDATE: 'edited', DELETE: 'deleted' };

export async function statusCommand(engine: Engine, io: Io, o: Options): Promise<void> {
  allow(o, ['json']);
  const account = await engine.account();
  const last = await engine.lastSync();
  const pending = await engine.pendingSummary();
  const count = pending.reduce((n, p) => n + Number(p.count), 0);
  const phase = account?.signedIn ? last.phase : 'signed-out';
  const problem =
    account && !account.signedIn
      ? describeSyncProblem({ code: 'unauthorized', message: 'signed out', at: 0 }, count)
      : last.error && describeSyncProblem(last.error, count, formatClock);
  if (o.json) {
    return io.out(
      JSON.stringify(
        {
          pending: count,
          pending_by_entity: pending.map((p) => ({
            entity: p.entity,
            operation: p.operation,
            count: Number(p.count),
          })),
          last_sync_at: last.at,
          last_error: last.error?.message ?? null,
          last_error_code: last.error?.code ?? null,
          server: engine.transport.baseUrl,
          account_server: account?.server ?? null,
          email: account?.signedIn ? account.email : null,
          phase,
        },
        null,
        2,
      ),
    );
  }
  const elsewhere = account && account.server !== engine.transport.baseUrl;
  io.out(`Server:    ${engine.transport.baseUrl}${elsewhere ? ` (signed in at ${account.server})` : ''}`);
  io.out(
    `Account:   ${account?.signedIn ? account.email : account ? `${account.email} (signed out)` : 'not signed in'}`,
  );
  io.out(`Last sync: ${last.at ? `${ago(last.at)} (${formatTime(last.at)})` : 'never'}`);
  if (problem) io.out(`Problem:   ${problem.sentence}`);
  if (problem && last.error && last.error.code !== 'rejected-ops' && last.error.code !== 'server-error')
    io.out(`           (${last.error.message})`);
  if (count === 0) io.out('Pending:   nothing: every change on this device is on the server');
  else {
    io.out(`Pending:   ${count} change${count === 1 ? '' : 's'} not on the server yet`);
    for (const p of pending) {
      const noun = Number(p.count) === 1 ? p.entity.slice(0, -1) : p.entity;
      io.out(
        `           ${p.count} ${OPS[p.operation] ?? p.operation} ${noun} (oldest ${ago(p.oldest)})${p.lastError ? ` — last try: ${p.lastError}` : ''}`,
      );
    }
  }
  io.out(`Phase:     ${phase}`);
}
