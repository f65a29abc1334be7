import { initialStatus, type SyncErrorCode, type SyncStatus } from '@selftracker/client';
import { describe, expect, it } from 'vitest';
import { describeSync } from './sync-indicator.tsx';

const at = new Date(2026, 11, 1, 10, 42).getTime();
/** A status in `state` whose last problem is `code`. */
const failing = (
  state: SyncStatus['state'],
  phase: SyncStatus['phase'],
  code: SyncErrorCode,
  o: { pending?: number; message?: string } = {},
): SyncStatus => ({
  ...initialStatus,
  state,
  phase,
  pending: o.pending ?? 0,
  lastError: { code, message: o.message ?? code, at },
});

describe('the sync indicator words each problem code for a person', () => {
  it('offline (no network) keeps the short "Offline · N pending"', () => {
    const s = failing('offline', 'offline', 'offline', { pending: 2 });
    expect(describeSync(s, false)).toMatchObject({ tone: 'offline', text: 'Offline · 2 pending' });
  });

  it('a server that does not answer while the network is up is "Server unreachable", since when', () => {
    const s = failing('offline', 'offline', 'server-unreachable', { pending: 3 });
    const shown = describeSync(s, true);
    expect(shown.text).toBe('Server unreachable · 3 pending');
    expect(shown.title).toMatch(/^Server unreachable since .+ — 3 changes waiting$/);
  });

  it('a refused session says to sign in again', () => {
    const s = failing('unauthorized', 'signed-out', 'unauthorized');
    expect(describeSync(s, true)).toMatchObject({
      tone: 'error',
      text: 'Signed out on this device',
      title: 'Signed out on this device — sign in again',
    });
  });

  it('a server error while backing off shows its headline; the title the message', () => {
    const s = failing('backing-off', 'error', 'server-error', { pending: 1, message: 'HTTP 503' });
    const shown = describeSync(s, true);
    expect(shown).toMatchObject({ tone: 'error', text: 'Server error · 1 pending' });
    expect(shown.title).toMatch(/HTTP 503$/);
  });

  it('changes the server refused do not hide that the rest synced', () => {
    const s = failing('scheduled', 'idle', 'rejected-ops', { message: 'the server refused 1 change' });
    const shown = describeSync(s, true);
    expect(shown).toMatchObject({ tone: 'ok', text: 'Synced' });
    expect(shown.title).toMatch(/refused/);
  });
});
