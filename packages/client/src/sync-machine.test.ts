import { describe, expect, it } from 'vitest';
import {
  type Effect,
  initialMachine,
  type MachineInput,
  type MachineInputBody,
  type MachineState,
  type RoundFailure,
  reduce,
} from './sync-machine.ts';

type Body = MachineInputBody;

const CONFIG = {
  intervalMs: 30_000,
  debounceMs: 300,
  backoff: { baseMs: 1000, capMs: 60_000, random: () => 1 },
};

/** Feeds inputs at the given times; returns the last state and every effect on the way. */
function feed(s: MachineState, ...steps: [number, Body][]): { state: MachineState; effects: Effect[] } {
  const effects: Effect[] = [];
  let state = s;
  for (const [at, input] of steps) {
    const r = reduce(state, { ...input, at } as MachineInput);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects };
}

/** Signed in, background sync started, its first round done at t=0: resting until the interval. */
function resting(config: object = CONFIG): MachineState {
  // The stream opening during the first round asks for one more (to catch up on what it may have missed).
  const { state } = feed(
    initialMachine(config, true),
    [0, { type: 'start' }],
    [0, { type: 'stream-opened' }],
    [0, { type: 'round-finished', rejected: 0 }],
    [0, { type: 'round-finished', rejected: 0 }],
  );
  expect(state.phase.name).toBe('scheduled');
  return state;
}

const failure = (code: RoundFailure['code'], retryable = true, retryAfterMs?: number): Body => ({
  type: 'round-failed',
  failure: { code, message: `${code}!`, retryable, retryAfterMs },
});
const runs = (effects: Effect[]) => effects.filter((e) => e.type === 'run-round').length;

describe('sync machine: starting and signing in', () => {
  it('a signed-in engine that starts runs a round at once and opens the event stream', () => {
    const { state, effects } = feed(initialMachine(CONFIG, true), [0, { type: 'start' }]);
    expect(state.phase).toEqual({ name: 'pushing' });
    expect(effects).toEqual([{ type: 'run-round' }, { type: 'open-stream' }]);
  });

  it('signed out, starting does nothing until sign-in, which starts a round and the stream', () => {
    const started = feed(initialMachine(CONFIG, false), [0, { type: 'start' }]);
    expect(started.state.phase).toEqual({ name: 'signed-out' });
    expect(started.effects).toEqual([]);
    const signedIn = feed(started.state, [5, { type: 'signed-in' }]);
    expect(signedIn.state.phase.name).toBe('pushing');
    expect(signedIn.effects).toEqual([{ type: 'run-round' }, { type: 'open-stream' }]);
  });

  it('without background sync, only sync-now runs rounds; writes just count', () => {
    const { state, effects } = feed(
      initialMachine(CONFIG, true),
      [0, { type: 'local-write', ops: 2 }],
      [1, { type: 'poke' }],
      [2, { type: 'connectivity', online: true }],
    );
    expect(state.pending).toBe(2);
    expect(effects).toEqual([]);
    const now = feed(state, [3, { type: 'sync-now' }]);
    expect(now.effects).toEqual([{ type: 'run-round' }]);
  });
});

