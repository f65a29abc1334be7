import { initialStatus, type SyncStatus } from '@selftracker/client';
import { describe, expect, it } from 'vitest';
import { describeSync } from './sync-indicator.tsx';

const status = (s: Partial<SyncStatus>): SyncStatus => ({ ...initialStatus, ...s });
const at = new Date(2026, 11, 1, 10, 42).getTime();

describe('the sync indicator words each problem code for a person', () => {
  it('offline (no network) keeps the short "Offline · N pending"', () => {
    const s = status({
      state: 'offline',
      phase: 'offline',
      pending: 2,
      lastError: { code: 'offline', message: 'x', at },
    });
    expect(describeSync(s, false)).toMatchObject({ tone: 'offline', text: 'Offline · 2 pending' });
  });

  it('a server that does not answer while the network is up is "Server unreachable", since when', () => {
    const s = status({
      state: 'offline',
      phase: 'offline',
      pending: 3,
      lastError: { code: 'server-unreachable', message: 'cannot reach', at },
    });
    const shown = describeSync(s, true);
    expect(shown.text).toBe('Server unreachable · 3 pending');
    expect(shown.title).toMatch(/^Server unreachable since .+ — 3 changes waiting$/);
  });

  it('a refused session says to sign in again', () => {
    const s = status({
      state: 'unauthorized',
      phase: 'signed-out',
      lastError: { code: 'unauthorized', message: 'x', at },
    });
    expect(describeSync(s, true)).toMatchObject({
      tone: 'error',
      text: 'Signed out on this device — sign in again',
    });
  });

  it('a server error while backing off shows its headline; the title the message', () => {
    const s = status({
      state: 'backing-off',
      phase: 'error',
      pending: 1,
      lastError: { code: 'server-error', message: 'HTTP 503', at },
    });
    const shown = describeSync(s, true);
    expect(shown).toMatchObject({ tone: 'error', text: 'Server error · 1 pending' });
    expect(shown.title).toMatch(/HTTP 503$/);
  });

  it('changes the server refused do not hide that the rest synced', () => {
    const s = status({
      state: 'scheduled',
      lastError: { code: 'rejected-ops', message: 'the server refused 1 change', at },
    });
    const shown = describeSync(s, true);
    expect(shown).toMatchObject({ tone: 'ok', text: 'Synced' });
    expect(shown.title).toMatch(/refused/);
  });
});
