import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHlcClock, formatHlc, type Hlc, hlcWall, isHlc, MAX_COUNTER, parseHlc } from './hlc.ts';

/** A fake wall clock the test moves by hand (also backwards). */
function fakeClock(start: number) {
  let t = start;
  return {
    now: () => t,
    set(v: number) {
      t = v;
    },
    advance(ms: number) {
      t += ms;
    },
  };
}

const T0 = Date.UTC(2026, 0, 1);
const arbHlc: fc.Arbitrary<Hlc> = fc.record({
  wall: fc.integer({ min: 0, max: 999_999_999_999_999 }),
  counter: fc.integer({ min: 0, max: MAX_COUNTER }),
  node: fc.string({ minLength: 1, maxLength: 20 }),
});

describe('HLC format', () => {
  it('is <wall:15>-<counter:5>-<node>, zero-padded', () => {
    expect(formatHlc({ wall: 1764000000000, counter: 7, node: 'abc' })).toBe('001764000000000-00007-abc');
    expect(formatHlc({ wall: 0, counter: 0, node: 'server' })).toBe('000000000000000-00000-server');
  });

  it('parses what it formats (round trip)', () => {
    fc.assert(
      fc.property(arbHlc, (h) => {
        expect(parseHlc(formatHlc(h))).toEqual(h);
        expect(hlcWall(formatHlc(h))).toBe(h.wall);
      }),
    );
  });

  it('accepts a node containing dashes (a UUID client id)', () => {
    const s = '001764000000000-00001-0193a8e2-7b1c-7c4e-8a2f-5b2a1c3d4e5f';
    expect(parseHlc(s)).toEqual({
      wall: 1764000000000,
      counter: 1,
      node: '0193a8e2-7b1c-7c4e-8a2f-5b2a1c3d4e5f',
    });
  });

  it.each([
    ['short wall', '1764000000000-00000-n'],
    ['long wall', '0001764000000000-00000-n'],
    ['short counter', '001764000000000-0000-n'],
    ['no node', '001764000000000-00000-'],
    ['no node separator', '001764000000000-00000'],
    ['non-digit wall', '00176400000000x-00000-n'],
    ['empty', ''],
  ])('rejects a malformed value: %s', (_, s) => {
    expect(parseHlc(s)).toBeNull();
    expect(isHlc(s)).toBe(false);
  });

  it.each([[null], [undefined], [42], [{}]])('rejects a non-string %j', (v) => {
    expect(isHlc(v)).toBe(false);
  });
});

describe('HLC order', () => {
  it('string order equals (wall, counter) order for one node', () => {
    fc.assert(
      fc.property(arbHlc, arbHlc, (a, b) => {
        const sa = formatHlc({ ...a, node: 'n' });
        const sb = formatHlc({ ...b, node: 'n' });
        const byTuple = Math.sign(a.wall - b.wall || a.counter - b.counter);
        expect(Math.sign(sa < sb ? -1 : sa > sb ? 1 : 0)).toBe(byTuple);
      }),
    );
  });

  it('wall dominates counter and node', () => {
    expect(
      formatHlc({ wall: 2, counter: 0, node: 'a' }) >
        formatHlc({ wall: 1, counter: MAX_COUNTER, node: 'zzz' }),
    ).toBe(true);
  });
});

