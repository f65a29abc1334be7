import { hash } from 'node:crypto';
import {
  type Change,
  type ChecksumResponse,
  canonicalJson,
  createHlcClock,
  ENTITIES,
  ENTITY_NAMES,
  type EntityData,
  type EntityName,
  getEntity,
  hlcWall,
  isUuid,
  type MergeRow,
  mergeOp,
  type Operation,
  type OpRejectCode,
  type OpResult,
  ProtocolError,
  type PushRequest,
  type PushResponse,
  validateOp,
} from '@selftracker/core';
import type { Clock } from '../context.ts';
import { copyText } from '../db/copy.ts';
import type { Database, Sql } from '../db/database.ts';
import { type ChecksumRow, ENTITY_SQL } from '../db/entity-sql.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

/** NOTIFY channel carrying `<user_id> <version>` after every commit that changed a user's data. */
export const POKE_CHANNEL = 'selftracker_poke';
/** Operations validated, hashed or merged between two turns of the event loop. */
const SLICE = 100;
/** Lets the event loop take pending I/O (a statement's answer, the next statement's start) before going on. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Rows per chunk of a COPY. */
const COPY_CHUNK = 200;
const LEDGER_COLUMNS = ['user_id', 'op_id', 'content_hash', 'result', 'created_at'];
/** PROTOCOL.md: a client HLC more than this far ahead of the server's clock is replaced. */
export const HLC_MAX_AHEAD_MS = 60_000;

export interface SyncService {
  push(userId: string, req: PushRequest): Promise<PushResponse>;
  /** The pull response, already serialized (the hot path of a fresh device). */
  pull(userId: string, cursor: string | undefined, limit: number): Promise<string>;
  checksum(userId: string): Promise<ChecksumResponse>;
}

interface StoredRow extends MergeRow {
  version: number;
  deletedAt: number | null;
  /** The row exists in the database (else it is written with COPY, the cheapest insert). */
  stored: boolean;
}

interface LedgerEntry {
  hash: string;
  /** null when the operation was applied. */
  result: { code: OpRejectCode; message: string } | null;
}

/**
 * Hash of an operation's content as sent: entity, entity_id, operation, hlc and the canonical JSON of data
 * (key order ignored), as SHA-256 (Node's one-shot `hash`, a third of the cost of a Hash object).
 */
export function contentHash(raw: Record<string, unknown>): string {
  let text: string;
  try {
    const { entity, entity_id, operation, data, hlc } = raw;
    text =
      JSON.stringify([entity ?? null, entity_id ?? null, operation ?? null, hlc ?? null]) +
      canonicalJson(data ?? null);
  } catch {
    text = '\u0000unhashable'; // absurdly nested data: invalid anyway, and still answered deterministically
  }
  return hash('sha256', text, 'base64url').slice(0, 22);
}

function toChange(entity: EntityName, id: string, row: StoredRow | undefined): Change | null {
  if (!row) return null;
  return {
    entity,
    entity_id: id,
    version: String(row.version),
    deleted: row.deleted,
    data: row.deleted ? null : row.data,
  };
}

async function loadRows(tx: Sql, userId: string, ids: Map<EntityName, Set<string>>) {
  const rows = new Map<EntityName, Map<string, StoredRow>>();
  // Every lookup is issued before any is awaited: they run back to back in issue order (see `Sql`).
  const lookups = ENTITY_NAMES.map((entity) => {
    const want = ids.get(entity);
    return want?.size
      ? tx.query<Record<string, unknown>>(ENTITY_SQL[entity].selectByIds, [userId, [...want]])
      : Promise.resolve([]);
  });
  // All at once: a failed lookup must not leave the ones behind it rejected with nobody listening.
  const results = await Promise.all(lookups);
  for (const [i, entity] of ENTITY_NAMES.entries()) {
    const map = new Map<string, StoredRow>();
    rows.set(entity, map);
    const found = results[i]!;
    const names = ENTITIES[entity].fieldNames;
    for (const r of found) {
      const data: EntityData = {};
      if (!r.deleted) for (const n of names) data[n] = r[n] as EntityData[string];
      map.set(r.id as string, {
        version: Number(r.version),
        deleted: r.deleted as boolean,
        deletedAt: (r.deleted_at as number | null) ?? null,
        data,
        hlc: JSON.parse(r.hlc as string) as Record<string, string>,
        stored: true,
      });
    }
  }
  return rows;
}