describe('sync machine: when rounds run', () => {
  it('after a round the next is scheduled at the interval', () => {
    const s = resting();
    expect(s.phase).toEqual({ name: 'scheduled', at: 30_000, reason: 'interval' });
    expect(s.lastSyncedAt).toBe(0);
    const early = feed(s, [29_999, { type: 'timer', timer: 'round' }]);
    expect(early.state).toBe(s);
    const due = feed(s, [30_000, { type: 'timer', timer: 'round' }]);
    expect(due.effects).toContainEqual({ type: 'run-round' });
  });

  it('writes debounce: each write moves the round to debounce after it (trailing)', () => {
    const { state, effects } = feed(
      resting(),
      [100, { type: 'local-write', ops: 1 }],
      [250, { type: 'local-write', ops: 1 }],
    );
    expect(state.phase).toEqual({ name: 'scheduled', at: 550, reason: 'write', since: 100 });
    expect(effects).toEqual([
      { type: 'set-timer', timer: 'round', at: 400 },
      { type: 'set-timer', timer: 'round', at: 550 },
    ]);
    expect(state.pending).toBe(2);
  });

  it('writes that keep coming faster than the debounce still get a round within debounceMaxMs (3 s) of the first', () => {
    // Found by the chaos run: a client writing every 20-250 ms pushed only when another device's poke came.
    const writes = Array.from({ length: 40 }, (_, i): [number, Body] => [
      100 + i * 200,
      { type: 'local-write', ops: 1 },
    ]);
    const { state, effects } = feed(resting(), ...writes);
    expect(state.phase).toMatchObject({ name: 'scheduled', at: 3100, reason: 'write' });
    const fired = feed(state, [3100, { type: 'timer', timer: 'round' }]);
    expect(runs(fired.effects)).toBe(1);
    // After that round, the next burst gets its own bound.
    const next = feed(
      fired.state,
      [3200, { type: 'round-finished', rejected: 0 }],
      [3300, { type: 'local-write', ops: 1 }],
    );
    expect(next.state.phase).toEqual({ name: 'scheduled', at: 3600, reason: 'write', since: 3300 });
    expect(effects.filter((e) => e.type === 'set-timer').length).toBeGreaterThan(1);
  });

  it('a poke while resting runs a round now', () => {
    expect(runs(feed(resting(), [10, { type: 'poke' }]).effects)).toBe(1);
  });

  it('pokes and writes during a round bring exactly one more round', () => {
    const running = feed(resting(), [10, { type: 'poke' }]).state;
    const during = feed(
      running,
      [11, { type: 'poke' }],
      [12, { type: 'poke' }],
      [13, { type: 'local-write', ops: 1 }],
      [14, { type: 'round-stage', stage: 'pulling' }],
    );
    expect(runs(during.effects)).toBe(0);
    expect(during.state.phase).toEqual({ name: 'pulling' });
    const after = feed(during.state, [20, { type: 'round-finished', rejected: 0 }]);
    expect(runs(after.effects)).toBe(1);
    const final = feed(after.state, [30, { type: 'round-finished', rejected: 0 }]);
    expect(runs(final.effects)).toBe(0);
    expect(final.state.phase).toEqual({ name: 'scheduled', at: 30_030, reason: 'interval' });
  });

  it('a round that finishes with rejections keeps them as the last problem', () => {
    const s = feed(resting(), [10, { type: 'poke' }], [20, { type: 'round-finished', rejected: 2 }]).state;
    expect(s.lastError).toMatchObject({ code: 'rejected-ops', at: 20 });
    expect(s.phase.name).toBe('scheduled');
  });
});

