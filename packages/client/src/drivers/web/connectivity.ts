import type { Connectivity } from '../../connectivity.ts';

/** What the browser connectivity reads: `window` (or a worker's global scope) in practice. */
export interface ConnectivityTarget {
  readonly navigator: { readonly onLine: boolean };
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

export interface BrowserConnectivity extends Connectivity {
  /** Stops listening to the browser's online/offline events. */
  dispose(): void;
}

/**
 * Connectivity in a browser: offline while `navigator.onLine` is false, and also after the engine reported a
 * failed request (a captive portal or a down server leaves `onLine` true) until a request succeeds or the
 * browser announces `online` again. Listeners hear only real changes.
 */
export function createBrowserConnectivity(
  target: ConnectivityTarget = globalThis as unknown as ConnectivityTarget,
): BrowserConnectivity {
  let reachable = true;
  let last = target.navigator.onLine;
  const listeners = new Set<(online: boolean) => void>();
  const current = () => target.navigator.onLine && reachable;
  const notify = () => {
    const now = current();
    if (now === last) return;
    last = now;
    for (const l of [...listeners]) l(now);
  };
  const onOnline = () => {
    reachable = true; // the network came back: worth trying the server again
    notify();
  };
  const onOffline = () => notify();
  target.addEventListener('online', onOnline);
  target.addEventListener('offline', onOffline);
  return {
    isOnline: current,
    network: () => target.navigator.onLine,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    report(ok) {
      reachable = ok;
      notify();
    },
    dispose() {
      target.removeEventListener('online', onOnline);
      target.removeEventListener('offline', onOffline);
      listeners.clear();
    },
  };
}
