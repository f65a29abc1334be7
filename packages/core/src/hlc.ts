/**
 * Hybrid logical clock, PROTOCOL.md "Hybrid logical clock": `<wall:15>-<counter:5>-<node>`.
 * The string order is the clock order.
 */
export interface Hlc {
  readonly wall: number;
  readonly counter: number;
  readonly node: string;
}

// The node is any text up to 256 characters without control characters (PostgreSQL text refuses NUL).
const HLC_RE = /^(\d{15})-(\d{5})-(\P{Cc}{1,256})$/u;
export const MAX_COUNTER = 99_999;

export function formatHlc(h: Hlc): string {
  return `${String(h.wall).padStart(15, '0')}-${String(h.counter).padStart(5, '0')}-${h.node}`;
}

/** Parses an HLC string; `null` when it is malformed. */
export function parseHlc(s: unknown): Hlc | null {
  if (typeof s !== 'string') return null;
  const m = HLC_RE.exec(s);
  if (!m || !s.isWellFormed()) return null;
  return { wall: Number(m[1]), counter: Number(m[2]), node: m[3]! };
}

export function isHlc(s: unknown): s is string {
  return parseHlc(s) !== null;
}

/** Wall time (ms) of a well-formed HLC string, without a full parse. */
export function hlcWall(s: string): number {
  return Number(s.slice(0, 15));
}

/** A stateful clock for one node. `now` is injected so tests can fake time. */
export interface HlcClock {
  /** Advances the clock for a local event and returns the new value. */
  tick(): string;
  /** Merges a remote value (seen in a pull or a push) into the clock. */
  receive(remote: string): void;
  /** The last value issued or received, without advancing. */
  peek(): Hlc;
}

export interface HlcClockOptions {
  node: string;
  now: () => number;
  /** Starting state, e.g. restored from storage. */
  last?: Hlc | undefined;
  /** A remote wall further than this ahead of `now()` is not adopted (the server uses 60 s). */
  maxDriftMs?: number;
}

export function createHlcClock(opts: HlcClockOptions): HlcClock {
  let wall = opts.last?.wall ?? 0;
  let counter = opts.last?.counter ?? 0;
  const advance = (seenWall: number): void => {
    const phys = opts.now();
    const next = Math.max(wall, phys, seenWall);
    if (next === wall) {
      counter += 1;
      if (counter > MAX_COUNTER) {
        wall += 1;
        counter = 0;
      }
    } else {
      wall = next;
      counter = 0;
    }
  };
  return {
    tick() {
      advance(0);
      return formatHlc({ wall, counter, node: opts.node });
    },
    receive(remote) {
      const h = parseHlc(remote);
      if (!h) return;
      if (opts.maxDriftMs !== undefined && h.wall > opts.now() + opts.maxDriftMs) return;
      if (h.wall > wall || (h.wall === wall && h.counter > counter)) {
        wall = h.wall;
        counter = h.counter;
      }
    },
    peek() {
      return { wall, counter, node: opts.node };
    },
  };
}
