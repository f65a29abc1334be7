/**
 * Connectivity on a phone: NetInfo, whose reachability check asks the sync server's `/v1/health` (a captive
 * portal or a dead server counts as offline), plus what the engine's own requests saw.
 */

import NetInfo, { type NetInfoState } from '@react-native-community/netinfo';
import type { BrowserConnectivity } from '@selftracker/client/browser-connectivity';

export function createNetInfoConnectivity(server: string): BrowserConnectivity {
  NetInfo.configure({
    reachabilityUrl: `${server}/v1/health`,
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
  const onState = (s: NetInfoState) => {
    network = s.isConnected !== false;
    // null: not checked yet; only a failed check of /v1/health makes the server unreachable.
    if (s.isInternetReachable === false) reachable = false;
    else if (s.isInternetReachable === true) reachable = true;
    notify();
  };
  const unsubscribe = NetInfo.addEventListener(onState);
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
      if (!ok) void NetInfo.refresh();
    },
    dispose: unsubscribe,
  };
}
