/**
 * The tabs' shared line: every message reaches every other tab of the database (a BroadcastChannel; an
 * in-process stand-in in tests), in the order each sender posted them.
 */
import type { TabMessage } from './protocol.ts';

export interface TabPort {
  post(message: TabMessage): void;
  /** Hears every message other tabs post; returns the function that stops listening. */
  listen(listener: (message: TabMessage) => void): () => void;
  close(): void;
}

/** The subset of the Web Locks API (`navigator.locks`) the tabs use. */
export interface TabLocks {
  request(
    name: string,
    options: { ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>;
}

/** A TabPort on a BroadcastChannel named `name` (the browser's, or Node's global one in tests). */
export function broadcastChannelPort(name: string): TabPort {
  const channel = new BroadcastChannel(name);
  const listeners = new Set<(m: TabMessage) => void>();
  channel.onmessage = (ev: MessageEvent) => {
    for (const l of [...listeners]) l(ev.data as TabMessage);
  };
  return {
    post: (m) => channel.postMessage(m),
    listen(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close() {
      listeners.clear();
      channel.close();
    },
  };
}
