import {
  type Account,
  type ChangedRow,
  ClientError,
  type Engine,
  type SyncReport,
} from '@selftracker/client';
import { ENTITY_NAMES, type EntityName } from '@selftracker/core';
import { count } from './format.ts';

/**
 * The account, for a command that talks to the server. Refuses when signed out, and when this invocation's
 * server is not the one the account signed in at: its tokens are not sent to another server.
 */
export async function signedIn(engine: Engine): Promise<Account> {
  const account = await engine.account();
  if (!account?.signedIn)
    throw new ClientError('unauthorized', 'not signed in: run selftracker login EMAIL --password PW');
  if (account.server !== engine.transport.baseUrl)
    throw new ClientError(
      'rejected',
      `this device signed in at ${account.server}, not ${engine.transport.baseUrl}: leave out --server and SELFTRACKER_SERVER, or sign in at that server`,
    );
  return account;
}

/** "cannot reach URL (connection refused): is the server running?" from a network ClientError. */
export function unreachable(url: string, e: ClientError): string {
  let cause: unknown = e.cause;
  let code: string | undefined;
  for (let i = 0; i < 4 && cause && !code; i++) {
    code = (cause as { code?: string }).code;
    cause = (cause as { cause?: unknown }).cause;
  }
  const why: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host not found',
    ETIMEDOUT: 'timed out',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
  };
  const reason = code ? (why[code] ?? code) : 'no answer';
  return `cannot reach the server at ${url} (${reason}): is it running? (set it with --server or SELFTRACKER_SERVER)`;
}

/** A failed round as one sentence for a person. */
export function syncFailure(engine: Engine, e: unknown): Error {
  if (ClientError.is(e, 'network')) {
    const n = engine.status.pending;
    const kept =
      n > 0 ? `; ${count(n, 'change')} stay${n === 1 ? 's' : ''} on this device for the next sync` : '';
    return new ClientError('network', `${unreachable(engine.transport.baseUrl, e)}${kept}`, { cause: e });
  }
  if (ClientError.is(e, 'unauthorized'))
    return new ClientError(
      'unauthorized',
      `signed out: the server no longer accepts this device's session (${e.message}); sign in again with selftracker login EMAIL --password PW`,
      { cause: e },
    );
  return e instanceof Error ? e : new Error(String(e));
}

export interface RoundResult {
  report: SyncReport;
  /** Live rows the round brought from the server (not echoes of this device's own changes), per entity. */
  pulled: Record<EntityName, number>;
}

/** One round, counting the rows it brought from the server; throws `syncFailure`'s error. */
export async function syncRound(engine: Engine): Promise<RoundResult> {
  const seen: Record<EntityName, Set<string>> = { projects: new Set(), tasks: new Set(), timers: new Set() };
  const off = engine.onChange((_, detail) => {
    for (const r of detail.rows ?? ([] as ChangedRow[])) if (!r.deleted && !r.echo) seen[r.entity].add(r.id);
  });
  try {
    const report = await engine.sync();
    const pulled = Object.fromEntries(ENTITY_NAMES.map((e) => [e, seen[e].size])) as RoundResult['pulled'];
    return { report, pulled };
  } catch (e: unknown) {
    throw syncFailure(engine, e);
  } finally {
    off();
  }
}

const NOUNS: Record<EntityName, string> = { projects: 'project', tasks: 'task', timers: 'timer' };

/** "pushed 1 change; pulled 1 project, 4 tasks" (or "nothing to pull"). */
export function describeRound({ report, pulled }: RoundResult): string {
  const rows = ENTITY_NAMES.filter((e) => pulled[e] > 0).map((e) => count(pulled[e], NOUNS[e]));
  const parts = report.pushed ? [`pushed ${count(report.pushed, 'change')}`] : [];
  parts.push(rows.length ? `pulled ${rows.join(', ')}` : 'nothing new to pull');
  return parts.join('; ');
}

/**
 * A round before or after a command that works without one (login, export, import): when signed in, syncs and
 * says what moved; when that fails, says why and lets the command go on with the local copy.
 */
export async function syncIfSignedIn(
  engine: Engine,
  note: { ok(line: string): void; failed(line: string): void },
  failedWhat: string,
): Promise<RoundResult | undefined> {
  try {
    await signedIn(engine);
    const r = await syncRound(engine);
    note.ok(`Synced with ${engine.transport.baseUrl}: ${describeRound(r)}`);
    return r;
  } catch (e: unknown) {
    note.failed(`${e instanceof Error ? e.message : String(e)}: ${failedWhat}`);
    return undefined;
  }
}
