import {
  ENTITIES,
  type EntityData,
  type EntityName,
  type EntitySpec,
  type FieldValue,
  type OperationKind,
  withDefaults,
} from '@selftracker/core';
import type { SqliteExecutor, SqlValue } from './driver.ts';

/** A row as the engine sees it locally: its id, tombstone flag and every field of the entity. */
export interface LocalRow {
  readonly id: string;
  readonly deleted: boolean;
  readonly data: EntityData;
}

/** An operation waiting in the outbox (`sync_queue`). */
export interface QueuedOp {
  seq: number;
  op_id: string;
  entity: EntityName;
  entity_id: string;
  operation: OperationKind;
  data: EntityData | null;
  hlc: string;
  created_at: number;
  attempts: number;
  last_error: string | null;
}

interface TableSql {
  select: string;
  upsert: string;
}

const TABLE_SQL = Object.fromEntries(
  Object.values(ENTITIES).map((spec) => {
    const cols = spec.fieldNames;
    return [
      spec.name,
      {
        select: `SELECT id, deleted, ${cols.join(', ')} FROM ${spec.name} WHERE id = ?`,
        upsert:
          `INSERT INTO ${spec.name} (id, deleted, ${cols.join(', ')}) VALUES (?, ?, ${cols.map(() => '?').join(', ')}) ` +
          `ON CONFLICT (id) DO UPDATE SET deleted = excluded.deleted, ${cols.map((c) => `${c} = excluded.${c}`).join(', ')}`,
      },
    ];
  }),
) as Record<EntityName, TableSql>;

export function toSql(value: FieldValue | undefined): SqlValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** Decodes one SQLite row of an entity table into a LocalRow, typed by the registry. */
export function decodeRow(spec: EntitySpec, r: Record<string, unknown>): LocalRow {
  const data: EntityData = {};
  for (const f of spec.fields) {
    const v = r[f.name];
    data[f.name] =
      v === null || v === undefined ? null : f.kind === 'boolean' ? Boolean(v) : (v as FieldValue);
  }
  return { id: r.id as string, deleted: Boolean(r.deleted), data };
}

export async function readRow(
  tx: SqliteExecutor,
  entity: EntityName,
  id: string,
): Promise<LocalRow | undefined> {
  const [r] = await tx.query<Record<string, unknown>>(TABLE_SQL[entity].select, [id]);
  return r ? decodeRow(ENTITIES[entity], r) : undefined;
}

/** Writes a row (a tombstone keeps no data, matching the server's pull shape). */
export async function writeRow(tx: SqliteExecutor, entity: EntityName, row: LocalRow): Promise<void> {
  const spec = ENTITIES[entity];
  await tx.exec(TABLE_SQL[entity].upsert, rowParams(spec, row));
}

/** Rows per multi-row statement: well under SQLite's 32,766 bound parameters for every entity. */
const CHUNK = 200;

function rowParams(spec: EntitySpec, row: LocalRow): SqlValue[] {
  return [
    row.id,
    row.deleted ? 1 : 0,
    ...spec.fieldNames.map((n) => (row.deleted ? null : toSql(row.data[n]))),
  ];
}

/** Writes many rows with multi-row upserts: a bulk write or a pulled page costs a few statements, not one per row. */
export async function writeRows(
  tx: SqliteExecutor,
  entity: EntityName,
  rows: readonly LocalRow[],
): Promise<void> {
  const spec = ENTITIES[entity];
  const cols = spec.fieldNames;
  const tuple = `(${['?', '?', ...cols.map(() => '?')].join(', ')})`;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await tx.exec(
      `INSERT INTO ${entity} (id, deleted, ${cols.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')} ` +
        `ON CONFLICT (id) DO UPDATE SET deleted = excluded.deleted, ${cols.map((c) => `${c} = excluded.${c}`).join(', ')}`,
      chunk.flatMap((r) => rowParams(spec, r)),
    );
  }
}

export async function removeRow(tx: SqliteExecutor, entity: EntityName, id: string): Promise<void> {
  await tx.exec(`DELETE FROM ${entity} WHERE id = ?`, [id]);
}

const decodeOp = (r: Record<string, unknown>): QueuedOp => ({
  ...(r as unknown as QueuedOp),
  data: r.data === null ? null : (JSON.parse(r.data as string) as EntityData),
});

export async function pendingFor(tx: SqliteExecutor, entity: EntityName, id: string): Promise<QueuedOp[]> {
  const rows = await tx.query<Record<string, unknown>>(
    'SELECT * FROM sync_queue WHERE entity = ? AND entity_id = ? ORDER BY seq',
    [entity, id],
  );
  return rows.map(decodeOp);
}

/** After this many server failures an operation is parked behind the rest of the queue (never dropped). */
export const POISON_ATTEMPTS = 8;

/** The outbox in push order: oldest first, parked (poison) operations last. */
export async function readQueue(tx: SqliteExecutor, limit: number): Promise<QueuedOp[]> {
  const rows = await tx.query<Record<string, unknown>>(
    `SELECT * FROM sync_queue ORDER BY attempts >= ${POISON_ATTEMPTS}, seq LIMIT ?`,
    [limit],
  );
  return rows.map(decodeOp);
}

export type NewOp = Omit<QueuedOp, 'seq' | 'attempts' | 'last_error'>;

const opParams = (op: NewOp): SqlValue[] => [
  op.op_id,
  op.entity,
  op.entity_id,
  op.operation,
  op.data ? JSON.stringify(op.data) : null,
  op.hlc,
  op.created_at,
];

export async function enqueue(tx: SqliteExecutor, op: NewOp): Promise<void> {
  await enqueueMany(tx, [op]);
}

/** Appends operations to the outbox in order, with multi-row inserts. */
export async function enqueueMany(tx: SqliteExecutor, ops: readonly NewOp[]): Promise<void> {
  for (let i = 0; i < ops.length; i += CHUNK) {
    const chunk = ops.slice(i, i + CHUNK);
    await tx.exec(
      `INSERT INTO sync_queue (op_id, entity, entity_id, operation, data, hlc, created_at) VALUES ${chunk
        .map(() => '(?, ?, ?, ?, ?, ?, ?)')
        .join(', ')}`,
      chunk.flatMap(opParams),
    );
  }
}

/**
 * Applies one local operation on top of a row, as this device sees it: a CREATE makes the row (or patches
 * an existing one), an UPDATE patches, a DELETE leaves a tombstone. No HLCs: pending operations are by
 * definition this device's newest intent.
 */
export function applyLocal(
  spec: EntitySpec,
  row: LocalRow | undefined,
  op: Pick<QueuedOp, 'entity_id' | 'operation' | 'data'>,
) {
  if (op.operation === 'DELETE') return row ? { ...row, deleted: true } : undefined;
  if (row?.deleted) return row;
  if (!row) {
    if (op.operation === 'UPDATE') return undefined;
    return { id: op.entity_id, deleted: false, data: withDefaults(spec, op.data ?? {}) };
  }
  return { ...row, data: { ...row.data, ...(op.data ?? {}) } };
}

/** The server's state of a row with this device's pending operations re-applied on top (rebase). */
export function rebase(
  spec: EntitySpec,
  server: LocalRow | undefined,
  pending: readonly QueuedOp[],
): LocalRow | undefined {
  let row = server;
  for (const op of pending) row = applyLocal(spec, row, op);
  return row;
}
