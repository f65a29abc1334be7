import { parseArgs } from 'node:util';
import { TASK_STATUSES, type TaskStatus } from '@selftracker/core';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: selftracker [--data-dir DIR] [--server URL] <command>
  signup EMAIL --password PW | login EMAIL --password PW | logout
  project add NAME [--color #rrggbb] | project list [--json] | project rm ID
  task add TITLE [--project ID] [--status todo|in-progress|done] [--due YYYY-MM-DD] [--description TEXT]
  task list [--status S] [--project ID] [--json]
  task edit ID [--title T] [--status S] [--description TEXT] [--project ID]
  task done ID | task rm ID
  timer start [--task ID] [--project ID] [--note TEXT] | timer stop | timer list [--json]
  sync            push and pull once; print what moved; exit 1 if the server cannot be reached
  status [--json] pending ops, last sync, server, signed-in email, phase
  watch           stay connected and sync live until interrupted`;

const OPTIONS = {
  'data-dir': { type: 'string' },
  server: { type: 'string' },
  password: { type: 'string' },
  color: { type: 'string' },
  project: { type: 'string' },
  status: { type: 'string' },
  due: { type: 'string' },
  description: { type: 'string' },
  title: { type: 'string' },
  task: { type: 'string' },
  note: { type: 'string' },
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
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify.*$/s, '') : String(e));
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
    throw new UsageError(`--due: "${s}" is not a date (want YYYY-MM-DD)`);
  }
  return d.getTime();
}

const isStatus = (s: string): s is TaskStatus => (TASK_STATUSES as readonly string[]).includes(s);

export function parseStatus(s: string): TaskStatus {
  if (!isStatus(s)) throw new UsageError(`--status: "${s}" is not one of ${TASK_STATUSES.join(', ')}`);
  return s;
}
