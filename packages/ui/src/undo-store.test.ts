import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createUndoStore, type UndoOffer } from './undo-store.ts';

/** An offer whose steps are recorded in `log` (`commit` optional, as for a change already made). */
function offer(name: string, log: string[], { commit = true, fail = '' } = {}): UndoOffer {
  return {
    message: `${name} done`,
    undo: () => {
      log.push(`undo ${name}`);
      if (fail === 'undo') throw new Error('disk full');
    },
    ...(commit
      ? {
          commit: async () => {
            log.push(`commit ${name}`);
            if (fail === 'commit') throw new Error('database closed');
          },
        }
      : {}),
  };
}

describe('the undo toast state machine', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows an offer for its time, then commits it once', async () => {
    const store = createUndoStore({ timeoutMs: 6000 });
    const log: string[] = [];
    store.offer(offer('a', log));
    expect(store.getSnapshot()).toMatchObject({ kind: 'offer', message: 'a done' });
    await vi.advanceTimersByTimeAsync(5999);
    expect(store.getSnapshot()).not.toBeNull();
    expect(log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.getSnapshot()).toBeNull();
    expect(log).toEqual(['commit a']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(log).toEqual(['commit a']);
    expect(store.undo()).toBe(false); // too late: nothing to undo
  });

  it('undo runs the offer’s undo and never its commit', async () => {
    const store = createUndoStore();
    const log: string[] = [];
    const seen: unknown[] = [];
    store.subscribe(() => seen.push(store.getSnapshot()?.kind ?? null));
    store.offer(offer('a', log));
    expect(store.undo()).toBe(true);
    expect(store.getSnapshot()).toBeNull();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(log).toEqual(['undo a']);
    expect(seen).toEqual(['offer', null]);
    expect(store.undo()).toBe(false);
  });

  it('a newer offer commits the one showing; undo then takes back only the newer one', async () => {
    const store = createUndoStore();
    const log: string[] = [];
    store.offer(offer('a', log));
    const first = store.getSnapshot()!.id;
    store.offer(offer('b', log));
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(['commit a']);
    expect(store.undo(first)).toBe(false); // a stale button does nothing
    expect(store.undo()).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(log).toEqual(['commit a', 'undo b']);
  });

  it('flush commits at once (page hide, sign-out); a change already made has nothing to commit', async () => {
    const store = createUndoStore();
    const log: string[] = [];
    store.offer(offer('a', log, { commit: false }));
    store.flush();
    store.offer(offer('b', log));
    store.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getSnapshot()).toBeNull();
    expect(log).toEqual(['commit b']);
  });

  it('holds the expiry while the user is on the toast, and restarts the full time after', async () => {
    const store = createUndoStore({ timeoutMs: 6000 });
    const log: string[] = [];
    store.offer(offer('a', log));
    await vi.advanceTimersByTimeAsync(5000);
    store.hold(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(store.getSnapshot()).not.toBeNull();
    store.hold(false);
    await vi.advanceTimersByTimeAsync(5999);
    expect(store.getSnapshot()).not.toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(log).toEqual(['commit a']);
  });

  it('a toast that ends while held does not leave the next one held', async () => {
    const store = createUndoStore({ timeoutMs: 6000 });
    const log: string[] = [];
    store.offer(offer('a', log));
    store.hold(true); // the focus is on Undo, which then goes away without a blur
    store.undo();
    store.offer(offer('b', log));
    await vi.advanceTimersByTimeAsync(6000);
    expect(log).toEqual(['undo a', 'commit b']);
  });

  it('shows a failing step as a notice without Undo, which expires', async () => {
    const store = createUndoStore({ timeoutMs: 6000 });
    const log: string[] = [];
    store.offer(offer('a', log, { fail: 'commit' }));
    await vi.advanceTimersByTimeAsync(6000);
    expect(store.getSnapshot()).toMatchObject({
      kind: 'notice',
      message: 'Could not finish: database closed',
    });
    expect(store.undo()).toBe(false);
    await vi.advanceTimersByTimeAsync(6000);
    expect(store.getSnapshot()).toBeNull();

    store.offer(offer('b', log, { fail: 'undo' }));
    store.undo();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getSnapshot()).toMatchObject({ kind: 'notice', message: 'Could not undo: disk full' });
  });
});
