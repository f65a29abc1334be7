import { type BackoffOptions, backoffDelay } from './backoff.ts';

/**
 * The sync loop as one pure state machine: `reduce(state, input) → { state, effects }`. No I/O, no clock, no
 * timers: every input carries its time (`at`), and the effects (start a round, arm or clear a timer, open or
 * close the live event stream) are run by the interpreter in `scheduler.ts`. The state diagram is in the
 * package README.
 */

/** Why sync is not working, in a closed set the UI can word for a person. */
export const SYNC_ERROR_CODES = [
  'offline',
  'server-unreachable',
  'unauthorized',
  'rate-limited',
  'server-error',
  'rejected-ops',
  'storage',
] as const;
export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[number];

/** The last problem sync met: `at` is when it began (the first failure of the current streak of this code). */
export interface SyncError {
  readonly code: SyncErrorCode;
  readonly message: string;
  readonly at: number;
}

/** When a problem of `code` seen at `at` began: the start of the current streak of that code, else now. */
export const problemSince = (prev: SyncError | null, code: SyncErrorCode, at: number): number =>
  prev?.code === code ? prev.at : at;

/** A failed round as the interpreter classified it (once, from the error it caught). */
export interface RoundFailure {
  readonly code: SyncErrorCode;
  readonly message: string;
  /** Another try can succeed without the user doing anything (network, 5xx, 429). */
  readonly retryable: boolean;
  /** The server's `Retry-After`, when it sent one. */
  readonly retryAfterMs?: number | undefined;
}

export type RoundStage = 'pushing' | 'pulling' | 'verifying';

/** The named states of the loop. Those with a time wake the loop then (when background sync is on). */
export type Phase =
  | { readonly name: 'idle' }
  | {
      readonly name: 'scheduled';
      readonly at: number;
      readonly reason: 'write' | 'interval';
      /** For `write`: when the first write this round waits for was made (the debounce never passes `debounceMaxMs` after it). */
      readonly since?: number;
    }
  | { readonly name: RoundStage }
  | { readonly name: 'offline'; readonly retryAt: number }
  | { readonly name: 'backing-off'; readonly until: number; readonly failures: number }
  | { readonly name: 'signed-out' }
  /** The server refused the session and the refresh token too: the user must sign in again. */
  | { readonly name: 'unauthorized' }
  /** A failure another try will not fix by itself (storage, a request the server refuses): retried at the interval. */
  | { readonly name: 'error'; readonly code: SyncErrorCode; readonly retryAt: number };

export type PhaseName = Phase['name'];

/** The live event stream (server pokes): wanted while background sync runs, signed in, in the foreground. */
export type StreamState =
  | { readonly name: 'off' }
  | { readonly name: 'connecting'; readonly failures: number }
  | { readonly name: 'live' }
  | { readonly name: 'waiting'; readonly until: number; readonly failures: number };

export interface MachineConfig {
  /** Background sync interval (default 30 s). */
  readonly intervalMs: number;
  /** Delay between a local write and the round it triggers (trailing: each write moves it). */
  readonly debounceMs: number;
  /**
   * The longest a write waits for its round while more writes keep coming (default 3 s): without it a device
   * writing more often than every `debounceMs` would never push until it paused.
   */
  readonly debounceMaxMs: number;
  /** The one retry policy, for rounds and the event stream alike. */
  readonly backoff: BackoffOptions;
  /** In the background: `pause` (mobile: only rounds asked for) or `continue` (desktop: a hidden window syncs). */
  readonly background: 'pause' | 'continue';
}

export interface MachineState {
  readonly config: MachineConfig;
  readonly phase: Phase;
  /** Background sync is on (`start()` until `stop()`); without it rounds run only when asked for. */
  readonly started: boolean;
  readonly signedIn: boolean;
  readonly foreground: boolean;
  /** A round was asked for while one ran: exactly one more follows (`hard`: even after a failure). */
  readonly again: 'no' | 'soft' | 'hard';
  /** Rounds started so far: a change of it is the effect "run a round". */
  readonly rounds: number;
  /** Failed rounds since the last success. */
  readonly failures: number;
  readonly lastError: SyncError | null;
  readonly lastSyncedAt: number | null;
  readonly stream: StreamState;
  /** Operations in the outbox. */
  readonly pending: number;
}

