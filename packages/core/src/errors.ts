/** Error codes of the wire protocol (PROTOCOL.md, "Conventions"), plus `not_found` for unknown routes. */
export const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'invalid_credentials',
  'email_taken',
  'not_found',
  'reset_required',
  'request_timeout',
  'payload_too_large',
  'unsupported_media_type',
  'upgrade_required',
  'rate_limited',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** HTTP status for every protocol error code. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  email_taken: 409,
  not_found: 404,
  reset_required: 410,
  request_timeout: 408,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  rate_limited: 429,
  internal: 500,
};

/** Codes of a rejected operation inside a push result. */
export type OpRejectCode = 'invalid_op' | 'not_found' | 'op_id_reused';

/**
 * The one error class of SelfTracker's protocol layer. `is()` also matches by name, so an error
 * that crossed a worker or IPC boundary (losing its prototype) is still recognised.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ErrorCode;
  /** Seconds after which a rate-limited request may be retried. */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfter = options?.retryAfter;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  static is(e: unknown): e is ProtocolError {
    return e instanceof ProtocolError || (e instanceof Error && e.name === 'ProtocolError' && 'code' in e);
  }
}

/** Normalises anything thrown into an Error. */
export function toError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
