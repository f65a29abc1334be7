import {
  buildExport,
  type Engine,
  type ExportFile,
  exportCsv,
  exportText,
  type ImportCounts,
  localDate,
  parseExport,
} from '@selftracker/client';
import { ENTITY_NAMES } from '@selftracker/core';
import { messageOf } from './labels.ts';

/** What to export: everything as JSON (importable), or tasks or time as CSV (for a spreadsheet). */
export type ExportKind = 'json' | 'tasks' | 'timers';

/** A file ready to hand to the browser. */
export interface ExportedFile {
  name: string;
  type: string;
  text: string;
  /** "2 projects, 5 tasks, 3 timers" */
  summary: string;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** "1 project, 2 tasks, 0 timers" of an export. */
export const describeRows = (f: Pick<ExportFile, 'projects' | 'tasks' | 'timers'>) =>
  [count(f.projects.length, 'project'), count(f.tasks.length, 'task'), count(f.timers.length, 'timer')].join(
    ', ',
  );

/**
 * A sync round first when the device is online, so the file holds what the server has; never blocks the work:
 * `null` when it synced, else why not ("offline", "could not sync: …", or a round longer than `timeoutMs`), and
 * the device's copy is used.
 */
export async function syncFirst(engine: Engine, online: boolean, timeoutMs = 8000): Promise<string | null> {
  if (!online) return 'offline';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the sync took too long')), timeoutMs);
  });
  try {
    await Promise.race([engine.sync(), late]);
    return null;
  } catch (e: unknown) {
    return `could not sync: ${messageOf(e)}`;
  } finally {
    clearTimeout(timer);
  }
}

/** Builds the file of `kind` from the engine's live rows (the shared format of `@selftracker/client`). */
export async function buildFile(engine: Engine, kind: ExportKind, now = Date.now()): Promise<ExportedFile> {
  const day = localDate(now);
  if (kind === 'json') {
    const file = await buildExport(engine, now);
    return {
      name: `selftracker-export-${day}.json`,
      type: 'application/json',
      text: exportText(file),
      summary: describeRows(file),
    };
  }
  const { text, rows } = await exportCsv(engine, kind);
  return {
    name: `selftracker-${kind === 'tasks' ? 'tasks' : 'time'}-${day}.csv`,
    type: 'text/csv',
    text,
    summary: count(rows, kind === 'tasks' ? 'task' : 'timer'),
  };
}

/**
 * The time entries that started in `span` (ms epochs, `to` excluded) as CSV, named after the range's days
 * (`stem`, e.g. `2025-03-03_2025-03-09`): the time section's "Export CSV".
 */
export async function buildTimeFile(
  engine: Engine,
  span: { from: number; to: number },
  stem: string,
): Promise<ExportedFile> {
  const { text, rows } = await exportCsv(engine, 'timers', span);
  return { name: `selftracker-time-${stem}.csv`, type: 'text/csv', text, summary: count(rows, 'timer') };
}

/** Hands `file` to the browser as a download (a blob URL on a detached `<a download>`: allowed by the CSP). */
export function downloadFile(file: ExportedFile): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: file.type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  a.click();
  // The download has its own copy once it started; the URL only has to outlive this task.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** What an import did, for a person. */
export function describeImport(counts: ImportCounts): string {
  const nouns = { projects: 'project', tasks: 'task', timers: 'timer' } as const;
  const written = ENTITY_NAMES.map((e) => count(counts[e].written, nouns[e])).join(', ');
  const skipped = ENTITY_NAMES.reduce((n, e) => n + counts[e].skipped, 0);
  return `Imported ${written}${skipped ? `; ${count(skipped, 'row')} already here (same or newer, or deleted) left alone` : ''}.`;
}

/**
 * Checks an export file's `text` (throws `invalid_input` naming the problem; nothing is written) and writes its
 * rows under their ids in one transaction: importing the same file again writes nothing.
 */
export async function importFile(engine: Engine, name: string, text: string): Promise<ImportCounts> {
  const file = parseExport(text, name);
  return engine.importRows({ projects: file.projects, tasks: file.tasks, timers: file.timers });
}
