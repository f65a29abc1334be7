import { ENTITY_NAMES, ProtocolError, type PushRequest } from '@selftracker/core';
import type { Clock, LimitOptions } from '../context.ts';
import type { Database } from '../db/database.ts';
import { WindowCounter } from './rate-limit.ts';

/** Retry-After (s) of a push refused for the row limit: it only passes once the self-hoster raises the limit. */
const ROWS_RETRY_AFTER_S = 3600;

/**
 * Per-user limits a self-hoster can set (`LimitOptions`): pushes and pulls (checksums count as pulls) per minute,
 * and rows per user. Past one, `429 rate_limited` with `Retry-After`; clients keep their outbox and retry. The
 * defaults are far above what a person's devices do (a device syncs every 30 s and after writes; a fresh device
 * of a 100,000-row account needs 20 pulls).
 */
export interface UserLimits {
  push(userId: string, req: PushRequest): Promise<void>;
  pull(userId: string): Promise<void>;
}

export function createUserLimits(db: Database, clock: Clock, limits: LimitOptions): UserLimits {
  const pushes = new WindowCounter(db, clock, 'push', 60_000, limits.pushesPerUserPerMinute ?? 600);
  const pulls = new WindowCounter(db, clock, 'pull', 60_000, limits.pullsPerUserPerMinute ?? 600);
  const maxRows = limits.rowsPerUser ?? 1_000_000;

  /** Refuses a push whose creates could take the user past the row limit (counted only near it). */
  const rows = async (userId: string, req: PushRequest) => {
    const creates = req.ops.filter((o) => (o as { operation?: unknown }).operation === 'CREATE').length;
    if (creates === 0) return;
    // Every new row took a version, so the version bounds the row count: most pushes never count.
    const [user] = await db.query<{ version: number }>('SELECT version FROM users WHERE id = $1', [userId]);
    if (!user || Number(user.version) + creates <= maxRows) return;
    const [r] = await db.query<{ n: number }>(
      `SELECT (${ENTITY_NAMES.map((e) => `(SELECT count(*) FROM "${e}" WHERE user_id = $1)`).join(' + ')})::bigint AS n`,
      [userId],
    );
    if (Number(r?.n ?? 0) + creates > maxRows) {
      throw new ProtocolError(
        'rate_limited',
        `this account holds the most rows this server allows (${maxRows}): ask its administrator`,
        { retryAfter: ROWS_RETRY_AFTER_S },
      );
    }
  };

  return {
    async push(userId, req) {
      await pushes.take(userId, 'too many pushes for this account: retry later');
      await rows(userId, req);
    },
    pull: (userId) => pulls.take(userId, 'too many pulls for this account: retry later'),
  };
}
