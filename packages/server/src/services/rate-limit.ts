import { createHash } from 'node:crypto';
import { isStorableText, ProtocolError } from '@selftracker/core';
import type { Clock } from '../context.ts';
import type { Database } from '../db/database.ts';

/**
 * One statement per hit: starts a new window when the stored one has passed, else counts into it. The row
 * lock of the upsert serializes concurrent hits on one key, so no burst slips past the limit together.
 */
const TAKE = `INSERT INTO rate_limits AS r (key, window_start, count) VALUES ($1, $2, 1)
  ON CONFLICT (key) DO UPDATE SET
    window_start = CASE WHEN r.window_start <= $2 - $3 THEN $2 ELSE r.window_start END,
    count = CASE WHEN r.window_start <= $2 - $3 THEN 1 ELSE r.count + 1 END
  RETURNING window_start, count`;

/**
 * Subjects longer than this are stored as their SHA-256 (an email field can be megabytes long), and so are those
 * the database cannot hold as text (NUL, a lone surrogate: a login for such an "email" must still be counted).
 */
const MAX_SUBJECT = 200;

/**
 * Fixed-window counters per key, kept in the database (`rate_limits`): every server instance on one database
 * shares the same budget. Windows older than a day are pruned with the rest (`prune`).
 */
export class WindowCounter {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly scope: string,
    private readonly windowMs: number,
    private readonly max: number,
  ) {}

  #key(subject: string): string {
    const s =
      subject.length > MAX_SUBJECT || !isStorableText(subject)
        ? `sha256:${createHash('sha256').update(subject).digest('hex')}`
        : subject;
    return `${this.scope}:${s}`;
  }

  /** Counts this hit; throws `rate_limited` (with the seconds until the window ends) when over the limit. */
  async take(subject: string, message: string): Promise<void> {
    const now = this.clock.now();
    const [r] = await (this.db.counters ?? this.db).query<{ window_start: number; count: number }>(TAKE, [
      this.#key(subject),
      now,
      this.windowMs,
    ]);
    if (r && Number(r.count) > this.max) {
      const retryAfter = Math.max(1, Math.ceil((Number(r.window_start) + this.windowMs - now) / 1000));
      throw new ProtocolError('rate_limited', message, { retryAfter });
    }
  }

  async reset(subject: string): Promise<void> {
    await (this.db.counters ?? this.db).query('DELETE FROM rate_limits WHERE key = $1', [this.#key(subject)]);
  }
}
