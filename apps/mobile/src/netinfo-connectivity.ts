/**
 * Connectivity from NetInfo, platform-free (NetInfo is passed in, so this is tested in Node with a stand-in):
 * NetInfo's reachability check asks the sync server's `/v1/health`, so a captive portal or a dead server counts
 * as offline; a failed engine request also counts, and asks NetInfo to check again.
 */
import type { BrowserConnectivity } from '@selftracker/client/browser-connectivity';

/** The part of `@react-native-community/netinfo` used here. */
export interface NetInfoLike {
  configure(config: {
    reachabilityUrl: string;
    reachabilityMethod: 'GET' | 'HEAD';
    reachabilityTest: (response: Response) => Promise<boolean>;
    reachabilityShortTimeout: number;
    reachabilityLongTimeout: number;
    reachabilityRequestTimeout: number;
  }): void;
  addEventListener(
    listener: (state: { isConnected: boolean | null; isInternetReachable: boolean | null }) => void,
  ): () => void;
  refresh(): Promise<unknown>;
}

export function netInfoConnectivity(netInfo: NetInfoLike, server: string): BrowserConnectivity {
  netInfo.configure({
    reachabilityUrl: `${server}/v1/health`,
    reachabilityMethod: 'GET', // the protocol defines GET /v1/health
    reachabilityTest: async (response) => response.status === 200,
    reachabilityShortTimeout: 5_000,
    reachabilityLongTimeout: 60_000,
    reachabilityRequestTimeout: 10_000,
  });
  let network = true;
  let reachable = true;
  let last = true;
  const listeners = new Set<(online: boolean) => void>();
  const current = () => network && reachable;
  const notify = () => {
    const now = current();
    if (now === last) return;
    last = now;
    for (const l of [...listeners]) l(now);
  };
  const unsubscribe = netInfo.addEventListener((s) => {
    network = s.isConnected !== false;
    // null: not checked yet; only a failed check of /v1/health makes the server unreachable.
    if (s.isInternetReachable !== null) reachable = s.isInternetReachable;
    notify();
  });
  return {
    isOnline: current,
    network: () => network,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    report(ok) {
      if (ok === reachable) return;
      reachable = ok;
      notify();
      // A failed request: ask NetInfo to check the server again, so "back" is noticed without a user action.
      if (!ok) void netInfo.refresh().catch(() => {});
    },
    dispose: unsubscribe,
  };
}
