import type { MachineState, PhaseName, SyncError, SyncErrorCode } from './sync-machine.ts';
import { isActive, wakeAt } from './sync-machine.ts';

/** What the UI shows about sync: a view of the sync machine's state (`sync-machine.ts`). */
export interface SyncStatus {
  /** The machine's named state: `idle`, `scheduled`, `pushing`, `pulling`, `verifying`, `offline`, … */
  readonly state: PhaseName;
  /** The same, coarse, for a badge: a round running is `syncing`; a wait after failures is `offline` or `error`. */
  readonly phase: 'idle' | 'syncing' | 'offline' | 'error' | 'signed-out';
  readonly pending: number;
  readonly lastSyncedAt: number | null;
  /** The last problem, `null` once a round succeeds without one. */
  readonly lastError: SyncError | null;
  readonly failureCount: number;
  /** When background sync tries next by itself, if it will. */
  readonly nextAttemptAt: number | null;
  /** The live event stream is connected: other devices' changes arrive within a second. */
  readonly live: boolean;
}

const COARSE: Record<PhaseName, SyncStatus['phase']> = {
  idle: 'idle',
  scheduled: 'idle',
  pushing: 'syncing',
  pulling: 'syncing',
  verifying: 'syncing',
  offline: 'offline',
  'backing-off': 'error',
  error: 'error',
  'signed-out': 'signed-out',
  unauthorized: 'signed-out',
};

export function statusOf(s: MachineState): SyncStatus {
  return {
    state: s.phase.name,
    phase: COARSE[s.phase.name],
    pending: s.pending,
    lastSyncedAt: s.lastSyncedAt,
    lastError: s.lastError,
    failureCount: s.failures,
    nextAttemptAt: (isActive(s) ? wakeAt(s.phase) : undefined) ?? null,
    live: s.stream.name === 'live',
  };
}

/** Whether two statuses show the same thing (listeners hear only real changes). */
export function sameStatus(a: SyncStatus, b: SyncStatus): boolean {
  return (Object.keys(a) as (keyof SyncStatus)[]).every((k) => a[k] === b[k]);
}

export const initialStatus: SyncStatus = {
  state: 'idle',
  phase: 'idle',
  pending: 0,
  lastSyncedAt: null,
  lastError: null,
  failureCount: 0,
  nextAttemptAt: null,
  live: false,
};

const HEADLINE: Record<SyncErrorCode, string> = {
  offline: 'Offline',
  'server-unreachable': 'Server unreachable',
  unauthorized: 'Signed out on this device',
  'rate-limited': 'Server busy',
  'server-error': 'Server error',
  'rejected-ops': 'Changes refused',
  storage: 'Storage error',
};

/** A problem in words for a person: a short headline and a sentence that says what happens next. */
export function describeSyncProblem(
  e: SyncError,
  pending: number,
  time: (ms: number) => string = (ms) =>
    new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
): { headline: string; sentence: string } {
  const headline = HEADLINE[e.code];
  const waiting = pending > 0 ? ` — ${pending} change${pending === 1 ? '' : 's'} waiting` : '';
  const since = `${headline} since ${time(e.at)}`;
  switch (e.code) {
    case 'unauthorized':
      return { headline, sentence: `${headline} — sign in again` };
    case 'offline':
    case 'server-unreachable':
    case 'rate-limited':
      return { headline, sentence: `${since}${waiting}` };
    case 'server-error':
      return { headline, sentence: `${since}${waiting}: ${e.message}` };
    case 'rejected-ops':
      return { headline, sentence: `The server refused a change; its version was kept: ${e.message}` };
    case 'storage':
      return { headline, sentence: `This device's storage failed: ${e.message}` };
  }
}
