/**
 * The chaos run's checker: pure functions over the recorded history and the final states, after healing.
 *
 * The model is a last-writer-wins register per field (PROTOCOL.md Push, merge rule): a row's field ends with the
 * value of the write with the highest HLC among the writes to it, a CREATE writing every field (defaults for the
 * ones it leaves out); a DELETE makes the row a tombstone for good. The writes are the ones each device committed
 * locally (its `chaos_log`): its outbox is durable, so every one of them must reach the server.
 */
import {
  canonicalJson,
  ENTITIES,
  ENTITY_NAMES,
  type EntityData,
  type EntityName,
  type FieldValue,
  withDefaults,
} from '@selftracker/core';

/** A local write as the device's outbox queued it (and `chaos_log` kept it). */
export interface LoggedWrite {
  client: number;
  user: string;
  seq: number;
  op_id: string;
  entity: EntityName;
  entity_id: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  data: EntityData | null;
  hlc: string;
  at: number;
}

/** One per-operation result of a push, as the client received it. */
export interface PushResult {
  client: number;
  t: number;
  op_id: string;
  status: 'applied' | 'duplicate' | 'rejected';
  code?: string;
}

/** A row's state: a tombstone has no data. */
export interface RowState {
  deleted: boolean;
  data: EntityData | null;
}

/** `entity:id` → state. */
export type RowMap = Map<string, RowState>;

export type Checksums = Record<EntityName, { count: number; checksum: string }>;

export interface FinalState {
  /** Per user id: the server's rows (a pull from the beginning), its checksums, and the op ledger if readable. */
  server: Map<string, { rows: RowMap; checksums: Checksums; ledger?: Set<string> }>;
  clients: { index: number; user: string; rows: RowMap; pending: number; checksums: Checksums }[];
}

export interface Violation {
  check: string;
  message: string;
  /** The rows (`entity:id`) that show it, for the filtered history. */
  keys: string[];
}

export const rowKey = (entity: string, id: string) => `${entity}:${id}`;

/** Every check; an empty list means the run is consistent with the model. */
export function checkHistory(
  writes: readonly LoggedWrite[],
  results: readonly PushResult[],
  final: FinalState,
) {
  return [
    ...checkReplicas(final),
    ...checkDelivery(writes, results, final),
    ...checkModel(writes, final),
    ...checkClocks(writes),
  ];
}

/** Every device equals the server of its user, row for row and by checksum, and has nothing left to push. */
export function checkReplicas(final: FinalState): Violation[] {
  const out: Violation[] = [];
  for (const c of final.clients) {
    if (c.pending !== 0)
      out.push({
        check: 'outbox-empty',
        message: `client ${c.index} still has ${c.pending} queued`,
        keys: [],
      });
    const server = final.server.get(c.user);
    if (!server) continue;
    const diff: string[] = [];
    for (const key of new Set([...server.rows.keys(), ...c.rows.keys()])) {
      const a = server.rows.get(key);
      const b = c.rows.get(key);
      if (!a || !b || canonicalJson(a) !== canonicalJson(b)) diff.push(key);
    }
    if (diff.length)
      out.push({
        check: 'replica-equals-server',
        message: `client ${c.index} differs from the server on ${diff.length} row(s): ${diff
          .slice(0, 3)
          .map((k) => `${k} server=${show(server.rows.get(k))} client=${show(c.rows.get(k))}`)
          .join('; ')}`,
        keys: diff,
      });
    const drift = ENTITY_NAMES.filter((e) => !sameChecksums(c.checksums, server.checksums, e));
    if (drift.length)
      out.push({
        check: 'checksums',
        message: `client ${c.index} checksum differs on ${drift.join(', ')}: ${drift
          .map((e) => `${JSON.stringify(c.checksums[e])} vs server ${JSON.stringify(server.checksums[e])}`)
          .join('; ')}`,
        keys: [],
      });
  }
  return out;
}

/** Committed writes reached the server, acknowledged ones are known and kept, none was applied twice or refused. */
export function checkDelivery(
  writes: readonly LoggedWrite[],
  results: readonly PushResult[],
  final: FinalState,
): Violation[] {
  const out: Violation[] = [];
  const byOp = new Map(writes.map((w) => [w.op_id, w]));
  const keyOf = (op: string) => {
    const w = byOp.get(op);
    return w ? [rowKey(w.entity, w.entity_id)] : [];
  };
  for (const w of writes) {
    const ledger = final.server.get(w.user)?.ledger;
    if (ledger && !ledger.has(w.op_id))
      out.push({
        check: 'committed-write-delivered',
        message: `op ${w.op_id} (${w.operation} ${w.entity} by client ${w.client}) committed locally, never reached the server`,
        keys: [rowKey(w.entity, w.entity_id)],
      });
  }
  const applied = new Map<string, number>();
  for (const r of results) {
    const w = byOp.get(r.op_id);
    if (!w)
      out.push({
        check: 'acknowledged-known',
        message: `client ${r.client} got ${r.status} for op ${r.op_id}, which no device committed`,
        keys: [],
      });
    if (r.status === 'applied') applied.set(r.op_id, (applied.get(r.op_id) ?? 0) + 1);
    if (r.status === 'rejected')
      out.push({
        check: 'no-rejection',
        message: `op ${r.op_id} rejected (${r.code}) for client ${r.client}`,
        keys: keyOf(r.op_id),
      });
    const ledger = w ? final.server.get(w.user)?.ledger : undefined;
    if (w && r.status !== 'rejected' && ledger && !ledger.has(r.op_id))
      out.push({
        check: 'acknowledged-kept',
        message: `op ${r.op_id} acknowledged (${r.status}) but missing from the server's ledger`,
        keys: keyOf(r.op_id),
      });
  }
  for (const [op, n] of applied)
    if (n > 1)
      out.push({ check: 'applied-once', message: `op ${op} answered "applied" ${n} times`, keys: keyOf(op) });
  return out;
}

