/// <reference lib="webworker" />
/**
 * The database worker's body: answers `OpenRequest`s (protocol.ts) by opening the database in this worker and
 * serving it over the transferred port with `serveRpc`. `worker.ts` is the production entry; a tool's own
 * worker (the benchmark's) calls `serveDatabaseWorker(self)` and adds its messages beside it.
 */
import { messagePortChannel } from '../rpc/channel.ts';
import { serveRpc } from '../rpc/host.ts';
import { type RpcRequest, type RpcResponse, toWire } from '../rpc/protocol.ts';
import type { OpenReply, OpenRequest } from './protocol.ts';
import { openWasmDatabase } from './sqlite-wasm.ts';

export { openWasmDatabase, type WasmDb } from './sqlite-wasm.ts';

async function openAndServe(req: OpenRequest, port: MessagePort): Promise<void> {
  let opened: Awaited<ReturnType<typeof openWasmDatabase>>;
  try {
    opened = await openWasmDatabase(req.file, req.vfs);
  } catch (e: unknown) {
    port.postMessage({ ok: false, error: toWire(e) } satisfies OpenReply);
    port.close();
    return;
  }
  port.postMessage({ ok: true } satisfies OpenReply);
  serveRpc(opened.driver, messagePortChannel<RpcResponse, RpcRequest>(port));
}

/** Makes this worker a database worker: every `OpenRequest` opens a database and serves it on its port. */
export function serveDatabaseWorker(scope: DedicatedWorkerGlobalScope): void {
  scope.addEventListener('message', (ev: MessageEvent) => {
    const req = ev.data as Partial<OpenRequest> | undefined;
    const port = ev.ports[0];
    if (req?.type !== 'selftracker-open' || !port) return;
    void openAndServe(req as OpenRequest, port);
  });
}
