import {
  type Change,
  ENTITIES,
  type EntityData,
  type EntityName,
  type HlcClock,
  uuidv7,
} from '@selftracker/core';
import type { SqliteExecutor } from './driver.ts';
import { decodeRow, enqueueMany, type LocalRow, type NewOp } from './local-store.ts';
import { DELETE_CHUNK } from './sync-rows.ts';

/**
 * After a `410 reset_required` the server may have been restored from a backup and lost changes this device
 * synced (PROTOCOL.md Pull). Every pulled row's server version is kept in `row_versions`; during the full resync
 * that follows, a row held here at a version above the server's (or one the server no longer has, at a version
 * above everything it returned) is offered again as a fresh operation instead of being overwritten or dropped.
 * Without a restore this never happens: a row's version on the server only grows.
 */

/** Versions are decimal strings: compare them without arithmetic on JavaScript numbers. */
export function versionAbove(a: string, b: string): boolean {
  return BigInt(a) > BigInt(b);
}

/** Records the server version of every pulled row (one multi-row upsert per 300 rows). */
export async function recordVersions(tx: SqliteExecutor, changes: readonly Change[]): Promise<void> {
  for (let i = 0; i < changes.length; i += 300) {
    const chunk = changes.slice(i, i + 300);
    await tx.exec(
      `INSERT INTO row_versions (entity, id, version) VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')} ` +
        'ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version',
      chunk.flatMap((c) => [c.entity, c.entity_id, c.version]),
    );
  }
}

async function versionsOf(tx: SqliteExecutor, entity: EntityName, ids: readonly string[]) {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
    const chunk = ids.slice(i, i + DELETE_CHUNK);
    const rows = await tx.query<{ id: string; version: string }>(
      `SELECT id, version FROM row_versions WHERE entity = ? AND id IN (${chunk.map(() => '?').join(',')})`,
      [entity, ...chunk],
    );
    for (const r of rows) out.set(r.id, String(r.version));
  }
  return out;
}

async function localRows(tx: SqliteExecutor, entity: EntityName, ids: readonly string[]) {
  const out = new Map<string, LocalRow>();
  for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
    const chunk = ids.slice(i, i + DELETE_CHUNK);
    const rows = await tx.query<Record<string, unknown>>(
      `SELECT * FROM ${entity} WHERE id IN (${chunk.map(() => '?').join(',')})`,
      chunk,
    );
    for (const r of rows) out.set(r.id as string, decodeRow(ENTITIES[entity], r));
  }
  return out;
}

/** Stamps operations for re-offered rows with this device's clock (past every write it has seen). */
export interface Stamp {
  clock: HlcClock;
  now: () => number;
}
const newOp = (
  s: Stamp,
  entity: EntityName,
  id: string,
  op: NewOp['operation'],
  data: EntityData | null,
) => ({
  op_id: uuidv7(s.now()),
  entity,
  entity_id: id,
  operation: op,
  data,
  hlc: s.clock.tick(),
  created_at: s.now(),
});

/**
 * For pulled rows this device holds at a newer version than the server's (and with nothing pending), queues the
 * operation that brings the server to the local state: the fields that differ, or the delete. Returns the queued
 * operations by `entity:id`, so the page is applied with them rebased on top.
 */
export async function reofferNewer(
  tx: SqliteExecutor,
  changes: readonly Change[],
  pending: ReadonlyMap<string, unknown>,
  stamp: Stamp,
): Promise<NewOp[]> {
  const ops: NewOp[] = [];
  for (const entity of new Set(changes.map((c) => c.entity))) {
    const mine = changes.filter((c) => c.entity === entity && !pending.has(`${entity}:${c.entity_id}`));
    const versions = await versionsOf(
      tx,
      entity,
      mine.map((c) => c.entity_id),
    );
    const newer = mine.filter((c) => {
      const v = versions.get(c.entity_id);
      return v !== undefined && versionAbove(v, c.version);
    });
    if (newer.length === 0) continue;
    const rows = await localRows(
      tx,
      entity,
      newer.map((c) => c.entity_id),
    );
    for (const c of newer) {
      const local = rows.get(c.entity_id);
      if (!local || c.deleted) continue; // a tombstone on the server is final
      if (local.deleted) {
        ops.push(newOp(stamp, entity, c.entity_id, 'DELETE', null));
        continue;
      }
      const patch: EntityData = {};
      for (const [k, v] of Object.entries(local.data)) if (c.data?.[k] !== v) patch[k] = v;
      if (Object.keys(patch).length) ops.push(newOp(stamp, entity, c.entity_id, 'UPDATE', patch));
    }
  }
  await enqueueMany(tx, ops);
  return ops;
}

/**
 * At the end of a full resync: the local rows of `entity` the server did not return and nothing pending touches.
 * A live one recorded at a version above `newest` (the highest version the server returned) is offered again as
 * a `CREATE`; every other one (gone from the server, a tombstone, or never pulled) is deleted, as before.
 */
export async function sweepOrReoffer(
  tx: SqliteExecutor,
  entity: EntityName,
  seen: ReadonlySet<string>,
  newest: string,
  stamp: Stamp | undefined,
): Promise<number> {
  const rows = await tx.query<{ id: string }>(
    `SELECT id FROM ${entity} WHERE id NOT IN (SELECT entity_id FROM sync_queue WHERE entity = ?)`,
    [entity],
  );
  const unseen = rows.map((r) => r.id).filter((id) => !seen.has(`${entity}:${id}`));
  const versions = stamp ? await versionsOf(tx, entity, unseen) : new Map<string, string>();
  const lost = unseen.filter((id) => {
    const v = versions.get(id);
    return v !== undefined && versionAbove(v, newest);
  });
  const offered: NewOp[] = [];
  if (stamp && lost.length) {
    for (const row of (await localRows(tx, entity, lost)).values()) {
      if (!row.deleted) offered.push(newOp(stamp, entity, row.id, 'CREATE', row.data));
    }
    await enqueueMany(tx, offered);
  }
  const kept = new Set(offered.map((o) => o.entity_id));
  const gone = unseen.filter((id) => !kept.has(id));
  for (let i = 0; i < gone.length; i += DELETE_CHUNK) {
    const ids = gone.slice(i, i + DELETE_CHUNK);
    await tx.exec(`DELETE FROM ${entity} WHERE id IN (${ids.map(() => '?').join(',')})`, ids);
    await tx.exec(`DELETE FROM row_versions WHERE entity = ? AND id IN (${ids.map(() => '?').join(',')})`, [
      entity,
      ...ids,
    ]);
  }
  return offered.length;
}
