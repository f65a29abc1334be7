import { hash } from 'node:crypto';
import {
  type Change,
  canonicalJson,
  ENTITIES,
  type EntityName,
  getEntity,
  type HlcClock,
  hlcWall,
  isUuid,
  type MergeRow,
  mergeOp,
  type Operation,
  type OpRejectCode,
  type OpResult,
  validateOp,
} from '@selftracker/core';

/**
 * The protocol of a push as a pure function (PROTOCOL.md "Push"): ledger dedupe, validation, the 60 s HLC clamp,
 * the merge and version assignment. `planPush` reads the rows and ledger entries the batch touches and returns
 * everything to write and to answer; `persistPush` (push-persist.ts) writes it. No I/O here.
 */

/** PROTOCOL.md: a client HLC more than this far ahead of the server's clock is replaced. */
export const HLC_MAX_AHEAD_MS = 60_000;

/** An operation as it arrived (the envelope is checked: it is an object with a string op_id). */
export type RawOp = Record<string, unknown> & { op_id: string };

export interface OpError {
  code: OpRejectCode;
  message: string;
}

/** A stored row of an entity table as the push sees it. */
export interface StoredRow extends MergeRow {
  version: number;
  deletedAt: number | null;
  /** The highest HLC among the row's fields, and its delete for a tombstone (a change's `hlc`). */
  maxHlc: string;
  /** The row exists in the database (else it is written with COPY, the cheapest insert). */
  stored: boolean;
}

/** A processed operation, as recorded in the ledger. */
export interface LedgerEntry {
  hash: string;
  /** null when the operation was applied. */
  result: OpError | null;
}

/** An operation with its content hash and its validation, computed before the database answers. */
export interface PreparedOp {
  readonly raw: RawOp;
  readonly hash: string;
  readonly checked: Operation | OpError;
}

/** What the push reads from the database: the user's version, and the ledger entries and rows it touches. */
export interface PushState {
  readonly version: number;
  /** Keyed by lower-case op_id. */
  readonly ledger: ReadonlyMap<string, LedgerEntry>;
  /** Keyed by entity, then lower-case id. */
  readonly rows: ReadonlyMap<EntityName, ReadonlyMap<string, StoredRow>>;
}

/** The server's time for one push: `now` (ms) and its HLC clock, which the clamp ticks and receives into. */
export interface PlanClock {
  readonly now: number;
  readonly hlc: HlcClock;
}

