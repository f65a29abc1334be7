import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ClientError, type Engine } from '@selftracker/client';
import { ENTITIES, ENTITY_NAMES, type EntityName, isUuid, type Row } from '@selftracker/core';
import { z } from 'zod';
import { allow, type Options, oneOf, UsageError } from './args.ts';
import type { Io } from './commands.ts';
import { count, csv, formatDate, isoLocal } from './format.ts';
import { signedIn, syncIfSignedIn, syncRound } from './sync.ts';

/** The `format` field of an export file, and the version of its shape. */
export const EXPORT_FORMAT = 'selftracker-export';
export const EXPORT_VERSION = 1;

/**
 * An export file (version 1): every live project, task and timer of the account as this device has them
 * (after a sync when it could), each with its full `id` and the protocol's field names and values.
 */
export interface ExportFile {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  /** ms epoch */
  exported_at: number;
  /** The signed-in email, or null for a device that never signed in. */
  account: string | null;
  projects: Row<'projects'>[];
  tasks: Row<'tasks'>[];
  timers: Row<'timers'>[];
}

/** A row of `entity` as a file holds it: the registry's field schemas (required ones required), and its id. */
function rowSchema(entity: EntityName) {
  const fields = Object.fromEntries(
    ENTITIES[entity].fields.map((f) => [f.name, f.required ? f.schema : f.schema.optional()]),
  );
  return z.strictObject({
    id: z.string().refine((s) => isUuid(s), 'must be a UUID'),
    ...fields,
  });
}

const fileSchema = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exported_at: z.number().optional(),
  account: z.string().nullable().optional(),
  projects: z.array(rowSchema('projects')),
  tasks: z.array(rowSchema('tasks')),
  timers: z.array(rowSchema('timers')),
});

/** Rows without the device-local `synced` flag. */
const strip = <T extends { synced: boolean }>(rows: T[]): Omit<T, 'synced'>[] =>
  rows.map(({ synced: _, ...row }) => row);

async function exportJson(engine: Engine): Promise<{ text: string; summary: string }> {
  const account = await engine.account();
  const file: ExportFile = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exported_at: Date.now(),
    account: account?.email ?? null,
    projects: strip(await engine.projects.list()),
    tasks: strip(await engine.tasks.list()),
    timers: strip(await engine.timers.list()),
  };
  const summary = [
    count(file.projects.length, 'project'),
    count(file.tasks.length, 'task'),
    count(file.timers.length, 'timer'),
  ].join(', ');
  return { text: `${JSON.stringify(file, null, 2)}\n`, summary };
}

/** A due date: the local calendar date when it is local midnight (as `--due` sets it), else the full time. */
function dueText(ms: number | null): string {
  if (ms === null) return '';
  return new Date(ms).setHours(0, 0, 0, 0) === ms ? formatDate(ms) : isoLocal(ms);
}
const time = (ms: number | null) => (ms === null ? '' : isoLocal(ms));

async function exportCsv(
  engine: Engine,
  what: 'tasks' | 'timers',
): Promise<{ text: string; summary: string }> {
  const projects = new Map((await engine.projects.list()).map((p) => [p.id, p.name]));
  const tasks = await engine.tasks.list();
  const name = (id: string | null) => (id ? (projects.get(id) ?? '') : '');
  if (what === 'tasks') {
    const header = [
      'id',
      'title',
      'status',
      'project',
      'project_id',
      'due',
      'description',
      'created_at',
      'updated_at',
    ];
    const rows = tasks.map((t) => [
      t.id,
      t.title,
      t.status,
      name(t.project_id),
      t.project_id,
      dueText(t.due_at),
      t.description,
      time(t.created_at),
      time(t.updated_at),
    ]);
    return { text: csv(header, rows), summary: count(rows.length, 'task') };
  }
  const titles = new Map(tasks.map((t) => [t.id, t.title]));
  const header = [
    'id',
    'started_at',
    'stopped_at',
    'seconds',
    'task',
    'task_id',
    'project',
    'project_id',
    'note',
    'created_at',
    'updated_at',
  ];
  const rows = (await engine.timers.list()).map((t) => [
    t.id,
    time(t.started_at),
    time(t.stopped_at),
    t.stopped_at === null ? null : Math.round((t.stopped_at - t.started_at) / 1000),
    t.task_id ? (titles.get(t.task_id) ?? '') : '',
    t.task_id,
    name(t.project_id),
    t.project_id,
    t.note,
    time(t.created_at),
    time(t.updated_at),
  ]);
  return { text: csv(header, rows), summary: count(rows.length, 'timer') };
}

