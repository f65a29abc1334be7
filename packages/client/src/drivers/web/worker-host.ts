/**
 * The page's side of one database worker: opens databases in it, each on its own MessagePort served by the
 * worker with the RPC protocol, and keeps the worker alive while a driver uses it (the last close
 * terminates it). A worker that fails ends every driver on it with `StorageError('io')`.
 */
import { type SqliteDriver, StorageError } from '../../driver.ts';
import { type FailableChannel, messagePortChannel, type RpcChannel } from '../rpc/channel.ts';
import { createRpcDriver } from '../rpc/client.ts';
import { fromWire, type RpcRequest, type RpcResponse } from '../rpc/protocol.ts';
import type { OpenReply, OpenRequest } from './protocol.ts';

type Port = FailableChannel<RpcRequest, RpcResponse>;

export interface WorkerHost {
  /** Opens `file` on the VFS `vfs` in the worker; the driver's `close()` gives the worker back. */
  open(file: string, vfs: string): Promise<SqliteDriver>;
}

/**
 * Waits for the worker's `OpenReply` (the port's first message), then hands the port on to the RPC driver.
 * A link that ends before or in between is reported to whichever listens then.
 */
async function afterOpenReply(port: Port): Promise<RpcChannel<RpcRequest, RpcResponse>> {
  let onMessage: (m: unknown) => void = () => {};
  let onClose: (reason?: unknown) => void = () => {};
  let closed: { reason?: unknown } | undefined;
  const reply = new Promise<OpenReply>((resolve, reject) => {
    onMessage = (m) => resolve(m as OpenReply);
    onClose = (reason) =>
      reject(StorageError.is(reason) ? reason : new StorageError('io', 'the database worker is gone'));
  });
  port.listen(
    (m) => onMessage(m),
    (reason) => {
      closed = { reason };
      onClose(reason);
    },
  );
  const r = await reply;
  if (!r.ok) {
    port.close();
    throw fromWire(r.error);
  }
  return {
    send: (m) => port.send(m),
    close: () => port.close(),
    listen(message, close) {
      onMessage = message as (m: unknown) => void;
      onClose = close;
      if (closed) close(closed.reason);
    },
  };
}

/** Wraps a worker. `onEmpty` runs when the last driver released it, before it is terminated. */
export function createWorkerHost(worker: Worker, onEmpty: () => void): WorkerHost {
  const ports = new Set<Port>();
  let refs = 0;
  let dead: StorageError | undefined;
  const failAll = (err: StorageError) => {
    dead = err;
    for (const p of ports) p.fail(err);
    ports.clear();
  };
  worker.addEventListener('error', (ev: ErrorEvent) => {
    ev.preventDefault();
    const why = `the database worker failed: ${ev.message || 'it could not start'}`;
    failAll(new StorageError('io', why, { cause: ev.error }));
  });
  const release = (port: Port) => {
    ports.delete(port);
    if (--refs > 0) return;
    onEmpty();
    failAll(new StorageError('closed', 'the database worker was terminated'));
    // The worker paused its VFS when its last connection closed: the OPFS handles are already free.
    worker.terminate();
  };

  return {
    async open(file, vfs) {
      if (dead) throw dead;
      const { port1, port2 } = new MessageChannel();
      const port: Port = messagePortChannel(port1);
      ports.add(port);
      refs++;
      let driver: SqliteDriver;
      try {
        worker.postMessage({ type: 'selftracker-open', file, vfs } satisfies OpenRequest, [port2]);
        driver = createRpcDriver(await afterOpenReply(port));
      } catch (e: unknown) {
        release(port);
        throw e;
      }
      let released = false;
      return {
        ...driver,
        close: async () => {
          try {
            await driver.close();
          } finally {
            if (!released) release(port);
            released = true;
          }
        },
      };
    },
  };
}
