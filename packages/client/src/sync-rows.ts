import {
  type Change,
  createChecksums,
  ENTITIES,
  ENTITY_NAMES,
  type EntityName,
  MAX_BODY_BYTES,
} from '@selftracker/core';
import type { SqliteExecutor } from './driver.ts';
import { decodeRow, type LocalRow, type QueuedOp, readQueue } from './local-store.ts';

/** What a sync round does with rows and outbox entries, outside the round's control flow (`syncer.ts`). */

/** Outbox rows (or local rows) removed per DELETE (well under SQLite's bound-parameter limit). */
export const DELETE_CHUNK = 500;

/** Server clock tolerance for client HLCs (PROTOCOL.md "Hybrid logical clock"). */
const SERVER_MAX_AHEAD_MS = 60_000;

/**
 * The highest wall time a pull page shows (PROTOCOL.md: the clock advances on every pull to the "highest
 * wall seen"). Pulls carry no HLCs, so the walls are the response's `Date` (the end of that second: the
 * server had committed nothing stamped later by a correct clock) and the rows' `created_at`/`updated_at`
 * (set by their writers from the clock they wrote with; +1 so our next write orders after theirs).
 * Without this a device whose clock is behind loses every edit it makes to rows it pulled: its HLC orders
 * the edit before the write it replaced. A wall more than the server's own tolerance ahead of the
 * server's time is capped there, so one fast clock does not drag every device into the future.
 */
export function wallSeen(changes: readonly Change[], headers: Headers): number | undefined {
  const date = Date.parse(headers.get('date') ?? '');
  let wall = Number.isFinite(date) ? date + 1000 : undefined;
  for (const c of changes) {
    for (const k of ['created_at', 'updated_at']) {
      const v = c.data?.[k];
      if (typeof v === 'number' && Number.isSafeInteger(v) && (wall === undefined || v + 1 > wall))
        wall = v + 1;
    }
  }
  if (wall !== undefined && Number.isFinite(date)) wall = Math.min(wall, date + 1000 + SERVER_MAX_AHEAD_MS);
  return wall;
}

/** Deletes the rows of `entity` a resync did not see, unless an operation on them is pending. */
export async function sweep(
  tx: SqliteExecutor,
  entity: EntityName,
  seen: ReadonlySet<string>,
): Promise<void> {
  const rows = await tx.query<{ id: string }>(
    `SELECT id FROM ${entity} WHERE id NOT IN (SELECT entity_id FROM sync_queue WHERE entity = ?)`,
    [entity],
  );
  const gone = rows.map((r) => r.id).filter((id) => !seen.has(`${entity}:${id}`));
  for (let i = 0; i < gone.length; i += DELETE_CHUNK) {
    const ids = gone.slice(i, i + DELETE_CHUNK);
    await tx.exec(`DELETE FROM ${entity} WHERE id IN (${ids.map(() => '?').join(',')})`, ids);
  }
}

export function parseEntities(list: string): EntityName[] {
  return list.split(',').filter((e): e is EntityName => (ENTITY_NAMES as readonly string[]).includes(e));
}

export function changeToRow(c: Change): LocalRow {
  return c.deleted
    ? { id: c.entity_id, deleted: true, data: {} }
    : { id: c.entity_id, deleted: false, data: c.data ?? {} };
}

export async function pendingByRow(tx: SqliteExecutor): Promise<Map<string, QueuedOp[]>> {
  const map = new Map<string, QueuedOp[]>();
  const [{ n }] = (await tx.query<{ n: number }>('SELECT count(*) AS n FROM sync_queue')) as [{ n: number }];
  if (n === 0) return map;
  for (const op of await readQueue(tx, Number.MAX_SAFE_INTEGER)) {
    const key = `${op.entity}:${op.entity_id}`;
    const list = map.get(key);
    if (list) list.push(op);
    else map.set(key, [op]);
  }
  return map;
}

/** Keeps a batch under the body limit (with room for the envelope). */
export function fitBody(ops: QueuedOp[]): QueuedOp[] {
  let size = 1024;
  for (let i = 0; i < ops.length; i++) {
    size += JSON.stringify(ops[i]).length * 3 + 200;
    if (size > MAX_BODY_BYTES && i > 0) return ops.slice(0, i);
  }
  return ops;
}

/** The same figures the server computes (PROTOCOL.md "Checksums"), over local rows including tombstones. */
export async function localChecksums(db: SqliteExecutor) {
  const sums = createChecksums();
  for (const e of ENTITY_NAMES) {
    const spec = ENTITIES[e];
    for (const r of await db.query<Record<string, unknown>>(`SELECT * FROM ${e}`)) {
      const row = decodeRow(spec, r);
      sums[e].add(row.id, row.deleted, row.deleted ? null : row.data);
    }
  }
  return sums;
}
