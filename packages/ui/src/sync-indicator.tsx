import { describeSyncProblem, type SyncStatus } from '@selftracker/client';
import { useSyncStatus } from '@selftracker/react';
import { useState } from 'react';
import { useOnline } from './use-online.ts';

type Shown = { tone: 'ok' | 'busy' | 'offline' | 'error'; text: string; title: string };

/**
 * What the indicator says, in order of importance: offline, a problem (worded per code by the client's
 * `describeSyncProblem`), pending changes, synced. The visible text stays short; the title has the sentence.
 */
export function describeSync(s: SyncStatus, online: boolean): Shown {
  const pending = s.pending > 0 ? ` · ${s.pending} pending` : '';
  const synced = s.lastSyncedAt
    ? `Last synced ${new Date(s.lastSyncedAt).toLocaleTimeString()}`
    : 'Not synced yet';
  const problem =
    s.lastError && s.phase !== 'syncing' ? describeSyncProblem(s.lastError, s.pending) : undefined;
  if (!online || s.phase === 'offline') {
    const title = problem?.sentence ?? `Offline${pending ? ` — ${s.pending} changes waiting` : ''}`;
    return {
      tone: 'offline',
      text: `${s.lastError?.code === 'server-unreachable' && online ? 'Server unreachable' : 'Offline'}${pending}`,
      title,
    };
  }
  // The button beside the badge says "Sign in again"; the badge names the state, the title the whole sentence.
  if (s.state === 'unauthorized')
    return { tone: 'error', text: 'Signed out on this device', title: problem?.sentence ?? synced };
  if (problem && s.lastError?.code !== 'rejected-ops' && s.phase === 'error')
    return { tone: 'error', text: `${problem.headline}${pending}`, title: problem.sentence };
  if (s.pending > 0)
    return { tone: 'busy', text: `${s.pending} pending`, title: problem?.sentence ?? synced };
  if (s.phase === 'syncing') return { tone: 'busy', text: 'Synced · syncing…', title: synced };
  return { tone: 'ok', text: 'Synced', title: problem?.sentence ?? synced };
}

/**
 * The sync indicator (role status, named "Sync status") and the "Sync now" button — "Sign in again" instead when
 * the server refused the session (local data and pending changes are kept for the next sign-in).
 */
export function SyncIndicator({
  onSyncNow,
  onSignIn,
}: {
  onSyncNow: () => Promise<unknown>;
  onSignIn: () => void;
}) {
  const status = useSyncStatus();
  const online = useOnline();
  const [busy, setBusy] = useState(false);
  const shown = describeSync(status, online);
  const syncNow = () => {
    setBusy(true);
    onSyncNow()
      .catch(() => {}) // the failure is shown as state by the indicator
      .finally(() => setBusy(false));
  };
  return (
    <div className="sync">
      <div
        role="status"
        aria-label="Sync status"
        className={`sync-badge sync-${shown.tone}`}
        title={shown.title}
      >
        <span className="sync-dot" aria-hidden="true" />
        {shown.text}
      </div>
      {status.state === 'unauthorized' ? (
        <button type="button" onClick={onSignIn}>
          Sign in again
        </button>
      ) : (
        <button type="button" className="ghost sync-now" onClick={syncNow} disabled={busy}>
          <span className="sync-now-icon" aria-hidden="true">
            ↻
          </span>
          <span className="sync-now-label">Sync now</span>
        </button>
      )}
    </div>
  );
}
