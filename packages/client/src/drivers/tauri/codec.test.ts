import { describe, expect, it } from 'vitest';
import type { RpcResponse } from '../rpc/protocol.ts';
import { decodeResponse, encodeRequest } from './codec.ts';

describe('the Tauri driver codec', () => {
  it('encodes blobs and bigints as JSON objects, leaves the other values and ops alone', () => {
    const req = encodeRequest({
      id: 3,
      op: 'exec',
      sql: 'INSERT INTO t VALUES (?, ?, ?, ?, ?)',
      params: [null, 1.5, 'x', new Uint8Array([0, 255]), 9007199254740993n],
      lease: 2,
    });
    expect(JSON.parse(JSON.stringify(req))).toEqual({
      id: 3,
      op: 'exec',
      sql: 'INSERT INTO t VALUES (?, ?, ?, ?, ?)',
      params: [null, 1.5, 'x', { blob: [0, 255] }, { bigint: '9007199254740993' }],
      lease: 2,
    });
    expect(encodeRequest({ id: 4, op: 'commit', lease: 2 })).toEqual({ id: 4, op: 'commit', lease: 2 });
  });

  it('decodes blob columns back to Uint8Array and passes errors through', () => {
    const res = decodeResponse({
      id: 1,
      ok: true,
      result: [{ a: { blob: [1, 2] }, b: 'text', c: null }] as never,
    } as RpcResponse);
    expect(res).toEqual({ id: 1, ok: true, result: [{ a: new Uint8Array([1, 2]), b: 'text', c: null }] });
    const err = {
      id: 2,
      ok: false,
      error: { name: 'StorageError', message: 'm', code: 'busy' },
    } as RpcResponse;
    expect(decodeResponse(err)).toBe(err);
    expect(decodeResponse({ id: 5, ok: true, result: 3 } as RpcResponse)).toEqual({
      id: 5,
      ok: true,
      result: 3,
    });
  });
});
