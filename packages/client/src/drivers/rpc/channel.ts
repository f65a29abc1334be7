/**
 * The abstract message link the RPC driver runs over: a worker's MessagePort today, Tauri IPC tomorrow, an
 * in-process pair in tests. Messages arrive in the order they were sent.
 */
import { StorageError } from '../../driver.ts';

/** One end of a two-way message link. */
export interface RpcChannel<Out, In> {
  /** Sends one message; after the link is gone it is dropped (the listener's `onClose` says so). */
  send(message: Out): void;
  /**
   * Delivers every incoming message to `onMessage`, and calls `onClose` once when the link is gone: closed by
   * either end, the other side crashed or reloaded. `reason` may be a StorageError saying why.
   */
  listen(onMessage: (message: In) => void, onClose: (reason?: unknown) => void): void;
  /** Closes this end; the other end's `onClose` runs where the transport can tell (else its lease times out). */
  close(): void;
}

/** A channel end whose link can also be declared gone from outside (a worker crashed, was terminated). */
export interface FailableChannel<Out, In> extends RpcChannel<Out, In> {
  fail(reason: StorageError): void;
}

/** Wraps the listener side of a channel so `onClose` runs at most once and nothing is delivered after it. */
function closeOnce(): {
  listen(onMessage: (m: unknown) => void, onClose: (reason?: unknown) => void): void;
  deliver(m: unknown): void;
  gone(reason?: unknown): void;
  readonly closed: boolean;
} {
  let handlers: { onMessage(m: unknown): void; onClose(reason?: unknown): void } | undefined;
  let closed = false;
  let pendingReason: { reason?: unknown } | undefined;
  return {
    listen(onMessage, onClose) {
      handlers = { onMessage, onClose };
      if (pendingReason) onClose(pendingReason.reason);
    },
    deliver: (m) => {
      if (!closed) handlers?.onMessage(m);
    },
    gone(reason) {
      if (closed) return;
      closed = true;
      if (handlers) handlers.onClose(reason);
      else pendingReason = { reason };
    },
    get closed() {
      return closed;
    },
  };
}

/**
 * Two connected channel ends in one process. Messages are structured-cloned (as `postMessage` does) and
 * delivered in a later microtask; `close()` on either end closes both, as a port or a reloaded webview would.
 */
export function createChannelPair<A, B>(): [FailableChannel<A, B>, FailableChannel<B, A>] {
  const ends = [closeOnce(), closeOnce()] as const;
  const end = <Out, In>(self: 0 | 1): FailableChannel<Out, In> => {
    const mine = ends[self];
    const theirs = ends[1 - self]!;
    const shut = (reason?: unknown) =>
      queueMicrotask(() => {
        mine.gone(reason);
        theirs.gone();
      });
    return {
      send(message) {
        if (mine.closed) return;
        const copy = structuredClone(message);
        queueMicrotask(() => theirs.deliver(copy));
      },
      listen: mine.listen as RpcChannel<Out, In>['listen'],
      close: () => shut(),
      fail: (reason) => shut(reason),
    };
  };
  return [end<A, B>(0), end<B, A>(1)];
}

/**
 * A channel over a MessagePort (one per database in the web worker). The port's `close` event (where the
 * browser has it) and `messageerror` end the link; `fail` ends it from outside, e.g. when the worker died.
 */
export function messagePortChannel<Out, In>(port: MessagePort): FailableChannel<Out, In> {
  const link = closeOnce();
  const end = (reason?: unknown) => {
    link.gone(reason);
    port.close();
  };
  port.addEventListener('message', (ev: MessageEvent) => link.deliver(ev.data));
  port.addEventListener('messageerror', () => end(new StorageError('io', 'an unreadable message arrived')));
  port.addEventListener('close', () => end());
  return {
    send: (message) => {
      if (!link.closed) port.postMessage(message);
    },
    listen(onMessage, onClose) {
      link.listen(onMessage as (m: unknown) => void, onClose);
      port.start();
    },
    close: () => end(),
    fail: (reason) => end(reason),
  };
}
