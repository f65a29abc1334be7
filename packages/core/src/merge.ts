import type { EntityData, EntitySpec, FieldValue } from './entities.ts';
import type { OpRejectCode } from './errors.ts';
import type { Operation } from './protocol.ts';

/**
 * A row as the merge rule sees it: field values, the HLC that wrote each field, and the tombstone flag.
 * A field without an HLC entry holds its default and loses to any write.
 */
export interface MergeRow {
  readonly deleted: boolean;
  readonly data: EntityData;
  readonly hlc: Readonly<Record<string, string>>;
}

export type MergeOutcome =
  | { readonly kind: 'changed'; readonly row: MergeRow }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'rejected'; readonly code: OpRejectCode; readonly message: string };

const UNCHANGED: MergeOutcome = { kind: 'unchanged' };

/** The tombstone every DELETE leaves: no data, final. */
export const TOMBSTONE: MergeRow = Object.freeze({
  deleted: true,
  data: Object.freeze({}),
  hlc: Object.freeze({}),
});

/** Deterministic tie-break between two values written with the same HLC (only a misbehaving client does that). */
function wins(
  hlc: string,
  value: FieldValue,
  curHlc: string | undefined,
  curValue: FieldValue | undefined,
): boolean {
  if (curHlc === undefined || hlc > curHlc) return true;
  if (hlc < curHlc) return false;
  return JSON.stringify(value) > JSON.stringify(curValue ?? null);
}

/**
 * PROTOCOL.md "Merge rule": per-field last-writer-wins by HLC, CREATE on an existing row merges like an
 * UPDATE, DELETE makes a final tombstone, UPDATE/DELETE of a missing row is `not_found`.
 * The operation must already be validated (`validateOp`). Pure; used by the server and the clients.
 */
export function mergeOp(spec: EntitySpec, current: MergeRow | undefined, op: Operation): MergeOutcome {
  if (op.operation === 'DELETE') {
    if (!current)
      return { kind: 'rejected', code: 'not_found', message: `${op.entity} ${op.entity_id} does not exist` };
    return current.deleted ? UNCHANGED : { kind: 'changed', row: TOMBSTONE };
  }
  const patch = op.data ?? {};
  if (!current) {
    if (op.operation === 'UPDATE') {
      return { kind: 'rejected', code: 'not_found', message: `${op.entity} ${op.entity_id} does not exist` };
    }
    const data: EntityData = {};
    const hlc: Record<string, string> = {};
    for (const f of spec.fields) {
      if (Object.hasOwn(patch, f.name)) {
        data[f.name] = patch[f.name]!;
        hlc[f.name] = op.hlc;
      } else data[f.name] = f.default;
    }
    return checked(spec, { deleted: false, data, hlc });
  }
  if (current.deleted) return UNCHANGED;
  let data: EntityData | undefined;
  let hlc: Record<string, string> | undefined;
  for (const key in patch) {
    const value = patch[key]!;
    if (!wins(op.hlc, value, current.hlc[key], current.data[key])) continue;
    data ??= { ...current.data };
    hlc ??= { ...current.hlc };
    data[key] = value;
    hlc[key] = op.hlc;
  }
  if (!data || !hlc) return UNCHANGED;
  return checked(spec, { deleted: false, data, hlc });
}

function checked(spec: EntitySpec, row: MergeRow): MergeOutcome {
  const problem = spec.check(row.data);
  return problem ? { kind: 'rejected', code: 'invalid_op', message: problem } : { kind: 'changed', row };
}