/**
 * Writes one entity's changed rows: new rows with COPY (the user's row lock guarantees nobody else inserts them),
 * built and sent in chunks; rows that exist with an upsert.
 */
function writeRows(
  tx: Sql,
  userId: string,
  entity: EntityName,
  dirty: Map<string, StoredRow>,
): Promise<unknown>[] {
  const sql = ENTITY_SQL[entity];
  const names = ENTITIES[entity].fieldNames;
  const updates: Record<string, unknown>[] = [];
  const fresh: [string, StoredRow][] = [];
  for (const [id, row] of dirty) {
    if (!row.stored) {
      fresh.push([id, row]);
      continue;
    }
    const r: Record<string, unknown> = {
      id,
      version: row.version,
      deleted: row.deleted,
      deleted_at: row.deletedAt,
      hlc: row.hlc,
    };
    if (!row.deleted) for (const n of names) r[n] = row.data[n];
    updates.push(r);
  }
  function* lines() {
    for (let i = 0; i < fresh.length; i += COPY_CHUNK) {
      let text = '';
      for (const [id, row] of fresh.slice(i, i + COPY_CHUNK)) {
        text += `${userId}\t${id}\t${row.version}\t${row.deleted ? 't' : 'f'}\t${copyText(row.deletedAt)}\t${copyText(row.hlc)}`;
        for (const n of names) text += `\t${row.deleted ? '\\N' : copyText(row.data[n])}`;
        text += '\n';
      }
      yield text;
    }
  }
  const writes: Promise<unknown>[] = [];
  if (fresh.length > 0) writes.push(tx.copyFrom(sql.table, sql.copyColumns, lines()));
  if (updates.length > 0) writes.push(tx.query(sql.upsert, [userId, JSON.stringify(updates)]));
  return writes;
}

