/**
 * The one retry policy of SelfTracker: the client engine's sync rounds and live stream, and the server's LISTEN
 * connection. Capped exponential with jitter, honouring a server's Retry-After.
 */
export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  random?: () => number;
}

/** Delay before retry number `failures` (1 = first retry): base·2^(n-1), capped, with 50–100% jitter. */
export function backoffDelay(failures: number, o: BackoffOptions = {}, retryAfterMs?: number): number {
  const base = o.baseMs ?? 1000;
  const cap = o.capMs ?? 60_000;
  const exp = Math.min(cap, base * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  const jittered = exp * (0.5 + 0.5 * (o.random ?? Math.random)());
  return Math.max(jittered, retryAfterMs ?? 0);
}
