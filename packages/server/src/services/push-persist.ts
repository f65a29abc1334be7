import {
  ENTITIES,
  ENTITY_NAMES,
  type EntityData,
  type EntityName,
  getEntity,
  isUuid,
  ProtocolError,
} from '@selftracker/core';
import { copyText } from '../db/copy.ts';
import type { Sql } from '../db/database.ts';
import { ENTITY_SQL } from '../db/entity-sql.ts';
import type { LedgerEntry, PushPlan, PushState, RawOp, StoredRow } from './push-plan.ts';

/**
 * The database side of a push: `loadPushState` reads what `planPush` needs, `persistPush` writes its plan.
 * Both issue every statement before awaiting any: they run back to back on the connection (see `Sql`).
 */

/** NOTIFY channel carrying `<user_id> <version>` after every commit that changed a user's data. */
export const POKE_CHANNEL = 'selftracker_poke';
/** The poke payload's version when the account was deleted: every stream of the user closes. */
export const ACCOUNT_DELETED = 'deleted';
/** Rows per chunk of a COPY. */
const COPY_CHUNK = 200;
const LEDGER_COLUMNS = ['user_id', 'op_id', 'content_hash', 'result', 'created_at'];

/**
 * Locks the user's row and reads the ledger entries and rows `ops` touch. The lock serializes version
 * assignment, so commits happen in version order; the lookups are queued behind it (each with a snapshot taken
 * after the lock is held, so they see every earlier push). Every statement is issued before this returns.
 */
export async function loadPushState(tx: Sql, userId: string, ops: readonly RawOp[]): Promise<PushState> {
  const user = tx.query<{ version: number }>('SELECT version FROM users WHERE id = $1 FOR UPDATE', [userId]);
  // Only UUID op_ids are recorded: any other op_id is invalid_op on every replay anyway.
  const opIds = [...new Set(ops.map((o) => o.op_id).filter(isUuid))];
  const ledger = tx.query<{ op_id: string; content_hash: string; result: LedgerEntry['result'] }>(
    'SELECT l.* FROM unnest($2::uuid[]) AS k(id) CROSS JOIN LATERAL (SELECT op_id, content_hash, result ' +
      'FROM op_ledger WHERE user_id = $1 AND op_id = k.id LIMIT 1) l',
    [userId, opIds],
  );
  const rows = loadRows(tx, userId, idsByEntity(ops));
  // All at once: a failed statement must not leave the ones behind it rejected with nobody listening.
  const [[found], entries, byEntity] = await Promise.all([user, ledger, rows]);
  if (!found) throw new ProtocolError('unauthorized', 'account no longer exists');
  return {
    version: Number(found.version),
    ledger: new Map(entries.map((r) => [r.op_id.toLowerCase(), { hash: r.content_hash, result: r.result }])),
    rows: byEntity,
  };
}

function idsByEntity(ops: readonly RawOp[]): Map<EntityName, Set<string>> {
  const ids = new Map<EntityName, Set<string>>();
  for (const raw of ops) {
    const spec = getEntity(raw.entity);
    if (!spec || !isUuid(raw.entity_id)) continue;
    const set = ids.get(spec.name) ?? new Set<string>();
    ids.set(spec.name, set);
    set.add(raw.entity_id.toLowerCase());
  }
  return ids;
}

async function loadRows(tx: Sql, userId: string, ids: Map<EntityName, Set<string>>) {
  const lookups = ENTITY_NAMES.map((entity) => {
    const want = ids.get(entity);
    return want?.size
      ? tx.query<Record<string, unknown>>(ENTITY_SQL[entity].selectByIds, [userId, [...want]])
      : Promise.resolve([]);
  });
  const results = await Promise.all(lookups);
  const rows = new Map<EntityName, Map<string, StoredRow>>();
  for (const [i, entity] of ENTITY_NAMES.entries()) {
    const names = ENTITIES[entity].fieldNames;
    const map = new Map<string, StoredRow>();
    rows.set(entity, map);
    for (const r of results[i]!) {
      const data: EntityData = {};
      if (!r.deleted) for (const n of names) data[n] = r[n] as EntityData[string];
      map.set(r.id as string, {
        version: Number(r.version),
        deleted: r.deleted as boolean,
        deletedAt: (r.deleted_at as number | null) ?? null,
        data,
        hlc: JSON.parse(r.hlc as string) as Record<string, string>,
        maxHlc: r.max_hlc as string,
        stored: true,
      });
    }
  }
  return rows;
}

/**
 * Writes the ledger entries of a plan ahead of it (`ledgerBeforeMerge`), so that the database takes them while
 * the plan is made; `persistPush` then corrects the few the merge rejected.
 */