export type MachineInput = { readonly at: number } & (
  | { readonly type: 'start' }
  | { readonly type: 'stop' }
  | { readonly type: 'signed-in' }
  | { readonly type: 'signed-out' }
  | { readonly type: 'local-write'; readonly ops: number }
  | { readonly type: 'pending'; readonly count: number }
  /** An armed timer fired: the round timer (debounce, interval, retry) or the stream's reconnect timer. */
  | { readonly type: 'timer'; readonly timer: TimerName }
  | { readonly type: 'poke' }
  | { readonly type: 'sync-now' }
  | { readonly type: 'connectivity'; readonly online: boolean }
  | { readonly type: 'foreground' }
  | { readonly type: 'background' }
  | { readonly type: 'round-stage'; readonly stage: RoundStage }
  | { readonly type: 'round-finished'; readonly rejected: number }
  | { readonly type: 'round-failed'; readonly failure: RoundFailure }
  | { readonly type: 'stream-opened' }
  | { readonly type: 'stream-closed'; readonly unauthorized: boolean }
);

/** An input as its sender writes it: the interpreter stamps the time. */
export type MachineInputBody = MachineInput extends infer I
  ? I extends MachineInput
    ? Omit<I, 'at'>
    : never
  : never;

export type TimerName = 'round' | 'stream';

export type Effect =
  | { readonly type: 'run-round' }
  | { readonly type: 'set-timer'; readonly timer: TimerName; readonly at: number }
  | { readonly type: 'clear-timer'; readonly timer: TimerName }
  | { readonly type: 'open-stream' }
  | { readonly type: 'close-stream' };

export const DEFAULT_CONFIG: MachineConfig = {
  intervalMs: 30_000,
  debounceMs: 300,
  debounceMaxMs: 3000,
  backoff: {},
  background: 'pause',
};

export function initialMachine(config: Partial<MachineConfig> = {}, signedIn = false): MachineState {
  return {
    config: { ...DEFAULT_CONFIG, ...config },
    phase: signedIn ? { name: 'idle' } : { name: 'signed-out' },
    started: false,
    signedIn,
    foreground: true,
    again: 'no',
    rounds: 0,
    failures: 0,
    lastError: null,
    lastSyncedAt: null,
    stream: { name: 'off' },
    pending: 0,
  };
}

/** The reducer: the next state and the effects that take the world there. Pure. */
export function reduce(s: MachineState, input: MachineInput): { state: MachineState; effects: Effect[] } {
  const next = settleStream(transition(s, input));
  return { state: next, effects: effectsBetween(s, next) };
}

export const isRunning = (p: Phase): boolean =>
  p.name === 'pushing' || p.name === 'pulling' || p.name === 'verifying';

/** Background work (timers, the event stream) happens now: started, and in the foreground unless it continues. */
export const isActive = (s: MachineState): boolean =>
  s.started && (s.foreground || s.config.background === 'continue');

/** When the loop wakes by itself next, if it does. */
export function wakeAt(p: Phase): number | undefined {
  switch (p.name) {
    case 'scheduled':
      return p.at;
    case 'offline':
    case 'error':
      return p.retryAt;
    case 'backing-off':
      return p.until;
    default:
      return undefined;
  }
}

