import { parseArgs } from 'node:util';
import { TASK_STATUSES, type TaskStatus } from '@selftracker/core';

/** A mistake in how the CLI was called: exits 2 with the usage of `command` (or all of it). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

const HEAD = 'usage: selftracker [--data-dir DIR] [--server URL] <command>';
/** One line per command group; the first word of each `|`-separated part names the command it documents. */
const LINES = [
  'signup EMAIL --password PW | login EMAIL --password PW | logout',
  'account password --password OLD --new-password NEW',
  'account delete --password PW [--keep-local]',
  'project add NAME [--color #rrggbb] | project list [--json] | project rm PROJECT',
  'task add TITLE [--project PROJECT] [--status todo|in-progress|done] [--due YYYY-MM-DD] [--description TEXT]',
  'task list [--status S] [--project PROJECT|none] [--json]',
  'task edit ID [--title T] [--status S] [--due YYYY-MM-DD|none] [--description TEXT] [--project PROJECT|none]',
  'task done ID | task rm ID',
  'timer start [--task ID] [--project PROJECT] [--note TEXT] | timer stop | timer list [--json]',
  'export [--out FILE] [--format json|csv] [--what tasks|timers]   all data as JSON, or tasks/timers as CSV',
  'import FILE     write an export into this account (ids kept; importing twice changes nothing)',
  'sync            push and pull once; print what moved; exit 1 if the server cannot be reached',
  'status [--json] pending ops, last sync, server, signed-in email, phase',
  'watch           stay connected, sync live and print what changed, until interrupted',
];
const LEGEND = [
  'ID       an id or a unique prefix of it (lists show the shortest, at least 6 characters)',
  'PROJECT  a project name (any case) or ID',
];
const indent = (lines: readonly string[]) => lines.map((l) => `  ${l}`).join('\n');

export const USAGE = `${HEAD}\n${indent(LINES)}\n${indent(LEGEND)}`;

/** The usage lines of one command (with the legend when they use its words), or all of them. */
export function usageOf(command: string | undefined): string {
  const mine = LINES.filter((l) => l.split(' | ').some((part) => part.split(' ')[0] === command));
  if (mine.length === 0) return USAGE;
  const legend = LEGEND.filter((l) => mine.some((m) => m.includes(l.split(' ')[0]!)));
  return `${HEAD}\n${indent(mine)}${legend.length ? `\n${indent(legend)}` : ''}`;
}

const OPTIONS = {
  'data-dir': { type: 'string' },
  server: { type: 'string' },
  password: { type: 'string' },
  'new-password': { type: 'string' },
  'keep-local': { type: 'boolean' },
  color: { type: 'string' },
  project: { type: 'string' },
  status: { type: 'string' },
  due: { type: 'string' },
  description: { type: 'string' },
  title: { type: 'string' },
  task: { type: 'string' },
  note: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  what: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type Options = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

export function parse(argv: string[]): { positionals: string[]; options: Options } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    return { positionals, options: values as Options };
  } catch (e: unknown) {
    throw new UsageError(
      e instanceof Error ? e.message.replace(/\. To specify.*$/s, '') : String(e),
      guessCommand(argv),
    );
  }
}

/** The command word of arguments that did not parse, for the usage lines to show. */
function guessCommand(argv: string[]): string | undefined {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false }).positionals[0];
  } catch {
    return undefined;
  }
}

/** Only the options a command accepts: anything else is a usage error, so a typo never passes silently. */
export function allow(options: Options, names: (keyof Options)[]): void {
  const allowed = new Set<string>(['data-dir', 'server', ...names]);
  for (const k of Object.keys(options))
    if (!allowed.has(k)) throw new UsageError(`--${k} does not apply here`);
}

/** YYYY-MM-DD → local midnight in ms; a date that does not exist is an error. */
export function parseDate(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const d = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
  if (
    !m ||
    !d ||
    d.getFullYear() !== Number(m[1]) ||
    d.getMonth() !== Number(m[2]) - 1 ||
    d.getDate() !== Number(m[3])
  ) {
    throw new UsageError(`--due: "${s}" is not a date (want YYYY-MM-DD, or none)`);
  }
  return d.getTime();
}

/** `--due`: a date, or `none` (or empty) for no due date. */
export const parseDue = (s: string): number | null => (s === '' || s === 'none' ? null : parseDate(s));

const isStatus = (s: string): s is TaskStatus => (TASK_STATUSES as readonly string[]).includes(s);

export function parseStatus(s: string): TaskStatus {
  if (!isStatus(s)) throw new UsageError(`--status: "${s}" is not one of ${TASK_STATUSES.join(', ')}`);
  return s;
}

export function parseColor(s: string): string {
  if (!/^#[0-9a-fA-F]{6}$/.test(s)) throw new UsageError(`--color: "${s}" is not a colour (want #rrggbb)`);
  return s;
}

/** One of `choices` for option `name`, else a usage error. */
export function oneOf<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value))
    throw new UsageError(`--${name}: "${value}" is not one of ${choices.join(', ')}`);
  return value as T;
}