/** The server's rows are what the LWW-register model of every committed write says, and nothing else. */
export function checkModel(writes: readonly LoggedWrite[], final: FinalState): Violation[] {
  const out: Violation[] = [];
  const expected = expectedRows(writes);
  for (const [user, server] of final.server) {
    const model = expected.get(user) ?? new Map<string, RowState>();
    for (const key of server.rows.keys())
      if (!model.has(key))
        out.push({
          check: 'no-phantom-row',
          message: `server row ${key} of user ${user} was never written`,
          keys: [key],
        });
    for (const [key, want] of model) {
      const got = server.rows.get(key);
      if (!got) {
        out.push({ check: 'row-present', message: `row ${key} is missing on the server`, keys: [key] });
      } else if (want.deleted && !got.deleted) {
        out.push({
          check: 'deleted-stays-deleted',
          message: `row ${key} was deleted but is live: ${show(got)}`,
          keys: [key],
        });
      } else if (!want.deleted && got.deleted) {
        out.push({
          check: 'no-spurious-delete',
          message: `row ${key} is a tombstone, no device deleted it`,
          keys: [key],
        });
      } else if (!want.deleted) {
        const wrong = Object.keys(want.data!).filter((f) => got.data?.[f] !== want.data![f]);
        if (wrong.length)
          out.push({
            check: 'lww-register',
            message: `row ${key}: ${wrong
              .map(
                (f) =>
                  `${f} is ${JSON.stringify(got.data?.[f])}, the newest write says ${JSON.stringify(want.data![f])}`,
              )
              .join('; ')}`,
            keys: [key],
          });
      }
    }
  }
  return out;
}

/** Per user, the rows the writes describe under per-field last-writer-wins with final tombstones. */
export function expectedRows(writes: readonly LoggedWrite[]): Map<string, Map<string, RowState>> {
  const fields = new Map<string, Map<string, { hlc: string; value: FieldValue }>>();
  const users = new Map<string, Map<string, RowState>>();
  for (const w of writes) {
    const key = rowKey(w.entity, w.entity_id);
    const rows = users.get(w.user) ?? new Map<string, RowState>();
    users.set(w.user, rows);
    const row = rows.get(key) ?? { deleted: false, data: {} };
    rows.set(key, row);
    if (w.operation === 'DELETE') {
      row.deleted = true;
      row.data = null;
      continue;
    }
    const reg = fields.get(`${w.user}/${key}`) ?? new Map();
    fields.set(`${w.user}/${key}`, reg);
    const data = w.operation === 'CREATE' ? withDefaults(ENTITIES[w.entity], w.data ?? {}) : (w.data ?? {});
    for (const [f, value] of Object.entries(data)) {
      const cur = reg.get(f);
      if (!cur || w.hlc > cur.hlc) reg.set(f, { hlc: w.hlc, value });
    }
  }
  for (const [user, rows] of users)
    for (const [key, row] of rows) {
      if (row.deleted) continue;
      const reg = fields.get(`${user}/${key}`) ?? new Map();
      row.data = Object.fromEntries([...reg].map(([f, v]) => [f, v.value]));
    }
  return users;
}

/** Each device's HLCs strictly increase in outbox order, across its restarts. */
export function checkClocks(writes: readonly LoggedWrite[]): Violation[] {
  const out: Violation[] = [];
  const last = new Map<number, LoggedWrite>();
  for (const w of [...writes].sort((a, b) => a.client - b.client || a.seq - b.seq)) {
    const prev = last.get(w.client);
    if (prev && w.hlc <= prev.hlc)
      out.push({
        check: 'hlc-monotonic',
        message: `client ${w.client}: op ${w.op_id} has HLC ${w.hlc}, not after ${prev.hlc} of the op before it`,
        keys: [rowKey(w.entity, w.entity_id), rowKey(prev.entity, prev.entity_id)],
      });
    last.set(w.client, w);
  }
  return out;
}

/** Whether two sets of checksums agree (on one entity, or on all three). */
export function sameChecksums(a: Checksums, b: Checksums, only?: EntityName): boolean {
  return (only ? [only] : ENTITY_NAMES).every(
    (e) => a[e].count === b[e].count && a[e].checksum === b[e].checksum,
  );
}

function show(r: RowState | undefined): string {
  return r === undefined ? 'absent' : r.deleted ? 'tombstone' : canonicalJson(r.data);
}
