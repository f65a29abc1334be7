/**
 * The RPC driver's wire format: plain, structured-clone-safe data, so it crosses a worker's `postMessage`, a
 * Tauri IPC call (as JSON, with blobs as byte arrays) or an in-process channel alike. Every request carries an
 * id that its response echoes. `begin` answers a lease: the far side holds one connection in a transaction
 * for it until `commit` or `rollback` names it, the lease times out, or the caller disappears.
 */
import { type SqlParams, type SqlValue, StorageError, type StorageErrorCode } from '../../driver.ts';

export type RpcRequest = {
  id: number;
} /** A statement; inside a transaction it names the transaction's lease. */ & (
  | { op: 'exec' | 'query'; sql: string; params: SqlParams; lease?: number }
  | { op: 'begin' }
  | { op: 'commit' | 'rollback'; lease: number }
  | { op: 'close' }
);

/** `result`: rows changed (exec), rows (query), the lease (begin), null (commit, rollback, close). */
export type RpcResponse =
  | { id: number; ok: true; result: number | Record<string, SqlValue>[] | null }
  | { id: number; ok: false; error: WireError };

/** An error as data: Error subclasses do not survive structured cloning or JSON. */
export interface WireError {
  name: string;
  message: string;
  /** The StorageError code, when `name` is `StorageError`. */
  code?: string;
  /** The native error: its name, message and primitive fields (`code`, `resultCode`, `errno`, ...). */
  cause?: Record<string, string | number | boolean>;
}

const CODES: readonly StorageErrorCode[] = ['constraint', 'busy', 'closed', 'io'];

function primitiveFields(e: unknown): Record<string, string | number | boolean> | undefined {
  if (!(e instanceof Error)) return e === undefined ? undefined : { name: 'Error', message: String(e) };
  const out: Record<string, string | number | boolean> = { name: e.name, message: e.message };
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/** Any thrown value as data; a StorageError keeps its code and its cause's fields. */
export function toWire(e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  const cause = primitiveFields(err.cause);
  return {
    name: err.name,
    message: err.message,
    ...(StorageError.is(err) ? { code: err.code } : {}),
    ...(cause ? { cause } : {}),
  };
}

/** The StorageError a wire error stands for (anything that is not one already becomes `io`), cause rebuilt. */
export function fromWire(w: WireError): StorageError {
  const code = CODES.find((c) => c === w.code) ?? 'io';
  const raw = w.cause ?? (w.name === 'StorageError' ? undefined : { name: w.name, message: w.message });
  const cause = raw && Object.assign(new Error(String(raw.message ?? '')), raw);
  return new StorageError(code, w.message, cause ? { cause } : undefined);
}
