import { ENTITY_NAMES } from '@selftracker/core';
import { lt } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { opLedger, rateLimits, refreshTokens } from '../db/schema.ts';

export interface PruneResult {
  tombstones: number;
  ledger: number;
  refreshTokens: number;
  rateLimits: number;
}

/** Rate-limit counters kept at least this long after their window started (longer if a window is longer). */
const RATE_LIMIT_KEEP_MS = 24 * 3600 * 1000;

/**
 * Removes tombstones and ledger entries older than the horizon, expired refresh tokens and old rate-limit windows. A user's
 * `pruned_version` records the newest pruned tombstone, so older cursors get `410 reset_required`.
 */
export async function prune(
  db: Database,
  now: number,
  horizonMs: number,
  longestRateWindowMs = 0,
): Promise<PruneResult> {
  const before = now - horizonMs;
  let tombstones = 0;
  for (const entity of ENTITY_NAMES) {
    const [r] = await db.query<{ n: number }>(
      `WITH gone AS (DELETE FROM "${entity}" WHERE deleted AND deleted_at < $1 RETURNING user_id, version),
            upd AS (UPDATE users u SET pruned_version = GREATEST(u.pruned_version, m.v)
                    FROM (SELECT user_id, max(version) AS v FROM gone GROUP BY user_id) m WHERE u.id = m.user_id)
       SELECT count(*)::int AS n FROM gone`,
      [before],
    );
    tombstones += Number(r?.n ?? 0);
  }
  const ledger = await db.orm
    .delete(opLedger)
    .where(lt(opLedger.createdAt, before))
    .returning({ id: opLedger.opId });
  const tokens = await db.orm
    .delete(refreshTokens)
    .where(lt(refreshTokens.expiresAt, now))
    .returning({ id: refreshTokens.tokenHash });
  const windows = await db.orm
    .delete(rateLimits)
    .where(lt(rateLimits.windowStart, now - Math.max(RATE_LIMIT_KEEP_MS, longestRateWindowMs)))
    .returning({ key: rateLimits.key });
  return { tombstones, ledger: ledger.length, refreshTokens: tokens.length, rateLimits: windows.length };
}