describe('HLC clock', () => {
  it('takes the physical time when it is ahead', () => {
    const clock = fakeClock(T0);
    const hlc = createHlcClock({ node: 'n', now: clock.now });
    expect(hlc.tick()).toBe(formatHlc({ wall: T0, counter: 0, node: 'n' }));
    clock.advance(5);
    expect(hlc.tick()).toBe(formatHlc({ wall: T0 + 5, counter: 0, node: 'n' }));
  });

  it('bumps the counter within one millisecond and when the clock goes backwards', () => {
    const clock = fakeClock(T0);
    const hlc = createHlcClock({ node: 'n', now: clock.now });
    hlc.tick();
    expect(hlc.tick()).toBe(formatHlc({ wall: T0, counter: 1, node: 'n' }));
    clock.set(T0 - 60_000); // NTP step backwards
    expect(hlc.tick()).toBe(formatHlc({ wall: T0, counter: 2, node: 'n' }));
    clock.set(T0 + 1);
    expect(hlc.tick()).toBe(formatHlc({ wall: T0 + 1, counter: 0, node: 'n' }));
  });

  it('carries into the wall when the counter overflows', () => {
    const clock = fakeClock(T0 - 10);
    const hlc = createHlcClock({
      node: 'n',
      now: clock.now,
      last: { wall: T0, counter: MAX_COUNTER, node: 'n' },
    });
    expect(hlc.tick()).toBe(formatHlc({ wall: T0 + 1, counter: 0, node: 'n' }));
  });

  it('issues a value above a received remote value', () => {
    const clock = fakeClock(T0);
    const hlc = createHlcClock({ node: 'a', now: clock.now });
    const remote = formatHlc({ wall: T0 + 30_000, counter: 4, node: 'b' });
    hlc.receive(remote);
    expect(hlc.peek()).toEqual({ wall: T0 + 30_000, counter: 4, node: 'a' });
    const next = hlc.tick();
    expect(next).toBe(formatHlc({ wall: T0 + 30_000, counter: 5, node: 'a' }));
    expect(next > remote).toBe(true);
  });

  it('ignores malformed remote values and ones further ahead than maxDriftMs', () => {
    const clock = fakeClock(T0);
    const hlc = createHlcClock({ node: 'server', now: clock.now, maxDriftMs: 60_000 });
    hlc.receive('garbage');
    hlc.receive(formatHlc({ wall: T0 + 86_400_000, counter: 0, node: 'liar' }));
    expect(hlcWall(hlc.tick())).toBe(T0);
    hlc.receive(formatHlc({ wall: T0 + 59_000, counter: 3, node: 'fast' }));
    expect(hlc.tick()).toBe(formatHlc({ wall: T0 + 59_000, counter: 4, node: 'server' }));
  });

  it('is strictly monotonic and stays above everything adopted, whatever the clock does (property)', () => {
    type Step =
      | { kind: 'move'; ms: number }
      | { kind: 'tick' }
      | { kind: 'receive'; wallOffset: number; counter: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('move' as const), ms: fc.integer({ min: -120_000, max: 120_000 }) }),
      fc.constant({ kind: 'tick' as const }),
      fc.record({
        kind: fc.constant('receive' as const),
        wallOffset: fc.integer({ min: -120_000, max: 180_000 }),
        counter: fc.integer({ min: 0, max: MAX_COUNTER }),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.boolean(), (steps, bounded) => {
        const clock = fakeClock(T0);
        const maxDrift = 60_000;
        const hlc = createHlcClock({
          node: 'n',
          now: clock.now,
          ...(bounded ? { maxDriftMs: maxDrift } : {}),
        });
        let last = '';
        let highestAdopted = '';
        for (const s of steps) {
          if (s.kind === 'move') clock.advance(s.ms);
          else if (s.kind === 'receive') {
            const wall = Math.max(0, clock.now() + s.wallOffset);
            // same node so string order is clock order
            const remote = formatHlc({ wall, counter: s.counter, node: 'n' });
            const before = hlc.peek();
            hlc.receive(remote);
            if (!bounded || wall <= clock.now() + maxDrift) {
              if (remote > highestAdopted) highestAdopted = remote;
            } else {
              // a value past the drift bound never drags the clock forward
              expect(hlc.peek()).toEqual(before);
            }
          } else {
            const v = hlc.tick();
            expect(isHlc(v)).toBe(true);
            expect(v > last).toBe(true);
            expect(v > highestAdopted).toBe(true);
            expect(hlcWall(v)).toBeGreaterThanOrEqual(clock.now());
            last = v;
          }
        }
      }),
    );
  });
});
