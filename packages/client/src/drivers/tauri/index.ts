/**
 * The Tauri driver: the RPC driver of the kit over Tauri commands. The SQLite file is loaded by
 * `@tauri-apps/plugin-sql` (the plugin owns its pool); the app's Rust commands (`db_open`, `db_request`,
 * `db_abandon`, in apps/desktop/src-tauri/src/db.rs) hold one pooled connection per driver and run a
 * transaction as a lease on it, because the plugin's own `execute`/`select` take any pooled connection per call
 * and cannot keep `BEGIN` … `COMMIT` on one. See the package README, "The Tauri driver".
 */
import { invoke as tauriInvoke } from '@tauri-apps/api/core';
import Database from '@tauri-apps/plugin-sql';
import { type SqliteDriver, StorageError } from '../../driver.ts';
import type { FailableChannel } from '../rpc/channel.ts';
import { createRpcDriver } from '../rpc/client.ts';
import type { RpcRequest, RpcResponse } from '../rpc/protocol.ts';
import { decodeResponse, encodeRequest } from './codec.ts';

export { decodeResponse, encodeRequest } from './codec.ts';

/** `invoke` from `@tauri-apps/api/core`, injectable for tests. */
export type Invoke = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

/**
 * A channel to the connection `handle` on the Rust side: each request is one `db_request` call, its response
 * delivered when the call returns. A failed call (the command is missing, the app is quitting) ends the link.
 */
export function tauriChannel(
  handle: number,
  invoke: Invoke = tauriInvoke,
): FailableChannel<RpcRequest, RpcResponse> {
  let onMessage: ((m: RpcResponse) => void) | undefined;
  let onClose: ((reason?: unknown) => void) | undefined;
  let closed = false;
  const gone = (reason?: unknown) => {
    if (closed) return;
    closed = true;
    onClose?.(reason);
  };
  return {
    send(message) {
      if (closed) return;
      invoke<unknown>('db_request', { handle, request: encodeRequest(message) }).then(
        (res) => {
          if (!closed) onMessage?.(decodeResponse(res as RpcResponse));
        },
        (e: unknown) =>
          gone(
            new StorageError(
              'io',
              `the database command failed: ${e instanceof Error ? e.message : String(e)}`,
            ),
          ),
      );
    },
    listen(m, c) {
      onMessage = m;
      onClose = c;
    },
    close: () => gone(),
    fail: (reason) => gone(reason),
  };
}

export interface TauriDriverOptions {
  /** The plugin's database URL: `sqlite:` and an absolute path (else relative to the app's config dir). */
  url: string;
  invoke?: Invoke;
}

/** A Tauri driver and the handle of its connection on the Rust side. */
export type TauriDriver = SqliteDriver & { readonly handle: number };

/** Loads `url` through the SQL plugin and opens a driver on one of its connections. */
export async function openTauriDriver(opts: TauriDriverOptions): Promise<TauriDriver> {
  const invoke = opts.invoke ?? tauriInvoke;
  try {
    if (opts.invoke) await invoke('plugin:sql|load', { db: opts.url });
    else await Database.load(opts.url);
  } catch (e: unknown) {
    throw new StorageError(
      'io',
      `could not open ${opts.url}: ${e instanceof Error ? e.message : String(e)}`,
      {
        cause: e,
      },
    );
  }
  const handle = await invoke<number>('db_open', { db: opts.url });
  return Object.assign(createRpcDriver(tauriChannel(handle, invoke)), { handle });
}

/** Makes the driver's caller vanish as a reloaded webview would (the contract's `vanish`): Rust rolls back. */
export async function abandonTauriDriver(handle: number, invoke: Invoke = tauriInvoke): Promise<void> {
  await invoke('db_abandon', { handle });
}
