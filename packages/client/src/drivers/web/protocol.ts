import type { WireError } from '../rpc/protocol.ts';

/**
 * The page asks the database worker to open a database: this message, with a MessagePort transferred. The
 * worker answers `OpenReply` on that port, then serves the database on it with the RPC protocol
 * (../rpc/protocol.ts). Other messages are left to other listeners (the benchmark worker adds its own).
 */
export interface OpenRequest {
  type: 'selftracker-open';
  file: string;
  vfs: string;
}

export type OpenReply = { ok: true } | { ok: false; error: WireError };
