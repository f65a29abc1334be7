export type ClientErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'ambiguous_id'
  | 'unauthorized'
  | 'network'
  | 'server'
  | 'rate_limited'
  | 'reset_required'
  | 'upgrade_required'
  | 'rejected';

const RETRYABLE: ReadonlySet<ClientErrorCode> = new Set(['network', 'server', 'rate_limited']);

/** The client engine's one error class: a closed `code`, the cause kept, classified once as retryable or not. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterMs = options?.retryAfterMs;
  }
  readonly retryAfterMs: number | undefined;
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
  static is(e: unknown, code?: ClientErrorCode): e is ClientError {
    const ok = e instanceof ClientError || (e instanceof Error && e.name === 'ClientError' && 'code' in e);
    return ok && (code === undefined || (e as ClientError).code === code);
  }
}

export function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
