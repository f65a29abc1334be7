/** Whether the network is usable, injected per platform (navigator.onLine, NetInfo, request failures). */
export interface Connectivity {
  isOnline(): boolean;
  /**
   * Whether the device has a network at all (`navigator.onLine`, NetInfo's `isConnected`), where the platform
   * knows; absent when it cannot tell. It tells "offline" from "server unreachable" in the sync status.
   */
  network?(): boolean;
  subscribe(listener: (online: boolean) => void): () => void;
  /** The engine reports what its requests saw; a platform may use or ignore it. */
  report(reachable: boolean): void;
}

/** The Node default: online until a request fails, then offline until one succeeds (the engine probes). */
export function createReportedConnectivity(initial = true): Connectivity {
  let online = initial;
  const listeners = new Set<(online: boolean) => void>();
  return {
    isOnline: () => online,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    report(reachable) {
      if (reachable === online) return;
      online = reachable;
      for (const l of [...listeners]) l(online);
    },
  };
}
