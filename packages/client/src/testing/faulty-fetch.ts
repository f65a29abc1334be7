import type { FetchLike } from '../transport.ts';

/**
 * What happens to one request:
 * - `pass`: sent as is;
 * - `drop-request`: fails like a network error before anything reaches the server;
 * - `drop-response`: sent, the server answers (and commits), then the answer is lost;
 * - `duplicate`: sent twice one after the other (a retrying proxy), the second answer is returned;
 * - `delay`: sent after `ms` milliseconds.
 */
export type Fault =
  | { kind: 'pass' }
  | { kind: 'drop-request' }
  | { kind: 'drop-response' }
  | { kind: 'duplicate' }
  | { kind: 'delay'; ms: number };

export interface FaultyFetchOptions {
  /** The real fetch underneath (default: the global fetch). */
  base?: FetchLike;
  /**
   * The faults to inject, in request order: an array is consumed cyclically (a fast-check generated
   * plan shrinks well), a function is asked once per request (e.g. over a seeded random source).
   */
  plan: readonly Fault[] | ((url: string, init: RequestInit | undefined) => Fault);
  /** Start with faults on (default true); flip `enabled` to heal the network. */
  enabled?: boolean;
}

export interface FaultyFetch {
  readonly fetch: FetchLike;
  /** While false, every request passes untouched. */
  enabled: boolean;
  /** Every fault injected so far (not `pass`), for failure messages. */
  readonly log: { url: string; fault: Fault }[];
}

/** A fetch that fails the way networks do, at the one edge where the engine meets the network. */
export function createFaultyFetch(opts: FaultyFetchOptions): FaultyFetch {
  const base: FetchLike = opts.base ?? ((input, init) => fetch(input, init));
  const plan = opts.plan;
  let i = 0;
  const next = (url: string, init: RequestInit | undefined): Fault => {
    if (typeof plan === 'function') return plan(url, init);
    if (plan.length === 0) return { kind: 'pass' };
    return plan[i++ % plan.length]!;
  };
  const self: FaultyFetch = {
    enabled: opts.enabled ?? true,
    log: [],
    async fetch(url, init) {
      if (!self.enabled) return base(url, init);
      const fault = next(url, init);
      if (fault.kind !== 'pass') self.log.push({ url, fault });
      switch (fault.kind) {
        case 'pass':
          return base(url, init);
        case 'drop-request':
          throw networkError('request dropped before it was sent');
        case 'drop-response': {
          const res = await base(url, init);
          await res.arrayBuffer().catch(() => {}); // the server has answered (and committed)
          throw networkError('response dropped after the server answered');
        }
        case 'duplicate': {
          const first = await base(url, init);
          await first.arrayBuffer().catch(() => {});
          return base(url, init);
        }
        case 'delay':
          await new Promise((r) => setTimeout(r, fault.ms));
          return base(url, init);
      }
    },
  };
  return self;
}

/** Shaped like undici's failure: a TypeError "fetch failed" with the socket error as its cause. */
function networkError(detail: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(detail), { code: 'ECONNRESET' }) });
}