export function persistLedger(
  tx: Sql,
  userId: string,
  entries: PushPlan['ledger'],
  now: number,
  copyAbove: number,
): Promise<void> {
  if (entries.length === 0) return Promise.resolve();
  if (entries.length <= copyAbove) {
    // A COPY is two round trips (the server must accept it before the data goes): a few entries go in one INSERT.
    const sql =
      'INSERT INTO op_ledger (user_id, op_id, content_hash, result, created_at) ' +
      'SELECT $1, x.o, x.h, x.r, $2 FROM json_to_recordset($3::json) AS x(o uuid, h text, r jsonb)';
    const rows = entries.map((e) => ({ o: e.opId, h: e.hash, r: e.result }));
    return tx.query(sql, [userId, now, JSON.stringify(rows)]).then(() => {});
  }
  let text = '';
  for (const e of entries) text += `${userId}\t${e.opId}\t${e.hash}\t${copyText(e.result)}\t${now}\n`;
  return tx.copyFrom('op_ledger', LEDGER_COLUMNS, text);
}

/**
 * Writes a plan after `persistLedger` wrote `ledger.entries` (`ledgerBeforeMerge`): the results the merge
 * changed, new rows with COPY (under the user's row lock and after the lookups, none of them exists), rows that
 * exist with one upsert per table, then the user's version and the poke.
 */
export async function persistPush(
  tx: Sql,
  userId: string,
  plan: PushPlan,
  ledger: { entries: PushPlan['ledger']; written: Promise<void> },
  copyAbove: number,
): Promise<void> {
  const writes: Promise<unknown>[] = [ledger.written];
  // The same entries in the same order: only a merge's rejection differs.
  const fixes = plan.ledger.filter((e, i) => e.result !== null && ledger.entries[i]?.result === null);
  if (fixes.length > 0) {
    const sql =
      'UPDATE op_ledger l SET result = x.r FROM json_to_recordset($2::json) AS x(o uuid, r jsonb) ' +
      'WHERE l.user_id = $1 AND l.op_id = x.o';
    writes.push(tx.query(sql, [userId, JSON.stringify(fixes.map((e) => ({ o: e.opId, r: e.result })))]));
  }
  for (const [entity, rows] of plan.rows) writes.push(...writeRows(tx, userId, entity, rows, copyAbove));
  if (plan.rows.size > 0) {
    const sql = 'WITH u AS (UPDATE users SET version = $2 WHERE id = $1) SELECT pg_notify($3, $4)';
    writes.push(tx.query(sql, [userId, plan.version, POKE_CHANNEL, `${userId} ${plan.version}`]));
  }
  // A failed write rolls the transaction back; wait for all of them before saying so.
  await Promise.allSettled(writes);
  await Promise.all(writes);
}

/** One entity's changed rows: new ones with COPY, built and sent in chunks; stored ones with an upsert. */
function writeRows(
  tx: Sql,
  userId: string,
  entity: EntityName,
  changed: ReadonlyMap<string, StoredRow>,
  copyAbove: number,
): Promise<unknown>[] {
  const sql = ENTITY_SQL[entity];
  const names = ENTITIES[entity].fieldNames;
  const updates: Record<string, unknown>[] = [];
  const fresh: [string, StoredRow][] = [];
  // A COPY is two round trips: a few new rows go in one INSERT (no ON CONFLICT: like the COPY, it fails on a row
  // that exists after all).
  const copy = changed.size > copyAbove;
  const inserts: Record<string, unknown>[] = [];
  for (const [id, row] of changed) {
    if (!row.stored && copy) {
      fresh.push([id, row]);
      continue;
    }
    const r: Record<string, unknown> = {
      id,
      version: row.version,
      deleted: row.deleted,
      deleted_at: row.deletedAt,
      hlc: row.hlc,
      max_hlc: row.maxHlc,
    };
    if (!row.deleted) for (const n of names) r[n] = row.data[n];
    (row.stored ? updates : inserts).push(r);
  }
  function* lines() {
    for (let i = 0; i < fresh.length; i += COPY_CHUNK) {
      let text = '';
      for (const [id, row] of fresh.slice(i, i + COPY_CHUNK)) {
        text += `${userId}\t${id}\t${row.version}\t${row.deleted ? 't' : 'f'}\t${copyText(row.deletedAt)}\t${copyText(row.hlc)}\t${copyText(row.maxHlc)}`;
        for (const n of names) text += `\t${row.deleted ? '\\N' : copyText(row.data[n])}`;
        text += '\n';
      }
      yield text;
    }
  }
  const writes: Promise<unknown>[] = [];
  if (fresh.length > 0) writes.push(tx.copyFrom(sql.table, sql.copyColumns, lines()));
  if (inserts.length > 0) writes.push(tx.query(sql.insert, [userId, JSON.stringify(inserts)]));
  if (updates.length > 0) writes.push(tx.query(sql.upsert, [userId, JSON.stringify(updates)]));
  return writes;
}
