import {
  type ChecksumResponse,
  createHlcClock,
  ENTITY_NAMES,
  ProtocolError,
  type PushRequest,
  type PushResponse,
} from '@selftracker/core';
import type { Clock } from '../context.ts';
import type { Database } from '../db/database.ts';
import { type ChecksumRow, ENTITY_SQL } from '../db/entity-sql.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { loadPushState, persistLedger, persistPush } from './push-persist.ts';
import {
  HLC_MAX_AHEAD_MS,
  ledgerBeforeMerge,
  type PreparedOp,
  planSteps,
  prepareOp,
  type RawOp,
} from './push-plan.ts';

/** Operations validated, hashed or planned between two turns of the event loop. */
const SLICE = 100;
/** Lets the event loop take pending I/O (a statement's answer, the next statement's start) before going on. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface SyncService {
  push(userId: string, req: PushRequest): Promise<PushResponse>;
  /** The pull response, already serialized (the hot path of a fresh device). */
  pull(userId: string, cursor: string | undefined, limit: number): Promise<string>;
  checksum(userId: string): Promise<ChecksumResponse>;
}

/** Validates and hashes every operation, letting each statement's answer in meanwhile. */
async function prepareOps(ops: readonly RawOp[]): Promise<PreparedOp[]> {
  const prepared: PreparedOp[] = [];
  for (const raw of ops) {
    prepared.push(prepareOp(raw));
    if (prepared.length % SLICE === 0) await yieldToIo();
  }
  return prepared;
}

export function createSyncService(db: Database, clock: Clock, copyAbove = 32): SyncService {
  const serverClock = createHlcClock({
    node: 'server',
    now: () => clock.now(),
    maxDriftMs: HLC_MAX_AHEAD_MS,
  });

  return {
    // One transaction: the lookups are issued first and run while Node validates and hashes; the new ledger
    // entries are sent while the plan is made, in slices; then the plan's writes, all issued at once.
    async push(userId, req) {
      return db.transaction(async (tx) => {
        const loading = loadPushState(tx, userId, req.ops);
        loading.catch(() => {}); // awaited below, or moot after a throw
        const ops = await prepareOps(req.ops);
        const state = await loading;
        const now = clock.now();
        const entries = ledgerBeforeMerge(state.ledger, ops);
        const written = persistLedger(tx, userId, entries, now, copyAbove);
        written.catch(() => {}); // awaited in persistPush, or moot after a throw
        const steps = planSteps(state, ops, { now, hlc: serverClock }, SLICE);
        let step = steps.next();
        for (; !step.done; step = steps.next()) await yieldToIo();
        await persistPush(tx, userId, step.value, { entries, written }, copyAbove);
        return { results: [...step.value.results], version: String(step.value.version) };
      });
    },

    async pull(userId, cursor, limit) {
      const after = decodeCursor(cursor);
      // One statement, one snapshot: the account's version and horizon with the page, so a page never mixes
      // states from different commits. The (user_id, version) index is walked in order (see `Database.pages`).
      const parts = ENTITY_NAMES.map((n) =>
        ENTITY_SQL[n].changeJson('t.user_id = $1 AND t.version > $2', 'ORDER BY t.version LIMIT $3'),
      );
      // The page comes back as one text (the changes joined by the database) with its row count and last version:
      // one value to hand over instead of thousands of rows, so little work lands on the thread serving HTTP.
      const sql = `SELECT u.version, u.pruned_version, q.n, q.last, q.body FROM users u CROSS JOIN LATERAL (
           SELECT count(*)::int AS n, max(v) FILTER (WHERE rn <= $4) AS last,
                  string_agg(j, ',' ORDER BY v) FILTER (WHERE rn <= $4) AS body
           FROM (SELECT v, j, row_number() OVER (ORDER BY v) AS rn
                 FROM (${parts.join(' UNION ALL ')} ORDER BY v LIMIT $3) p) q) q
         WHERE u.id = $1`;
      const params = [userId, after, limit + 1, limit];
      type Page = {
        version: number;
        pruned_version: number;
        n: number;
        last: number | null;
        body: string | null;
      };
      const [page] = db.pages
        ? await db.pages.query<Page>(sql, params)
        : await db.transaction(async (tx) => {
            await tx.query('SET LOCAL enable_bitmapscan = off');
            return tx.query<Page>(sql, params);
          });
      if (!page) throw new ProtocolError('unauthorized', 'account no longer exists');
      if (after > 0 && after < Number(page.pruned_version)) {
        throw new ProtocolError(
          'reset_required',
          'cursor is older than the tombstone horizon: pull from the beginning',
        );
      }
      // A cursor past the user's version (a server restored from a backup, a cursor from elsewhere) would skip
      // every change until the version passed it: the client must start over (PROTOCOL.md Pull).
      if (after > Number(page.version)) {
        throw new ProtocolError(
          'reset_required',
          'cursor is ahead of this account on the server (restored from a backup?): pull from the beginning',
        );
      }
      const hasMore = Number(page.n ?? 0) > limit;
      const next = encodeCursor(page.last == null ? after : Number(page.last));
      return `{"changes":[${page.body ?? ''}],"cursor":"${next}","has_more":${hasMore}}`;
    },

    async checksum(userId) {
      return db.transaction(
        async (tx) => {
          const [user] = await tx.query<{ version: number }>('SELECT version FROM users WHERE id = $1', [
            userId,
          ]);
          if (!user) throw new ProtocolError('unauthorized', 'account no longer exists');
          const sums = await tx.query<ChecksumRow>(
            ENTITY_NAMES.map((n) => ENTITY_SQL[n].checksum).join(' UNION ALL '),
            [userId],
          );
          const byEntity = new Map(sums.map((r) => [r.entity, r]));
          const entities = Object.fromEntries(
            ENTITY_NAMES.map((n) => {
              const r = byEntity.get(n)!;
              return [n, { count: Number(r.n), checksum: Number(r.s).toString(16).padStart(8, '0') }];
            }),
          ) as ChecksumResponse['entities'];
          return { version: String(user.version), entities };
        },
        { isolation: 'repeatable read' },
      );
    },
  };
}
