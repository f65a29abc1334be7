/**
 * The RPC driver: a `SqliteDriver` whose connection lives on the far side of a message channel (the web
 * worker today, Tauri's Rust side tomorrow). `createRpcDriver(channel)` is the near half, `serveRpc(driver,
 * channel)` the far half; `protocol.ts` is the wire format a non-TypeScript far side implements.
 */
export {
  createChannelPair,
  type FailableChannel,
  messagePortChannel,
  type RpcChannel,
} from './channel.ts';
export { createRpcDriver } from './client.ts';
export { type RpcService, type ServeRpcOptions, serveRpc } from './host.ts';
export { fromWire, type RpcRequest, type RpcResponse, toWire, type WireError } from './protocol.ts';