export interface PushPlan {
  readonly results: readonly OpResult[];
  /** The user's version after the push; it grew by one per changed row. */
  readonly version: number;
  /** New ledger entries (UUID op_ids seen for the first time), in operation order. */
  readonly ledger: readonly (LedgerEntry & { opId: string })[];
  /** Every row the push changed, in its final state, by entity then lower-case id. */
  readonly rows: ReadonlyMap<EntityName, ReadonlyMap<string, StoredRow>>;
  /** The time the push was planned at: the ledger's created_at, a new tombstone's deleted_at. */
  readonly now: number;
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

export function prepareOp(raw: RawOp): PreparedOp {
  return { raw, hash: contentHash(raw), checked: validateOp(raw) };
}

export function toChange(entity: EntityName, id: string, row: StoredRow | undefined): Change | null {
  if (!row) return null;
  return {
    entity,
    entity_id: id,
    version: String(row.version),
    deleted: row.deleted,
    hlc: row.maxHlc,
    data: row.deleted ? null : row.data,
  };
}

/** The plan under construction: the state read, overlaid with what the batch did so far. */
interface Draft {
  readonly state: PushState;
  readonly clock: PlanClock;
  version: number;
  readonly seen: Map<string, LedgerEntry>;
  readonly ledger: (LedgerEntry & { opId: string })[];
  readonly rows: Map<EntityName, Map<string, StoredRow>>;
  readonly results: OpResult[];
}

/** Plans a push: operations in array order against `state`, which is left as it is. */
export function planPush(state: PushState, ops: readonly PreparedOp[], clock: PlanClock): PushPlan {
  const steps = planSteps(state, ops, clock, Number.POSITIVE_INFINITY);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * `planPush` in slices of `slice` operations: the caller may let the event loop run between two (so that the
 * statements it issued meanwhile make progress); the plan is the same.
 */
export function* planSteps(
  state: PushState,
  ops: readonly PreparedOp[],
  clock: PlanClock,
  slice: number,
): Generator<void, PushPlan> {
  const d: Draft = {
    state,
    clock,
    version: state.version,
    seen: new Map(),
    ledger: [],
    rows: new Map(),
    results: [],
  };
  for (const [i, op] of ops.entries()) {
    planOne(d, op);
    if (i % slice === slice - 1) yield;
  }
  return { results: d.results, version: d.version, ledger: d.ledger, rows: d.rows, now: clock.now };
}

/**
 * The ledger entries a plan of `ops` will hold, known before any merge: the same operations in the same order,
 * each with its validation's result. The merge may still reject one of them (`not_found`, a cross-field rule).
 */
export function ledgerBeforeMerge(
  ledger: PushState['ledger'],
  ops: readonly PreparedOp[],
): (LedgerEntry & { opId: string })[] {
  const seen = new Set<string>();
  const entries: (LedgerEntry & { opId: string })[] = [];
  for (const { raw, hash, checked } of ops) {
    const key = raw.op_id.toLowerCase();
    if (seen.has(key) || ledger.has(key)) continue;
    seen.add(key);
    if (isUuid(raw.op_id)) entries.push({ opId: raw.op_id, hash, result: invalidity(checked) });
  }
  return entries;
}

/** The `invalid_op` of an operation that failed validation, as recorded and answered; null for a valid one. */
function invalidity(checked: Operation | OpError): OpError | null {
  return 'code' in checked ? { code: checked.code, message: checked.message } : null;
}

function planOne(d: Draft, { raw, hash, checked }: PreparedOp): void {
  const key = raw.op_id.toLowerCase();
  // Processed before, in an earlier push or earlier in this one.
  const prior = d.seen.get(key) ?? d.state.ledger.get(key);
  if (prior) {
    if (prior.hash !== hash)
      reject(d, raw, { code: 'op_id_reused', message: 'op_id was used before for another operation' });
    else if (prior.result) reject(d, raw, prior.result);
    else d.results.push({ op_id: raw.op_id, status: 'duplicate' });
    return;
  }
  const result = 'code' in checked ? invalidity(checked) : apply(d, checked);
  d.seen.set(key, { hash, result });
  // Only UUID op_ids are recorded: any other is invalid_op on every replay anyway.
  if (isUuid(raw.op_id)) d.ledger.push({ opId: raw.op_id, hash, result });
  if (result) reject(d, raw, result);
  else d.results.push({ op_id: raw.op_id, status: 'applied' });
}

/** Clamps and merges a valid operation; a changed row gets the next version. Returns the rejection, if any. */
function apply(d: Draft, checked: Operation): OpError | null {
  const op = clamp({ ...checked, entity_id: checked.entity_id.toLowerCase() }, d.clock);
  const prev = rowOf(d, op.entity, op.entity_id);
  const outcome = mergeOp(ENTITIES[op.entity], prev, op);
  if (outcome.kind === 'rejected') return { code: outcome.code, message: outcome.message };
  if (outcome.kind === 'unchanged') return null;
  d.version++;
  const row: StoredRow = {
    ...outcome.row,
    version: d.version,
    deletedAt: outcome.row.deleted ? (prev?.deletedAt ?? d.clock.now) : null,
    // The operation won a field (or deleted the row): the highest HLC is its own or one the row had.
    maxHlc: prev && prev.maxHlc > op.hlc ? prev.maxHlc : op.hlc,
    stored: prev?.stored ?? false,
  };
  const changed = d.rows.get(op.entity) ?? new Map<string, StoredRow>();
  d.rows.set(op.entity, changed);
  changed.set(op.entity_id, row);
  return null;
}

/** PROTOCOL.md's clamp: a wall more than 60 s ahead is replaced by the server's own HLC. */
function clamp(op: Operation, clock: PlanClock): Operation {
  if (hlcWall(op.hlc) > clock.now + HLC_MAX_AHEAD_MS) return { ...op, hlc: clock.hlc.tick() };
  clock.hlc.receive(op.hlc);
  return op;
}

function rowOf(d: Draft, entity: EntityName, id: string): StoredRow | undefined {
  return d.rows.get(entity)?.get(id) ?? d.state.rows.get(entity)?.get(id);
}

/** A rejection carries the row's current state (after the batch's earlier operations), or null. */
function reject(d: Draft, raw: RawOp, error: OpError): void {
  const spec = getEntity(raw.entity);
  const id = isUuid(raw.entity_id) ? raw.entity_id.toLowerCase() : undefined;
  const row = spec && id ? toChange(spec.name, id, rowOf(d, spec.name, id)) : null;
  d.results.push({
    op_id: raw.op_id,
    status: 'rejected',
    error: { code: error.code, message: error.message },
    row,
  });
}
