import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler.ts';
import type { RoundFailure, RoundStage } from './sync-machine.ts';
import { createFakeClock } from './testing/fake-clock.ts';

class Failure extends Error {
  constructor(readonly failure: RoundFailure) {
    super(failure.message);
  }
}

/**
 * An interpreter whose I/O edges the test holds: every round waits for the test to end it (`finish`/`fail`),
 * and the event stream stays open until the test closes it.
 */
function harness(o: { signedIn?: boolean; background?: 'pause' | 'continue' } = {}) {
  const clock = createFakeClock(0);
  const rounds: {
    at: number;
    end(r?: number): void;
    fail(f: RoundFailure): void;
    stage(s: RoundStage): void;
  }[] = [];
  const streams: { signal: AbortSignal; open(): void; poke(): void; close(unauthorized?: boolean): void }[] =
    [];
  const scheduler = new Scheduler<number>(
    {
      runRound: (stage) =>
        new Promise<number>((resolve, reject) => {
          rounds.push({
            at: clock.now(),
            end: (r = 0) => resolve(r),
            fail: (f) => reject(new Failure(f)),
            stage,
          });
        }),
      rejectedIn: (r) => r,
      classify: (e) => (e as Failure).failure,
      openStream: (signal, opened, poke) =>
        new Promise<void>((resolve, reject) => {
          streams.push({
            signal,
            open: opened,
            poke,
            close: (unauthorized) => (unauthorized ? reject(new Error('401')) : resolve()),
          });
        }),
      isUnauthorized: (e) => (e as Error).message === '401',
    },
    {
      clock,
      signedIn: o.signedIn ?? true,
      config: {
        intervalMs: 30_000,
        debounceMs: 300,
        backoff: { random: () => 1 },
        background: o.background ?? 'pause',
      },
    },
  );
  const lastRound = () => rounds.at(-1)!;
  /** Ends the round in flight and lets the interpreter react. */
  const finish = async (rejected = 0) => {
    lastRound().end(rejected);
    await clock.settle();
  };
  const fail = async (f: RoundFailure) => {
    lastRound().fail(f);
    await clock.settle();
  };
  return { clock, rounds, streams, scheduler, finish, fail };
}

