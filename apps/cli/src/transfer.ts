import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  buildExport,
  ClientError,
  type Engine,
  type ExportFile,
  exportCsv,
  exportText,
  parseExport,
} from '@selftracker/client';
import { ENTITY_NAMES, type EntityName } from '@selftracker/core';
import { allow, type Options, oneOf, UsageError } from './args.ts';
import type { Io } from './commands.ts';
import { count } from './format.ts';
import { signedIn, syncIfSignedIn, syncRound } from './sync.ts';

async function exportJson(engine: Engine): Promise<{ text: string; summary: string }> {
  const file = await buildExport(engine);
  const summary = [
    count(file.projects.length, 'project'),
    count(file.tasks.length, 'task'),
    count(file.timers.length, 'timer'),
  ].join(', ');
  return { text: exportText(file), summary };
}

async function exportCsvText(
  engine: Engine,
  what: 'tasks' | 'timers',
): Promise<{ text: string; summary: string }> {
  const { text, rows } = await exportCsv(engine, what);
  return { text, summary: count(rows, what === 'tasks' ? 'task' : 'timer') };
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
  const { text, summary } = format === 'json' ? await exportJson(engine) : await exportCsvText(engine, what);
  if (o.out === undefined) return io.write(text);
  if (o.out === '') throw new UsageError('--out: missing FILE');
  writeWhole(o.out, text);
  io.out(`Exported ${summary} to ${o.out}`);
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
  return parseExport(text, path);
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
