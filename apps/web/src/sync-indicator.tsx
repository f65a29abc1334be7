import { useSyncStatus } from '@selftracker/react';
import { useState } from 'react';
import { useOnline } from './use-online.ts';

type Shown = { tone: 'ok' | 'busy' | 'offline' | 'error'; text: string };

/** What the indicator says, in order of importance: offline, pending changes, an error, synced. */
export function describeSync(
  s: { phase: string; pending: number; lastError: string | null },
  online: boolean,
): Shown {
  const pending = s.pending > 0 ? ` · ${s.pending} pending` : '';
  if (!online || s.phase === 'offline') return { tone: 'offline', text: `Offline${pending}` };
  if (s.phase === 'error') return { tone: 'error', text: `Sync error${pending}` };
  if (s.pending > 0) return { tone: 'busy', text: `${s.pending} pending` };
  if (s.phase === 'syncing') return { tone: 'busy', text: 'Synced · syncing…' };
  return { tone: 'ok', text: 'Synced' };
}

/** The sync indicator (role status, named "Sync status") and the "Sync now" button. */
export function SyncIndicator({ onSyncNow }: { onSyncNow: () => Promise<unknown> }) {
  const status = useSyncStatus();
  const online = useOnline();
  const [busy, setBusy] = useState(false);
  const shown = describeSync(status, online);
  const title = status.lastError
    ? `Last error: ${status.lastError}`
    : status.lastSyncedAt
      ? `Last synced ${new Date(status.lastSyncedAt).toLocaleTimeString()}`
      : 'Not synced yet';
  const syncNow = () => {
    setBusy(true);
    onSyncNow()
      .catch(() => {}) // the failure is shown as state by the indicator
      .finally(() => setBusy(false));
  };
  return (
    <div className="sync">
      <div role="status" aria-label="Sync status" className={`sync-badge sync-${shown.tone}`} title={title}>
        <span className="sync-dot" aria-hidden="true" />
        {shown.text}
      </div>
      <button type="button" className="ghost" onClick={syncNow} disabled={busy}>
        Sync now
      </button>
    </div>
  );
}
