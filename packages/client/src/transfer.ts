/**
 * The export format, shared by every client (the CLI's `export`/`import`, the app's Account dialog): the JSON
 * document of all live rows with its `format`/`version`, its parsing and checking, and CSV of tasks or time.
 * Pure apart from reading the engine's repositories: where the text goes (a file, a download) is the caller's.
 */
import { ENTITIES, type EntityName, isUuid, type Row } from '@selftracker/core';
import { z } from 'zod';
import type { Engine } from './engine.ts';
import { ClientError } from './errors.ts';

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

/** The export document of everything live in `engine`'s database (call `sync()` first for the newest). */
export async function buildExport(engine: Engine, now = Date.now()): Promise<ExportFile> {
  const account = await engine.account();
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exported_at: now,
    account: account?.email ?? null,
    projects: strip(await engine.projects.list()),
    tasks: strip(await engine.tasks.list()),
    timers: strip(await engine.timers.list()),
  };
}

/** The file's text: indented JSON with a final newline. */
export const exportText = (file: ExportFile): string => `${JSON.stringify(file, null, 2)}\n`;

/** The first problem of a document that is not an export, as `where: what`. */
function problemOf(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const where = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`))
    .join('');
  return `${where || 'file'}: ${issue.message}`;
}

/**
 * Parses and checks an export file's `text`; anything wrong is one `invalid_input` sentence naming `name` (the
 * file) and where in it. A newer version than this client reads asks for an update.
 */
export function parseExport(text: string, name: string): ExportFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e: unknown) {
    throw new ClientError('invalid_input', `${name} is not JSON (${e instanceof Error ? e.message : e})`);
  }
  const head = raw as { format?: unknown; version?: unknown } | null;
  if (head?.format !== EXPORT_FORMAT)
    throw new ClientError(
      'invalid_input',
      `${name} is not a selftracker export (want "format": "${EXPORT_FORMAT}")`,
    );
  if (typeof head.version === 'number' && head.version > EXPORT_VERSION)
    throw new ClientError(
      'invalid_input',
      `${name} is export version ${head.version}; this selftracker reads version ${EXPORT_VERSION}: update it`,
    );
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success)
    throw new ClientError('invalid_input', `${name}: ${problemOf(parsed.error)}; nothing imported`);
  return parsed.data as unknown as ExportFile;
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** The local calendar date `2026-03-01`. */
export function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local time as ISO 8601 with its offset: `2026-03-01T09:05:00+01:00`. */
export function isoLocal(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const zone = `${off < 0 ? '-' : '+'}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
  return `${localDate(ms)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`;
}

/**
 * A text cell made safe for a spreadsheet: one starting with `=`, `+`, `-`, `@`, a tab or a CR would be read as a
 * formula (CSV injection, OWASP), so it gets a leading apostrophe, which spreadsheets show as text. Numbers are
 * numbers and are left alone.
 */
export function neutraliseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/**
 * One CSV record (RFC 4180): a field holding a comma, quote, CR or LF is quoted, quotes doubled. Text fields are
 * neutralised against formula injection first (`neutraliseFormula`).
 */
export function csvRecord(fields: readonly (string | number | null)[]): string {
  return fields
    .map((f) => {
      const s = f === null ? '' : typeof f === 'number' ? String(f) : neutraliseFormula(f);
      return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    })
    .join(',');
}

/** A CSV document: a header record, then the rows, each line ended by CRLF (RFC 4180). */
export const csv = (header: readonly string[], rows: readonly (readonly (string | number | null)[])[]) =>
  [header, ...rows].map((r) => `${csvRecord(r)}\r\n`).join('');

/** A due date: the local calendar date when it is local midnight (as a date-only due is set), else the full time. */
function dueText(ms: number | null): string {
  if (ms === null) return '';
  return new Date(ms).setHours(0, 0, 0, 0) === ms ? localDate(ms) : isoLocal(ms);
}
const time = (ms: number | null) => (ms === null ? '' : isoLocal(ms));

const TASK_HEADER = [
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
const TIMER_HEADER = [
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

/** A span of time as ms epochs, `from` included, `to` excluded. */
export interface TimeSpan {
  from: number;
  to: number;
}

/**
 * The live tasks, or timers (time), of `engine` as CSV for a spreadsheet: one row each, times in local ISO 8601,
 * project and task names beside their ids. `rows` is how many records follow the header. With `span`, only the
 * timers that started within it (a timer belongs to the time it started: the time section's totals count it so).
 */
export async function exportCsv(
  engine: Engine,
  what: 'tasks' | 'timers',
  span?: TimeSpan,
): Promise<{ text: string; rows: number }> {
  const projects = new Map((await engine.projects.list()).map((p) => [p.id, p.name]));
  const tasks = await engine.tasks.list();
  const name = (id: string | null) => (id ? (projects.get(id) ?? '') : '');
  if (what === 'tasks') {
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
    return { text: csv(TASK_HEADER, rows), rows: rows.length };
  }
  const titles = new Map(tasks.map((t) => [t.id, t.title]));
  const timers = await engine.timers.list(span ? { filter: { from: span.from, to: span.to } } : {});
  const inSpan = span ? timers.filter((t) => t.started_at >= span.from) : timers;
  const rows = inSpan.map((t) => [
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
  return { text: csv(TIMER_HEADER, rows), rows: rows.length };
}