describe('scheduler (the interpreter) with a fake clock', () => {
  it('debounces writes: three writes 100 ms apart make one round 300 ms after the last', async () => {
    const h = harness();
    h.scheduler.send({ type: 'start' });
    await h.finish(); // the first round, at start
    expect(h.rounds).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      h.scheduler.send({ type: 'local-write', ops: 1 });
      await h.clock.advance(100);
    }
    expect(h.rounds).toHaveLength(1);
    await h.clock.advance(199);
    expect(h.rounds).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.rounds.map((r) => r.at)).toEqual([0, 500]);
    expect(h.scheduler.state.pending).toBe(3);
  });

  it('runs a round every interval after the last one ended', async () => {
    const h = harness();
    h.scheduler.send({ type: 'start' });
    await h.clock.advance(50);
    await h.finish();
    await h.clock.advance(30_000);
    await h.finish();
    await h.clock.advance(30_000);
    expect(h.rounds.map((r) => r.at)).toEqual([0, 30_050, 60_050]);
  });

  it("backs off with the server's Retry-After, then with the exponential policy", async () => {
    const h = harness();
    h.scheduler.send({ type: 'start' });
    await h.fail({ code: 'rate-limited', message: 'slow down', retryable: true, retryAfterMs: 20_000 });
    expect(h.scheduler.state.phase).toEqual({ name: 'backing-off', until: 20_000, failures: 1 });
    h.streams[0]!.poke(); // a poke does not cut a server's backoff short
    await h.clock.advance(19_999);
    expect(h.rounds).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.rounds).toHaveLength(2);
    await h.fail({ code: 'server-error', message: '503', retryable: true });
    await h.clock.advance(2000); // second failure: base 1 s · 2
    expect(h.rounds.map((r) => r.at)).toEqual([0, 20_000, 22_000]);
  });

  it('a poke during a round brings exactly one more round, right after it', async () => {
    const h = harness();
    h.scheduler.send({ type: 'start' });
    h.streams[0]!.open(); // the stream opening mid-round already asks for one more
    h.streams[0]!.poke();
    h.streams[0]!.poke();
    await h.finish();
    expect(h.rounds).toHaveLength(2);
    await h.finish();
    await h.clock.advance(29_999);
    expect(h.rounds).toHaveLength(2);
  });

  it('reconnect: the dropped stream reopens after backoff and the reopening runs a catch-up round', async () => {
    const h = harness();
    h.scheduler.send({ type: 'start' });
    await h.finish();
    h.streams[0]!.close();
    await h.clock.settle();
    expect(h.scheduler.state.stream.name).toBe('waiting');
    await h.clock.advance(1000);
    expect(h.streams).toHaveLength(2);
    h.streams[1]!.open();
    await h.clock.settle();
    expect(h.scheduler.state.stream).toEqual({ name: 'live' });
    expect(h.rounds.map((r) => r.at)).toEqual([0, 1000]);
  });

  it('a refused refresh ends in unauthorized: no more rounds or streams until sign-in', async () => {
    const h = harness();
    h.scheduler.send({ type: 'start' });
    await h.fail({ code: 'unauthorized', message: 'your session has expired', retryable: false });
    expect(h.scheduler.state.phase).toEqual({ name: 'unauthorized' });
    expect(h.streams[0]!.signal.aborted).toBe(true);
    await h.clock.advance(10 * 60_000);
    expect(h.rounds).toHaveLength(1);
    expect(h.clock.pending()).toEqual([]);
    h.scheduler.send({ type: 'signed-in' });
    expect(h.rounds).toHaveLength(2);
    expect(h.streams).toHaveLength(2);
  });

  it('syncNow resolves with the next round and rejects with its failure; asked mid-round it waits for another', async () => {
    const h = harness();
    const first = h.scheduler.syncNow();
    await h.clock.settle();
    const second = h.scheduler.syncNow(); // mid-round: must include what was written before this call
    await h.finish(7);
    await expect(first).resolves.toBe(7);
    expect(h.rounds).toHaveLength(2);
    const outcome = expect(second).rejects.toThrow('down');
    await h.fail({ code: 'server-unreachable', message: 'down', retryable: true });
    await outcome;
    expect(h.scheduler.state.lastError).toMatchObject({ code: 'server-unreachable', at: 0 });
  });

  it('stop mid-round waits for the round, then nothing stays armed', async () => {
    const h = harness();
    h.scheduler.send({ type: 'start' });
    h.scheduler.send({ type: 'local-write', ops: 1 });
    let stopped = false;
    const stop = h.scheduler.stop().then(() => {
      stopped = true;
    });
    await h.clock.settle();
    expect(stopped).toBe(false);
    expect(h.streams[0]!.signal.aborted).toBe(true);
    await h.finish();
    await stop;
    expect(h.clock.pending()).toEqual([]);
    await h.clock.advance(120_000);
    expect(h.rounds).toHaveLength(1);
  });

  it('a background task gets exactly one round; the foreground catches up and reopens the stream', async () => {
    const h = harness();
    h.scheduler.send({ type: 'start' });
    await h.finish();
    h.scheduler.send({ type: 'background' });
    expect(h.clock.pending()).toEqual([]);
    const one = h.scheduler.syncNow();
    await h.finish(0);
    await one;
    await h.clock.advance(120_000);
    expect(h.rounds).toHaveLength(2);
    h.scheduler.send({ type: 'foreground' });
    expect(h.rounds).toHaveLength(3);
    expect(h.streams.filter((s) => !s.signal.aborted)).toHaveLength(1);
  });
});