describe('sync machine: failures and the one retry policy', () => {
  it('network failures wait offline with exponential backoff; reconnect retries at once', () => {
    let s = feed(resting(), [0, { type: 'poke' }], [0, failure('server-unreachable')]).state;
    expect(s.phase).toEqual({ name: 'offline', retryAt: 1000 });
    s = feed(s, [1000, { type: 'timer', timer: 'round' }], [1000, failure('server-unreachable')]).state;
    expect(s.phase).toEqual({ name: 'offline', retryAt: 3000 });
    expect(s.failures).toBe(2);
    expect(s.lastError).toMatchObject({ code: 'server-unreachable', at: 0 }); // since the streak began
    expect(feed(s, [1500, { type: 'local-write', ops: 1 }]).effects).toEqual([]); // a write burns no retry
    expect(feed(s, [1500, { type: 'connectivity', online: false }]).effects).toEqual([]);
    expect(runs(feed(s, [1500, { type: 'connectivity', online: true }]).effects)).toBe(1);
  });

  it('a reconnect after a long offline streak starts the backoff over: a failure right then retries soon', () => {
    let s = feed(resting(), [0, { type: 'poke' }]).state;
    for (let i = 0; i < 8; i++) s = feed(s, [0, failure('offline')], [0, { type: 'sync-now' }]).state;
    s = feed(s, [0, failure('offline')]).state;
    expect(s.phase).toEqual({ name: 'offline', retryAt: 60_000 });
    const back = feed(s, [5_000, { type: 'connectivity', online: true }]);
    expect(runs(back.effects)).toBe(1);
    s = feed(back.state, [5_000, failure('server-unreachable')]).state;
    expect(s.failures).toBe(1);
    expect(s.phase).toEqual({ name: 'offline', retryAt: 6_000 });
  });

  it('backoff is capped', () => {
    let s = feed(resting(), [0, { type: 'poke' }]).state;
    for (let i = 0; i < 10; i++) s = feed(s, [0, failure('offline')], [0, { type: 'sync-now' }]).state;
    s = feed(s, [0, failure('offline')]).state;
    expect(s.phase).toEqual({ name: 'offline', retryAt: 60_000 });
  });

  it("a rate limit waits out the server's Retry-After: pokes, writes and reconnects do not cut it short", () => {
    const s = feed(resting(), [0, { type: 'poke' }], [0, failure('rate-limited', true, 45_000)]).state;
    expect(s.phase).toEqual({ name: 'backing-off', until: 45_000, failures: 1 });
    const ignored = feed(
      s,
      [1, { type: 'poke' }],
      [2, { type: 'local-write', ops: 1 }],
      [3, { type: 'connectivity', online: true }],
      [4, { type: 'stream-opened' }],
    );
    expect(runs(ignored.effects)).toBe(0);
    expect(runs(feed(s, [45_000, { type: 'timer', timer: 'round' }]).effects)).toBe(1);
    expect(runs(feed(s, [5, { type: 'sync-now' }]).effects)).toBe(1); // the user asked
  });

  it('a failure nobody can retry away waits for the interval in error', () => {
    const s = feed(resting(), [0, { type: 'poke' }], [0, failure('storage', false)]).state;
    expect(s.phase).toEqual({ name: 'error', code: 'storage', retryAt: 30_000 });
  });

  it('success clears the problem and the failure count', () => {
    const s = feed(
      resting(),
      [0, { type: 'poke' }],
      [0, failure('server-error')],
      [2000, { type: 'timer', timer: 'round' }],
      [2100, { type: 'round-finished', rejected: 0 }],
    ).state;
    expect(s.lastError).toBeNull();
    expect(s.failures).toBe(0);
  });

  it('sync-now during a round that fails runs once more, at once', () => {
    const s = feed(resting(), [0, { type: 'poke' }], [1, { type: 'sync-now' }]);
    const after = feed(s.state, [2, failure('server-unreachable')]);
    expect(runs(after.effects)).toBe(1);
    expect(after.state.again).toBe('no');
  });
});

describe('sync machine: the session', () => {
  it('a refused refresh means unauthorized: no timers, no stream, nothing runs until sign-in', () => {
    const s = feed(resting(), [10, { type: 'poke' }]);
    const { state, effects } = feed(s.state, [11, failure('unauthorized', false)]);
    expect(state.phase).toEqual({ name: 'unauthorized' });
    expect(state.signedIn).toBe(false);
    expect(effects).toContainEqual({ type: 'close-stream' });
    const quiet = feed(
      state,
      [12, { type: 'poke' }],
      [13, { type: 'local-write', ops: 1 }],
      [14, { type: 'timer', timer: 'round' }],
    );
    expect(quiet.effects).toEqual([]);
    const back = feed(state, [20, { type: 'signed-in' }]);
    expect(back.state.lastError).toBeNull();
    expect(back.effects).toEqual([{ type: 'run-round' }, { type: 'open-stream' }]);
  });

  it('a round without any session ends signed out, not unauthorized', () => {
    const s = feed(
      initialMachine(CONFIG, false),
      [0, { type: 'sync-now' }],
      [1, failure('unauthorized', false)],
    ).state;
    expect(s.phase).toEqual({ name: 'signed-out' });
  });

  it('signing out during a round ends it signed out', () => {
    const s = feed(
      resting(),
      [0, { type: 'poke' }],
      [1, { type: 'signed-out' }],
      [2, { type: 'round-finished', rejected: 0 }],
    );
    expect(s.state.phase).toEqual({ name: 'signed-out' });
    expect(s.effects).toContainEqual({ type: 'close-stream' });
  });
});

