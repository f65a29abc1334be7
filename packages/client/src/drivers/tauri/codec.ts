/**
 * The RPC wire format as JSON for Tauri's IPC: a Uint8Array parameter travels as `{blob: [bytes]}` and a bigint
 * as `{bigint: "digits"}` (JSON has neither); a blob column comes back as `{blob: [bytes]}`. No other SQLite
 * value is an object, so the decoding is unambiguous.
 */
import type { SqlValue } from '../../driver.ts';
import type { RpcRequest, RpcResponse } from '../rpc/protocol.ts';

type WireParam = string | number | null | { blob: number[] } | { bigint: string };

const encodeParam = (v: SqlValue): WireParam => {
  if (v instanceof Uint8Array) return { blob: Array.from(v) };
  if (typeof v === 'bigint') return { bigint: v.toString() };
  return v;
};

/** A request as JSON-safe data. */
export function encodeRequest(req: RpcRequest): unknown {
  if (req.op !== 'exec' && req.op !== 'query') return req;
  return { ...req, params: req.params.map(encodeParam) };
}

const isBlob = (v: unknown): v is { blob: number[] } =>
  typeof v === 'object' && v !== null && Array.isArray((v as { blob?: unknown }).blob);

/** A response with blob columns as Uint8Array again. */
export function decodeResponse(res: RpcResponse): RpcResponse {
  if (!res.ok || !Array.isArray(res.result)) return res;
  for (const row of res.result) {
    for (const key in row) {
      const v = row[key];
      if (isBlob(v)) row[key] = Uint8Array.from(v.blob);
    }
  }
  return res;
}