/** Writes `text` to `path` whole or not at all (a temporary file renamed over it), readable by the owner only. */
function writeWhole(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

/** `export`: a sync first when signed in, then the JSON (or one entity's CSV) to `--out` or stdout. */
export async function exportCommand(engine: Engine, io: Io, args: string[], o: Options): Promise<void> {
  allow(o, ['out', 'format', 'what']);
  if (args.length) throw new UsageError(`unexpected "${args.join(' ')}" (write to a file with --out FILE)`);
  const format = oneOf('format', o.format ?? 'json', ['json', 'csv'] as const);
  if (format === 'json' && o.what !== undefined)
    throw new UsageError('--what applies to --format csv (the JSON holds everything)');
  const what = oneOf('what', o.what ?? 'tasks', ['tasks', 'timers'] as const);
  // With the data on stdout, notes go to stderr.
  const note = o.out === undefined ? io.err : io.out;
  const account = await engine.account();
  if (account?.signedIn)
    await syncIfSignedIn(engine, { ok: () => {}, failed: note }, "exporting this device's copy");
  else note("not signed in: exporting this device's copy");
  const { text, summary } = format === 'json' ? await exportJson(engine) : await exportCsv(engine, what);
  if (o.out === undefined) return io.write(text);
  if (o.out === '') throw new UsageError('--out: missing FILE');
  writeWhole(o.out, text);
  io.out(`Exported ${summary} to ${o.out}`);
}

/** The first problem of a file that is not an export, as `where: what`. */
function problemOf(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const where = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`))
    .join('');
  return `${where || 'file'}: ${issue.message}`;
}

/** Reads and checks an export file; anything wrong is one `invalid_input` sentence naming where. */
export function readExport(path: string): ExportFile {
  let text: string;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (e: unknown) {
    const code = (e as { code?: string }).code;
    throw new ClientError(
      'not_found',
      `cannot read ${path}${code === 'ENOENT' ? ': no such file' : `: ${code ?? e}`}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e: unknown) {
    throw new ClientError('invalid_input', `${path} is not JSON (${e instanceof Error ? e.message : e})`);
  }
  const head = raw as { format?: unknown; version?: unknown } | null;
  if (head?.format !== EXPORT_FORMAT)
    throw new ClientError(
      'invalid_input',
      `${path} is not a selftracker export (want "format": "${EXPORT_FORMAT}")`,
    );
  if (typeof head.version === 'number' && head.version > EXPORT_VERSION)
    throw new ClientError(
      'invalid_input',
      `${path} is export version ${head.version}; this selftracker reads version ${EXPORT_VERSION}: update it`,
    );
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success)
    throw new ClientError('invalid_input', `${path}: ${problemOf(parsed.error)}; nothing imported`);
  return parsed.data as unknown as ExportFile;
}

/** `import FILE`: checks the file, syncs first when signed in, writes it in one transaction, then syncs. */
export async function importCommand(engine: Engine, io: Io, args: string[], o: Options): Promise<void> {
  allow(o, []);
  const [path, ...rest] = args;
  if (!path) throw new UsageError('missing FILE');
  if (rest.length) throw new UsageError(`unexpected "${rest.join(' ')}"`);
  const file = readExport(path);
  const online = (await engine.account())?.signedIn ?? false;
  // A sync first: a row another device changed since the export is then known here as newer, and kept.
  if (online)
    await syncIfSignedIn(engine, { ok: () => {}, failed: io.err }, 'importing into what this device has');
  let counts: Awaited<ReturnType<Engine['importRows']>>;
  try {
    counts = await engine.importRows({ projects: file.projects, tasks: file.tasks, timers: file.timers });
  } catch (e: unknown) {
    if (ClientError.is(e, 'invalid_input'))
      throw new ClientError('invalid_input', `${path}: ${e.message}; nothing imported`);
    throw e;
  }
  const nouns: Record<EntityName, string> = { projects: 'project', tasks: 'task', timers: 'timer' };
  const written = ENTITY_NAMES.map((e) => count(counts[e].written, nouns[e])).join(', ');
  const skipped = ENTITY_NAMES.reduce((n, e) => n + counts[e].skipped, 0);
  io.out(
    `Imported ${written} from ${path}${skipped ? `; ${count(skipped, 'row')} already here (same or newer, or deleted) left alone` : ''}`,
  );
  if (!online) return io.out('Not signed in: the import stays on this device until you sign in and sync');
  try {
    await signedIn(engine);
    const r = await syncRound(engine);
    io.out(`Synced with ${engine.transport.baseUrl}: pushed ${count(r.report.pushed, 'change')}`);
  } catch (e: unknown) {
    io.err(
      `${e instanceof Error ? e.message : String(e)}: the import waits on this device for the next sync`,
    );
  }
}
