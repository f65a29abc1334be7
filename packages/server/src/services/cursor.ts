import { ProtocolError } from '@selftracker/core';

/** Pull cursors are opaque to clients: base64url of `v1:<version>`. */
export function encodeCursor(version: number): string {
  return Buffer.from(`v1:${version}`).toString('base64url');
}

/** The version a cursor stands for (0 for none); `invalid_request` for anything that is not one of ours. */
export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const m = /^v1:(0|[1-9]\d{0,15})$/.exec(
    /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '',
  );
  if (!m) throw new ProtocolError('invalid_request', 'cursor: not a cursor this server issued');
  return Number(m[1]);
}
