import { describe, expect, it } from 'vitest';
import { type ConnectivityTarget, createBrowserConnectivity } from './connectivity.ts';

/** A stand-in for `window`: an EventTarget with a settable `navigator.onLine`. */
function fakeWindow(onLine = true) {
  const target = new EventTarget();
  const nav = { onLine };
  const win = Object.assign(target, { navigator: nav }) as unknown as ConnectivityTarget;
  return {
    win,
    go(online: boolean) {
      nav.onLine = online;
      target.dispatchEvent(new Event(online ? 'online' : 'offline'));
    },
  };
}

describe('createBrowserConnectivity', () => {
  it('follows navigator.onLine and the online/offline events', () => {
    const w = fakeWindow(false);
    const c = createBrowserConnectivity(w.win);
    const heard: boolean[] = [];
    c.subscribe((o) => heard.push(o));
    expect(c.isOnline()).toBe(false);
    w.go(true);
    expect(c.isOnline()).toBe(true);
    w.go(false);
    expect(heard).toEqual([true, false]);
  });

  it('goes offline on a failed request while the browser still says online, back on success or "online"', () => {
    const w = fakeWindow(true);
    const c = createBrowserConnectivity(w.win);
    const heard: boolean[] = [];
    c.subscribe((o) => heard.push(o));
    c.report(false);
    expect(c.isOnline()).toBe(false);
    c.report(false); // no repeated notifications
    c.report(true);
    expect(c.isOnline()).toBe(true);
    c.report(false);
    w.go(true); // the network came back: try again
    expect(c.isOnline()).toBe(true);
    expect(heard).toEqual([false, true, false, true]);
  });

  it('stops listening after dispose', () => {
    const w = fakeWindow(true);
    const c = createBrowserConnectivity(w.win);
    const heard: boolean[] = [];
    c.subscribe((o) => heard.push(o));
    c.dispose();
    w.go(false);
    expect(heard).toEqual([]);
  });
});
