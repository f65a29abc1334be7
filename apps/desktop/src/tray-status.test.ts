import { initialStatus, type SyncStatus } from '@selftracker/client';
import { describe, expect, it } from 'vitest';
import { NOTIFY_AFTER_MS, notificationFor, traySyncWord } from './tray-status.ts';

const failing = (code: NonNullable<SyncStatus['lastError']>['code'], at: number): SyncStatus => ({
  ...initialStatus,
  state: 'offline',
  pending: 3,
  lastError: { code, message: 'connect ECONNREFUSED', at },
});

describe('the "sync failing" notification', () => {
  it('comes once per problem, only after it has lasted 10 minutes', () => {
    const s = failing('server-unreachable', 1_000);
    expect(notificationFor(s, 1_000 + NOTIFY_AFTER_MS - 1, undefined)).toEqual({ notifiedFor: undefined });
    const due = notificationFor(s, 1_000 + NOTIFY_AFTER_MS, undefined);
    expect(due.show?.title).toBe('SelfTracker is not syncing');
    expect(due.show?.body).toMatch(/^Server unreachable since .* — 3 changes waiting$/);
    expect(due.notifiedFor).toBe(1_000);
    // The same problem later: no second notification; a new problem (another start) gets its own.
    expect(notificationFor(s, 1_000 + 5 * NOTIFY_AFTER_MS, 1_000).show).toBeUndefined();
    expect(
      notificationFor(failing('server-error', 9_000), 9_000 + NOTIFY_AFTER_MS, 1_000).show,
    ).toBeDefined();
  });

  it('takes a shorter threshold when the app is given one', () => {
    const s = failing('server-unreachable', 1_000);
    expect(notificationFor(s, 2_999, undefined, 2_000).show).toBeUndefined();
    expect(notificationFor(s, 3_000, undefined, 2_000).show?.title).toBe('SelfTracker is not syncing');
  });

  it('stays quiet when the device itself is offline, when a change was refused, and resets once healthy', () => {
    const late = 100 * NOTIFY_AFTER_MS;
    expect(notificationFor(failing('offline', 0), late, undefined).show).toBeUndefined();
    expect(notificationFor(failing('rejected-ops', 0), late, undefined).show).toBeUndefined();
    expect(notificationFor(initialStatus, late, 5)).toEqual({ notifiedFor: undefined });
  });
});

describe('the tray’s sync word', () => {
  it('names the state without the pending count, which the menu line adds', () => {
    const unreachable: SyncStatus = { ...failing('server-unreachable', 1_000), phase: 'offline' };
    expect(traySyncWord(unreachable, true)).toBe('Server unreachable');
    expect(traySyncWord(unreachable, false)).toBe('Offline');
    expect(traySyncWord({ ...initialStatus, lastSyncedAt: 5 }, true)).toBe('Synced');
    expect(traySyncWord({ ...initialStatus, lastSyncedAt: 5, pending: 2 }, true)).toBe('Waiting to sync');
    expect(traySyncWord({ ...initialStatus, lastSyncedAt: 5, pending: 2, phase: 'syncing' }, true)).toBe(
      'Syncing…',
    );
  });
});
