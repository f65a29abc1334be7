import { describe, expect, it } from 'vitest';
import { type NetInfoLike, netInfoConnectivity } from './netinfo-connectivity.ts';

type State = { isConnected: boolean | null; isInternetReachable: boolean | null };

/** NetInfo's edge: the configuration it was given, and its events sent by the test. */
function netInfoStandIn() {
  let listener: ((s: State) => void) | undefined;
  const calls = {
    configured: [] as Parameters<NetInfoLike['configure']>[0][],
    refreshes: 0,
    unsubscribed: 0,
  };
  const netInfo: NetInfoLike = {
    configure: (c) => void calls.configured.push(c),
    addEventListener: (l) => {
      listener = l;
      return () => {
        calls.unsubscribed++;
      };
    },
    refresh: async () => {
      calls.refreshes++;
    },
  };
  return { netInfo, calls, emit: (s: State) => listener?.(s) };
}

describe('netInfoConnectivity', () => {
  it('checks reachability on the server’s /v1/health, counting only a 200 as reachable', async () => {
    const { netInfo, calls } = netInfoStandIn();
    netInfoConnectivity(netInfo, 'https://sync.example.com');
    const config = calls.configured[0]!;
    expect(config.reachabilityUrl).toBe('https://sync.example.com/v1/health');
    expect(config.reachabilityMethod).toBe('GET');
    expect(await config.reachabilityTest(new Response('{}', { status: 200 }))).toBe(true);
    expect(await config.reachabilityTest(new Response('portal', { status: 302 }))).toBe(false);
  });

  it('is offline without a network or with the server unreachable, and tells listeners only of changes', () => {
    const { netInfo, emit } = netInfoStandIn();
    const c = netInfoConnectivity(netInfo, 'http://s');
    const heard: boolean[] = [];
    c.subscribe((online) => heard.push(online));
    emit({ isConnected: true, isInternetReachable: null }); // not checked yet: still online
    expect(c.isOnline()).toBe(true);
    emit({ isConnected: true, isInternetReachable: false }); // captive portal or server down
    expect([c.isOnline(), c.network?.()]).toEqual([false, true]);
    emit({ isConnected: false, isInternetReachable: false });
    expect([c.isOnline(), c.network?.()]).toEqual([false, false]);
    emit({ isConnected: true, isInternetReachable: true });
    expect(c.isOnline()).toBe(true);
    expect(heard).toEqual([false, true]);
  });

  it('counts a failed engine request as unreachable and asks NetInfo to check again', () => {
    const { netInfo, calls, emit } = netInfoStandIn();
    const c = netInfoConnectivity(netInfo, 'http://s');
    c.report(false);
    expect(c.isOnline()).toBe(false);
    expect(calls.refreshes).toBe(1);
    emit({ isConnected: true, isInternetReachable: true }); // the check found the server again
    expect(c.isOnline()).toBe(true);
    c.dispose();
    expect(calls.unsubscribed).toBe(1);
  });
});