function transition(s: MachineState, i: MachineInput): MachineState {
  switch (i.type) {
    case 'start':
      return s.started ? s : request({ ...s, started: true }, 'soft');
    case 'stop': {
      const phase: Phase = s.phase.name === 'scheduled' ? { name: 'idle' } : s.phase;
      return { ...s, started: false, phase, again: s.again === 'hard' ? 'hard' : 'no' };
    }
    case 'signed-in': {
      const signedIn = { ...s, signedIn: true, failures: 0, lastError: null };
      return request({ ...signedIn, phase: rested(signedIn) }, 'soft');
    }
    case 'signed-out':
      return { ...s, signedIn: false, phase: isRunning(s.phase) ? s.phase : { name: 'signed-out' } };
    case 'local-write':
      return afterWrite({ ...s, pending: s.pending + i.ops }, i.at);
    case 'pending':
      return { ...s, pending: i.count };
    case 'timer':
      return i.timer === 'round' ? onRoundTimer(s, i.at) : onStreamTimer(s);
    case 'poke':
      return request(s, 'soft');
    case 'connectivity':
      if (!i.online) return s;
      // A network that comes back is a new start: a round that fails right then (the first requests after a
      // reconnect often do) retries after the first backoff step, not after the long wait the offline streak built.
      return request(s.phase.name === 'offline' ? { ...s, failures: 0 } : s, 'soft');
    case 'sync-now':
      return request(s, 'hard');
    case 'foreground':
      return request({ ...s, foreground: true }, 'soft');
    case 'background':
      return { ...s, foreground: false };
    case 'round-stage':
      return isRunning(s.phase) ? { ...s, phase: { name: i.stage } } : s;
    case 'round-finished':
      return finished(s, i.at, i.rejected);
    case 'round-failed':
      return failed(s, i.at, i.failure);
    case 'stream-opened':
      // Connected: catch up on whatever was missed while the stream was down.
      return request({ ...s, stream: { name: 'live' } }, 'soft');
    case 'stream-closed':
      return streamClosed(s, i.at, i.unauthorized);
  }
}

/** The resting phase of a signed-in loop with nothing to do right now. */
function rested(s: MachineState): Phase {
  if (isRunning(s.phase)) return s.phase;
  return s.signedIn ? { name: 'idle' } : { name: 'signed-out' };
}

function startRound(s: MachineState): MachineState {
  return { ...s, phase: { name: 'pushing' }, again: 'no', rounds: s.rounds + 1 };
}

/**
 * A round is asked for. `hard` (the user's `syncNow()`) runs from any phase; `soft` (poke, reconnect,
 * connectivity, start, sign-in, foreground) only while background sync is on and signed in, and never
 * cuts short a backoff the server asked for. During a round it is kept for exactly one more round.
 */
function request(s: MachineState, kind: 'soft' | 'hard'): MachineState {
  if (kind === 'hard') return isRunning(s.phase) ? { ...s, again: 'hard' } : startRound(s);
  if (!isActive(s) || !s.signedIn) return s;
  if (isRunning(s.phase)) return { ...s, again: s.again === 'hard' ? 'hard' : 'soft' };
  if (s.phase.name === 'backing-off' || s.phase.name === 'unauthorized') return s;
  return startRound(s);
}

/**
 * A local write: a trailing debounce, at most `debounceMaxMs` after the first write it holds back, unless a
 * failure is being waited out (a write must not burn a retry).
 */
function afterWrite(s: MachineState, at: number): MachineState {
  if (!isActive(s) || !s.signedIn) return s;
  if (isRunning(s.phase)) return { ...s, again: s.again === 'no' ? 'soft' : s.again };
  const due = at + s.config.debounceMs;
  if (s.phase.name === 'idle')
    return { ...s, phase: { name: 'scheduled', at: due, reason: 'write', since: at } };
  if (s.phase.name !== 'scheduled') return s;
  const since = (s.phase.reason === 'write' ? s.phase.since : undefined) ?? at;
  const latest = since + s.config.debounceMaxMs;
  const when = Math.min(s.phase.reason === 'write' ? due : Math.min(s.phase.at, due), latest);
  return { ...s, phase: { name: 'scheduled', at: when, reason: 'write', since } };
}

function onRoundTimer(s: MachineState, at: number): MachineState {
  const due = wakeAt(s.phase);
  if (due === undefined || due > at || !isActive(s)) return s;
  return s.signedIn ? startRound(s) : s;
}

function onStreamTimer(s: MachineState): MachineState {
  return s.stream.name === 'waiting'
    ? { ...s, stream: { name: 'connecting', failures: s.stream.failures } }
    : s;
}