export function createSyncService(db: Database, clock: Clock): SyncService {
  const serverClock = createHlcClock({
    node: 'server',
    now: () => clock.now(),
    maxDriftMs: HLC_MAX_AHEAD_MS,
  });

  /** PROTOCOL.md's clamp: a wall more than 60 s ahead is replaced by the server's own HLC. */
  const clamp = (op: Operation): Operation => {
    if (hlcWall(op.hlc) > clock.now() + HLC_MAX_AHEAD_MS) return { ...op, hlc: serverClock.tick() };
    serverClock.receive(op.hlc);
    return op;
  };

  return {
    async push(userId, req) {
      const ids = new Map<EntityName, Set<string>>();
      for (const raw of req.ops) {
        const spec = getEntity(raw.entity);
        if (spec && isUuid(raw.entity_id)) {
          const set = ids.get(spec.name) ?? new Set<string>();
          ids.set(spec.name, set);
          set.add(raw.entity_id.toLowerCase());
        }
      }
      // Only UUID op_ids are recorded: any other op_id is invalid_op on every replay anyway.
      const opIds = [...new Set(req.ops.map((o) => o.op_id).filter(isUuid))];

      return db.transaction(async (tx) => {
        // Row lock on the user: serializes version assignment, so commits happen in version order. The
        // lookups are queued behind it (statements run in issue order, each with a snapshot taken after the
        // lock is held, so they see every earlier push), and the CPU work runs while the database works.
        const userQuery = tx.query<{ version: number }>(
          'SELECT version FROM users WHERE id = $1 FOR UPDATE',
          [userId],
        );
        const ledgerQuery = tx.query<{ op_id: string; content_hash: string; result: LedgerEntry['result'] }>(
          'SELECT l.* FROM unnest($2::uuid[]) AS k(id) CROSS JOIN LATERAL (SELECT op_id, content_hash, result ' +
            'FROM op_ledger WHERE user_id = $1 AND op_id = k.id LIMIT 1) l',
          [userId, opIds],
        );
        const rowsQuery = loadRows(tx, userId, ids);
        for (const q of [userQuery, ledgerQuery, rowsQuery]) q.catch(() => {}); // awaited below, or moot after a throw
        const prepared: {
          raw: (typeof req.ops)[number];
          hash: string;
          checked: ReturnType<typeof validateOp>;
        }[] = [];
        for (const raw of req.ops) {
          prepared.push({ raw, hash: contentHash(raw), checked: validateOp(raw) });
          // Let the event loop take each statement's answer, so the next queued statement starts meanwhile.
          if (prepared.length % SLICE === 0) await yieldToIo();
        }
        const [user] = await userQuery;
        if (!user) throw new ProtocolError('unauthorized', 'account no longer exists');
        let version = Number(user.version);
        const ledger = new Map<string, LedgerEntry>();
        for (const r of await ledgerQuery) {
          ledger.set(r.op_id.toLowerCase(), { hash: r.content_hash, result: r.result });
        }
        const now = clock.now();

        // Which operations are new is known before any merge: their ledger entries go to the database now and
        // are written while the merge runs. The merge only changes an entry's result when it rejects the
        // operation, rarely; those entries are corrected after.
        const firstSeen: (LedgerEntry | undefined)[] = [];
        let ledgerText = '';
        for (const { raw, hash, checked } of prepared) {
          const opKey = raw.op_id.toLowerCase();
          if (ledger.has(opKey)) {
            firstSeen.push(undefined);
            continue;
          }
          const entry: LedgerEntry = { hash, result: 'code' in checked ? checked : null };
          ledger.set(opKey, entry);
          firstSeen.push(entry);
          // Only UUID op_ids are recorded (any other is invalid_op on every replay anyway). Under the user's row
          // lock and after the ledger lookup: none of these is in the ledger.
          if (isUuid(raw.op_id))
            ledgerText += `${userId}\t${raw.op_id}\t${hash}\t${copyText(entry.result)}\t${now}\n`;
        }
        // Each write is awaited at the end; a throw before that rolls back and makes their results moot.
        const writes: Promise<unknown>[] = [];
        const write = (p: Promise<unknown>) => {
          p.catch(() => {});
          writes.push(p);
        };
        if (ledgerText) write(tx.copyFrom('op_ledger', LEDGER_COLUMNS, ledgerText));

        const rows = await rowsQuery;
        const dirty = new Map<EntityName, Map<string, StoredRow>>();
        const mergeRejected: { o: string; r: LedgerEntry['result'] }[] = [];
        const results: OpResult[] = [];

        const currentRow = (raw: Record<string, unknown>): Change | null => {
          const spec = getEntity(raw.entity);
          if (!spec || !isUuid(raw.entity_id)) return null;
          const id = raw.entity_id.toLowerCase();
          return toChange(spec.name, id, rows.get(spec.name)!.get(id));
        };
        const reject = (op_id: string, code: OpRejectCode, message: string, raw: Record<string, unknown>) => {
          results.push({ op_id, status: 'rejected', error: { code, message }, row: currentRow(raw) });
        };

        for (const [i, { raw, hash, checked }] of prepared.entries()) {
          if (i % SLICE === SLICE - 1) await yieldToIo(); // the ledger's COPY proceeds meanwhile
          const entry = firstSeen[i];
          if (!entry) {
            // Applied (or rejected) before, in an earlier push or earlier in this one.
            const prior = ledger.get(raw.op_id.toLowerCase())!;
            if (prior.hash !== hash)
              reject(raw.op_id, 'op_id_reused', 'op_id was used before for another operation', raw);
            else if (prior.result) reject(raw.op_id, prior.result.code, prior.result.message, raw);
            else results.push({ op_id: raw.op_id, status: 'duplicate' });
            continue;
          }
          if (!('code' in checked)) {
            const op = clamp({ ...checked, entity_id: checked.entity_id.toLowerCase() });
            const table = rows.get(op.entity)!;
            const prev = table.get(op.entity_id);
            const outcome = mergeOp(ENTITIES[op.entity], prev, op);
            if (outcome.kind === 'changed') {
              version++;
              const row: StoredRow = {
                ...outcome.row,
                version,
                deletedAt: outcome.row.deleted ? (prev?.deletedAt ?? now) : null,
                stored: prev?.stored ?? false,
              };
              table.set(op.entity_id, row);
              const d = dirty.get(op.entity) ?? new Map<string, StoredRow>();
              dirty.set(op.entity, d);
              d.set(op.entity_id, row);
            } else if (outcome.kind === 'rejected') {
              entry.result = { code: outcome.code, message: outcome.message };
              mergeRejected.push({ o: raw.op_id, r: entry.result });
            }
          }
          if (entry.result) reject(raw.op_id, entry.result.code, entry.result.message, raw);
          else results.push({ op_id: raw.op_id, status: 'applied' });
        }
        if (mergeRejected.length > 0) {
          write(
            tx.query(
              'UPDATE op_ledger l SET result = x.r FROM json_to_recordset($2::json) AS x(o uuid, r jsonb) ' +
                'WHERE l.user_id = $1 AND l.op_id = x.o',
              [userId, JSON.stringify(mergeRejected)],
            ),
          );
        }

        // Every write is issued before any is awaited: one uninterrupted run of statements on the connection.
        for (const [entity, d] of dirty) for (const w of writeRows(tx, userId, entity, d)) write(w);
        if (version !== Number(user.version)) {
          write(
            tx.query('WITH u AS (UPDATE users SET version = $2 WHERE id = $1) SELECT pg_notify($3, $4)', [
              userId,
              version,
              POKE_CHANNEL,
              `${userId} ${version}`,
            ]),
          );
        }
        await Promise.allSettled(writes);
        await Promise.all(writes);
        return { results, version: String(version) };
      });
    },

    async pull(userId, cursor, limit) {
      const after = decodeCursor(cursor);
      const [user] = await db.query<{ pruned_version: number }>(
        'SELECT pruned_version FROM users WHERE id = $1',
        [userId],
      );
      if (!user) throw new ProtocolError('unauthorized', 'account no longer exists');
      if (after > 0 && after < Number(user.pruned_version)) {
        throw new ProtocolError(
          'reset_required',
          'cursor is older than the tombstone horizon: pull from the beginning',
        );
      }
      // One statement, one snapshot: a page never mixes states from different commits. Bitmap scans off: right
      // after a bulk upload the statistics are stale and the planner would scan and sort every row after the
      // cursor for each page (quadratic over a fresh device's sync); the (user_id, version) index is ordered.
      const parts = ENTITY_NAMES.map((n) =>
        ENTITY_SQL[n].changeJson('t.user_id = $1 AND t.version > $2', 'ORDER BY t.version LIMIT $3'),
      );
      const rows = await db.transaction(async (tx) => {
        await tx.query('SET LOCAL enable_bitmapscan = off');
        return tx.query<{ v: number; j: string }>(`${parts.join(' UNION ALL ')} ORDER BY v LIMIT $3`, [
          userId,
          after,
          limit + 1,
        ]);
      });
      const hasMore = rows.length > limit;
      if (hasMore) rows.length = limit;
      const last = rows.at(-1);
      const next = encodeCursor(last ? Number(last.v) : after);
      return `{"changes":[${rows.map((r) => r.j).join(',')}],"cursor":"${next}","has_more":${hasMore}}`;
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