describe('sync machine: the event stream', () => {
  it('a dropped stream reconnects with the same backoff; connecting counts failures, opening resets them', () => {
    const s = resting();
    const dropped = feed(s, [100, { type: 'stream-closed', unauthorized: false }]);
    expect(dropped.state.stream).toEqual({ name: 'waiting', until: 1100, failures: 1 });
    expect(dropped.effects).toEqual([
      { type: 'set-timer', timer: 'stream', at: 1100 },
      { type: 'close-stream' },
    ]);
    const retry = feed(dropped.state, [1100, { type: 'timer', timer: 'stream' }]);
    expect(retry.effects).toEqual([{ type: 'clear-timer', timer: 'stream' }, { type: 'open-stream' }]);
    const again = feed(retry.state, [1200, { type: 'stream-closed', unauthorized: false }]);
    expect(again.state.stream).toEqual({ name: 'waiting', until: 3200, failures: 2 });
    const opened = feed(
      again.state,
      [3200, { type: 'timer', timer: 'stream' }],
      [3300, { type: 'stream-opened' }],
    );
    expect(opened.state.stream).toEqual({ name: 'live' });
    expect(runs(opened.effects)).toBe(1); // catch up on what was missed
  });

  it('a stream refused for its token asks for a round (which refreshes the session)', () => {
    const r = feed(resting(), [100, { type: 'stream-closed', unauthorized: true }]);
    expect(runs(r.effects)).toBe(1);
  });
});

describe('sync machine: foreground, background, stop', () => {
  it('in the background (pause) timers and the stream stop; back in front it catches up', () => {
    const bg = feed(resting(), [100, { type: 'background' }]);
    expect(bg.effects).toEqual([{ type: 'clear-timer', timer: 'round' }, { type: 'close-stream' }]);
    expect(feed(bg.state, [200, { type: 'local-write', ops: 1 }], [300, { type: 'poke' }]).effects).toEqual(
      [],
    );
    expect(runs(feed(bg.state, [400, { type: 'sync-now' }]).effects)).toBe(1); // a background task's one round
    const fg = feed(bg.state, [500, { type: 'foreground' }]);
    expect(fg.effects).toEqual([{ type: 'run-round' }, { type: 'open-stream' }]);
  });

  it('with background "continue" (a hidden desktop window) nothing stops', () => {
    const bg = feed(resting({ ...CONFIG, background: 'continue' }), [100, { type: 'background' }]);
    expect(bg.effects).toEqual([]);
  });

  it('stop mid-round: the round ends, then no timer and no stream; a sync-now asked for still runs', () => {
    const running = feed(resting(), [10, { type: 'poke' }], [11, { type: 'sync-now' }]).state;
    const stopped = feed(running, [12, { type: 'stop' }]);
    expect(stopped.effects).toEqual([{ type: 'close-stream' }]);
    const ended = feed(stopped.state, [20, { type: 'round-finished', rejected: 0 }]);
    expect(ended.effects).toEqual([{ type: 'run-round' }]);
    const last = feed(ended.state, [30, { type: 'round-finished', rejected: 0 }]);
    expect(last.effects).toEqual([]);
    expect(last.state.phase).toEqual({ name: 'idle' });
  });
});