/** After a round: the next one at the interval (or at once if one was asked for meanwhile). */
function afterRound(s: MachineState, at: number): MachineState {
  if (s.again === 'hard' || (s.again === 'soft' && isActive(s) && s.signedIn)) return startRound(s);
  if (!s.signedIn) return { ...s, again: 'no', phase: { name: 'signed-out' } };
  const phase: Phase = isActive(s)
    ? { name: 'scheduled', at: at + s.config.intervalMs, reason: 'interval' }
    : { name: 'idle' };
  return { ...s, again: 'no', phase };
}

function finished(s: MachineState, at: number, rejected: number): MachineState {
  const lastError: SyncError | null =
    rejected > 0
      ? {
          code: 'rejected-ops',
          message: `the server refused ${rejected} change${rejected === 1 ? '' : 's'}; its version was kept`,
          at,
        }
      : null;
  return afterRound({ ...s, failures: 0, lastSyncedAt: at, lastError }, at);
}

function failed(s: MachineState, at: number, f: RoundFailure): MachineState {
  const failures = s.failures + 1;
  const base = {
    ...s,
    failures,
    lastError: { code: f.code, message: f.message, at: problemSince(s.lastError, f.code, at) },
  };
  if (f.code === 'unauthorized') {
    const phase: Phase = s.signedIn ? { name: 'unauthorized' } : { name: 'signed-out' };
    return { ...base, signedIn: false, again: 'no', phase };
  }
  // The user asked for a round while this one ran: that one still runs, once.
  if (s.again === 'hard') return startRound(base);
  const again = 'no' as const;
  if (!f.retryable) {
    return { ...base, again, phase: { name: 'error', code: f.code, retryAt: at + s.config.intervalMs } };
  }
  const delay = backoffDelay(failures, s.config.backoff, f.retryAfterMs);
  if (f.code === 'offline' || f.code === 'server-unreachable') {
    return { ...base, again, phase: { name: 'offline', retryAt: at + delay } };
  }
  return { ...base, again, phase: { name: 'backing-off', until: at + delay, failures } };
}

function streamClosed(s: MachineState, at: number, unauthorized: boolean): MachineState {
  const failures = s.stream.name === 'connecting' ? s.stream.failures + 1 : 1;
  const until = at + backoffDelay(failures, s.config.backoff);
  const next: MachineState = { ...s, stream: { name: 'waiting', until, failures } };
  // A refused token: a round refreshes the session (or finds it gone and asks the user to sign in).
  return unauthorized ? request(next, 'soft') : next;
}

/** Opens the stream when it is wanted and off, closes it when it is no longer wanted. */
function settleStream(s: MachineState): MachineState {
  const wanted = isActive(s) && s.signedIn;
  if (!wanted) return s.stream.name === 'off' ? s : { ...s, stream: { name: 'off' } };
  return s.stream.name === 'off' ? { ...s, stream: { name: 'connecting', failures: 0 } } : s;
}

const streamOpen = (st: StreamState): boolean => st.name === 'connecting' || st.name === 'live';

/** The effects are what differs between two states: derived once here, never scattered over the cases. */
function effectsBetween(prev: MachineState, next: MachineState): Effect[] {
  const out: Effect[] = [];
  if (next.rounds !== prev.rounds) out.push({ type: 'run-round' });
  const was = isActive(prev) ? wakeAt(prev.phase) : undefined;
  const will = isActive(next) ? wakeAt(next.phase) : undefined;
  if (will !== was) {
    out.push(
      will === undefined
        ? { type: 'clear-timer', timer: 'round' }
        : { type: 'set-timer', timer: 'round', at: will },
    );
  }
  const reconnectWas = prev.stream.name === 'waiting' ? prev.stream.until : undefined;
  const reconnect = next.stream.name === 'waiting' ? next.stream.until : undefined;
  if (reconnect !== reconnectWas) {
    out.push(
      reconnect === undefined
        ? { type: 'clear-timer', timer: 'stream' }
        : { type: 'set-timer', timer: 'stream', at: reconnect },
    );
  }
  const opening = next.stream.name === 'connecting' && prev.stream.name !== 'connecting';
  if (streamOpen(prev.stream) && !streamOpen(next.stream)) out.push({ type: 'close-stream' });
  if (opening) out.push({ type: 'open-stream' });
  return out;
}
