import { ProtocolError } from '@selftracker/core';
import type { Clock } from '../context.ts';

/**
 * Fixed-window counters per key, in process memory. Good for one instance; behind several instances the
 * effective limit is per instance (documented in the README).
 */
export class WindowCounter {
  readonly #hits = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly max: number,
  ) {}

  /** Seconds until `key` may be retried, or 0 when it is within its limit. */
  retryAfter(key: string): number {
    const e = this.#entry(key);
    return e && e.count >= this.max
      ? Math.max(1, Math.ceil((e.start + this.windowMs - this.clock.now()) / 1000))
      : 0;
  }

  hit(key: string): void {
    const e = this.#entry(key) ?? { start: this.clock.now(), count: 0 };
    e.count++;
    this.#hits.set(key, e);
    if (this.#hits.size > 100_000) this.#sweep();
  }

  /** Throws `rate_limited` when the key is over its limit; otherwise counts this hit. */
  take(key: string, message: string): void {
    const wait = this.retryAfter(key);
    if (wait > 0) throw new ProtocolError('rate_limited', message, { retryAfter: wait });
    this.hit(key);
  }

  reset(key: string): void {
    this.#hits.delete(key);
  }

  #entry(key: string) {
    const e = this.#hits.get(key);
    if (e && this.clock.now() - e.start >= this.windowMs) {
      this.#hits.delete(key);
      return undefined;
    }
    return e;
  }

  #sweep() {
    for (const key of [...this.#hits.keys()]) this.#entry(key);
  }
}
