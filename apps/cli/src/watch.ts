import { type ChangedRow, describeSyncProblem, type Engine } from '@selftracker/client';
import { ENTITY_NAMES, type EntityData, type EntityName } from '@selftracker/core';
import { allow, type Options } from './args.ts';
import type { Io } from './commands.ts';
import { ago, formatClock, formatDate, formatDuration } from './format.ts';
import { signedIn } from './sync.ts';

type Rows = Map<string, EntityData>;
/** What this device knew of every live row before a change: to say what the change did. */
type Known = Record<EntityName, Rows>;

const quote = (s: unknown) => `'${String(s)}'`;
const FIELD_WORDS: Record<string, string> = {
  description: 'description',
  project_id: 'project',
  due_at: 'due date',
  color: 'colour',
  task_id: 'task',
  note: 'note',
  started_at: 'start',
  stopped_at: 'stop',
};

function changedFields(before: EntityData, after: EntityData): string[] {
  return Object.keys(after).filter((k) => k !== 'updated_at' && k !== 'created_at' && before[k] !== after[k]);
}

/** What a timer was for: its task's title, else its project's name, else its note. */
function timerSubject(t: EntityData, known: Known): string {
  const task = typeof t.task_id === 'string' ? known.tasks.get(t.task_id) : undefined;
  const project = typeof t.project_id === 'string' ? known.projects.get(t.project_id) : undefined;
  const what = task?.title ?? project?.name ?? t.note;
  return what ? ` for ${quote(what)}` : '';
}

function describeTask(b: EntityData | undefined, a: EntityData, known: Known): string | null {
  if (!b) return `task ${quote(a.title)} added`;
  const parts: string[] = [];
  for (const k of changedFields(b, a)) {
    if (k === 'title') parts.push(`renamed to ${quote(a.title)}`);
    else if (k === 'status')
      parts.push(
        a.status === 'done' ? 'done' : b.status === 'done' ? `reopened (${a.status})` : `now ${a.status}`,
      );
    else if (k === 'project_id') {
      const p = typeof a.project_id === 'string' ? known.projects.get(a.project_id) : undefined;
      parts.push(
        a.project_id === null ? 'taken out of its project' : `moved to project ${quote(p?.name ?? '?')}`,
      );
    } else if (k === 'due_at')
      parts.push(a.due_at === null ? 'no longer due' : `due ${formatDate(Number(a.due_at))}`);
    else parts.push(`${FIELD_WORDS[k] ?? k} changed`);
  }
  return parts.length ? `task ${quote(b.title)} ${parts.join(', ')}` : null;
}

function describeProject(b: EntityData | undefined, a: EntityData): string | null {
  if (!b) return `project ${quote(a.name)} added`;
  const parts: string[] = [];
  for (const k of changedFields(b, a)) {
    if (k === 'name') parts.push(`renamed to ${quote(a.name)}`);
    else if (k === 'archived') parts.push(a.archived ? 'archived' : 'unarchived');
    else parts.push(`${FIELD_WORDS[k] ?? k} changed`);
  }
  return parts.length ? `project ${quote(b.name)} ${parts.join(', ')}` : null;
}

function describeTimer(b: EntityData | undefined, a: EntityData, known: Known): string | null {
  const subject = timerSubject(a, known);
  const took = () => formatDuration(Number(a.stopped_at) - Number(a.started_at));
  if (!b) return a.stopped_at === null ? `timer${subject} started` : `timer${subject} of ${took()} added`;
  const fields = changedFields(b, a);
  if (fields.length === 0) return null;
  if (b.stopped_at === null && a.stopped_at !== null) return `timer${subject} stopped after ${took()}`;
  return `timer${subject} edited (${fields.map((k) => FIELD_WORDS[k] ?? k).join(', ')})`;
}

/** One line for one row a sync wrote, given what was known of it before (null: nothing worth saying). */
export function describeChange(row: ChangedRow, known: Known): string | null {
  const before = known[row.entity].get(row.id);
  let what: string | null;
  if (row.deleted || !row.data) {
    if (!before) return null; // never shown here: created and deleted elsewhere meanwhile
    const name = row.entity === 'tasks' ? before.title : row.entity === 'projects' ? before.name : null;
    what =
      name === null
        ? `timer${timerSubject(before, known)} deleted`
        : `${row.entity.slice(0, -1)} ${quote(name)} deleted`;
  } else if (row.entity === 'tasks') what = describeTask(before, row.data, known);
  else if (row.entity === 'projects') what = describeProject(before, row.data);
  else what = describeTimer(before, row.data, known);
  return what && `${what}${row.echo ? ' (from this device)' : ' on another device'}`;
}

async function load(engine: Engine, known: Known, tables: readonly EntityName[]): Promise<void> {
  for (const e of tables) {
    const rows: Rows = new Map();
    for (const { id, synced: _, ...data } of await engine[e].list()) rows.set(id, data as EntityData);
    known[e] = rows;
  }
}

/** `watch`: live sync until SIGINT/SIGTERM, printing status changes and what each change from the server did. */
export async function watch(engine: Engine, io: Io, o: Options): Promise<void> {
  allow(o, []);
  const account = await signedIn(engine);
  io.out(`Watching ${account.server} as ${account.email}; Ctrl-C to stop`);
  const stamp = (line: string) => io.out(`[${new Date().toLocaleTimeString()}] ${line}`);
  let last = '';
  engine.subscribe((s) => {
    const line =
      s.phase === 'idle'
        ? `synced${s.pending ? `, ${s.pending} pending` : ''}`
        : s.phase === 'syncing'
          ? ''
          : s.lastError
            ? describeSyncProblem(s.lastError, s.pending, formatClock).sentence
            : s.phase;
    if (line && line !== last) stamp(line);
    if (line) last = line;
  });
  const known = {} as Known;
  await load(engine, known, ENTITY_NAMES);
  // Events arrive in commit order; each is worded against what the ones before it left.
  let queue = Promise.resolve();
  engine.onChange((tables, detail) => {
    queue = queue
      .then(async () => {
        if (detail.source !== 'sync') return;
        if (!detail.rows) {
          // A resync's final sweep: rows the server no longer has are gone.
          const before = { ...known };
          await load(engine, known, tables);
          for (const e of tables)
            for (const id of before[e]!.keys())
              if (!known[e].has(id)) {
                const line = describeChange(
                  { entity: e, id, deleted: true, data: null, echo: false },
                  before,
                );
                if (line) stamp(line);
              }
          return;
        }
        for (const row of detail.rows) {
          const line = describeChange(row, known);
          if (line) stamp(line);
          if (row.deleted || !row.data) known[row.entity].delete(row.id);
          else known[row.entity].set(row.id, row.data);
        }
      })
      .catch((e: unknown) => stamp(`could not word a change: ${e instanceof Error ? e.message : String(e)}`));
  });
  engine.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await queue;
  const s = await engine.lastSync();
  io.out(`Stopped; last sync ${s.at ? ago(s.at) : 'never'}`);
}
