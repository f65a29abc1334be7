/**
 * The RPC driver's channel between one tab and one owner term, carried over the tabs' port. Replies are
 * addressed to the tab and the term, so a reply from an earlier owner never reaches a later link.
 */
import { StorageError } from '../driver.ts';
import type { FailableChannel } from '../drivers/rpc/channel.ts';
import type { RpcRequest, RpcResponse } from '../drivers/rpc/protocol.ts';
import type { TabPort } from './port.ts';

/** One end of an addressed link: `deliver` feeds it what arrived for it; `fail` ends it from outside. */
export interface LinkEnd<Out, In> extends FailableChannel<Out, In> {
  deliver(message: In): void;
  readonly closed: boolean;
}

/** A channel end that sends with `send` and is fed by `deliver`; `onClose` runs once, nothing after it. */
export function linkEnd<Out, In>(send: (m: Out) => void, onEnd: () => void = () => {}): LinkEnd<Out, In> {
  let onMessage: ((m: In) => void) | undefined;
  let onClose: ((reason?: unknown) => void) | undefined;
  let closed: { reason?: unknown } | undefined;
  const end = (reason?: unknown) => {
    if (closed) return;
    closed = { reason };
    onEnd();
    onClose?.(reason);
  };
  return {
    send: (m) => {
      if (!closed) send(m);
    },
    listen(message, close) {
      onMessage = message;
      onClose = close;
      if (closed) close(closed.reason);
    },
    deliver: (m) => {
      if (!closed) onMessage?.(m);
    },
    close: () => end(),
    fail: (reason) => end(reason),
    get closed() {
      return closed !== undefined;
    },
  };
}

/** A tab's near end towards the owner `term`: requests out, the replies meant for it in. */
export function linkToOwner(port: TabPort, tabId: string, term: string): LinkEnd<RpcRequest, RpcResponse> {
  let off = () => {};
  const end = linkEnd<RpcRequest, RpcResponse>(
    (body) => port.post({ type: 'rpc', from: tabId, to: term, body }),
    () => off(),
  );
  off = port.listen((m) => {
    if (m.type === 'rpc-reply' && m.to === tabId && m.term === term) end.deliver(m.body);
  });
  return end;
}

/** Why a link to an owner ended: the owner closed the database or its tab went away. */
export const ownerGone = () =>
  new StorageError('closed', 'the tab that had the database open is gone; retrying with the next one');
