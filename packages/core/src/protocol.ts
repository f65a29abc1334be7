import { z } from 'zod';
import { type EntityData, type EntityName, getEntity, isUuid, quotable, validateData } from './entities.ts';
import type { OpRejectCode } from './errors.ts';
import { isHlc } from './hlc.ts';

/** Protocol version spoken by this code (PROTOCOL.md header `X-SelfTracker-Protocol`). */
export const PROTOCOL_VERSION = 1;
export const PROTOCOL_HEADER = 'X-SelfTracker-Protocol';
export const MAX_BODY_BYTES = 2 * 1024 * 1024;
export const MAX_OPS_PER_PUSH = 1000;
export const MAX_PULL_LIMIT = 5000;
export const DEFAULT_PULL_LIMIT = 1000;

export type OperationKind = 'CREATE' | 'UPDATE' | 'DELETE';
export const OPERATION_KINDS: readonly OperationKind[] = ['CREATE', 'UPDATE', 'DELETE'];

/** A validated operation. */
export interface Operation {
  readonly op_id: string;
  readonly entity: EntityName;
  readonly entity_id: string;
  readonly operation: OperationKind;
  readonly data?: EntityData | undefined;
  readonly hlc: string;
}

const OP_KEYS = new Set(['op_id', 'entity', 'entity_id', 'operation', 'data', 'hlc']);

/**
 * Validates one raw operation of a push (everything but the envelope): returns the operation, or the
 * `invalid_op` message for it.
 */
export function validateOp(
  raw: Record<string, unknown>,
): Operation | { code: OpRejectCode; message: string } {
  const bad = (message: string) => ({ code: 'invalid_op' as const, message });
  for (const k of Object.keys(raw)) if (!OP_KEYS.has(k)) return bad(`${quotable(k)}: unknown field`);
  const { op_id, entity, entity_id, operation, data, hlc } = raw;
  if (!isUuid(op_id)) return bad('op_id: must be a UUID');
  const spec = getEntity(entity);
  if (!spec) return bad('entity: must be one of projects, tasks, timers');
  if (!isUuid(entity_id)) return bad('entity_id: must be a UUID');
  if (typeof operation !== 'string' || !OPERATION_KINDS.includes(operation as OperationKind)) {
    return bad('operation: must be CREATE, UPDATE or DELETE');
  }
  if (!isHlc(hlc)) return bad('hlc: missing or malformed (want <wall:15>-<counter:5>-<node>)');
  if (operation === 'DELETE') {
    if (data !== undefined && data !== null) return bad('data: a DELETE carries no data');
    return { op_id, entity: spec.name, entity_id, operation, hlc };
  }
  const problem = validateData(spec, data, operation === 'CREATE' ? 'create' : 'update');
  if (problem) return bad(problem);
  return {
    op_id,
    entity: spec.name,
    entity_id,
    operation: operation as OperationKind,
    data: data as EntityData,
    hlc,
  };
}

/** The push envelope; anything wrong here is `400 invalid_request` for the whole push. */
export const pushRequestSchema = z.strictObject({
  client_id: z.string(),
  ops: z.array(z.looseObject({ op_id: z.string() })),
});
export type PushRequest = z.infer<typeof pushRequestSchema>;

/**
 * True when `body` passes `pushRequestSchema`, without Zod's copy of every operation (a tenth of a push's CPU).
 * On false the schema runs, for its error message.
 */
export function isPushRequest(body: unknown): body is PushRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const keys = Object.keys(body);
  const { client_id, ops } = body as Record<string, unknown>;
  if (keys.length !== 2 || typeof client_id !== 'string' || !Array.isArray(ops)) return false;
  if (!Object.hasOwn(body, 'client_id') || !Object.hasOwn(body, 'ops')) return false;
  for (const op of ops) {
    if (typeof op !== 'object' || op === null || Array.isArray(op) || typeof op.op_id !== 'string')
      return false;
    if (!Object.hasOwn(op, 'op_id')) return false;
  }
  return true;
}

/** A row state as the server serves it in pulls and rejections. */
export interface Change {
  entity: EntityName;
  entity_id: string;
  version: string;
  deleted: boolean;
  data: EntityData | null;
  /**
   * The highest HLC among the row's stored fields (and its delete). Optional: an older server does not send it,
   * and a client must not require it (PROTOCOL.md, Pull).
   */
  hlc?: string;
}

export type OpResult =
  | { op_id: string; status: 'applied' | 'duplicate' }
  | { op_id: string; status: 'rejected'; error: { code: OpRejectCode; message: string }; row: Change | null };

export interface PushResponse {
  results: OpResult[];
  version: string;
}

export interface PullResponse {
  changes: Change[];
  cursor: string;
  has_more: boolean;
}

export interface ChecksumResponse {
  version: string;
  entities: Record<EntityName, { count: number; checksum: string }>;
}

export const credentialsSchema = z.strictObject({ email: z.string(), password: z.string() });
export const refreshRequestSchema = z.strictObject({ refresh_token: z.string() });
/** `POST /v1/auth/password` (PROTOCOL.md Account). */
export const passwordChangeSchema = z.strictObject({
  current_password: z.string(),
  new_password: z.string(),
});
/** `DELETE /v1/account` (PROTOCOL.md Account): the password confirms the deletion. */
export const accountDeleteSchema = z.strictObject({ password: z.string() });

export interface AuthResponse {
  user_id: string;
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface ErrorBody {
  error: { code: string; message: string };
}
