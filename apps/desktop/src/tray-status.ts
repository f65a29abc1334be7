/** The tray's data and the "sync failing" notification rule, as pure functions (tested without Tauri). */
import { describeSyncProblem, type SyncStatus } from '@selftracker/client';
import { describeSync } from '@selftracker/ui';

/** What `desktop_status` takes (apps/desktop/src-tauri/src/tray.rs `TrayStatus`). */
export interface TrayStatus {
  sync: string;
  pending: number;
  timer: string | null;
}

/**
 * The tray's word for the sync state, without the pending count (the menu line adds "· n changes pending"):
 * the app's own badge words ("Synced", "Offline", "Server unreachable", a problem's headline), and "Waiting to
 * sync" while changes wait with nothing wrong.
 */
export function traySyncWord(s: SyncStatus, online: boolean): string {
  const word = describeSync({ ...s, pending: 0 }, online).text;
  if (s.pending > 0 && word.startsWith('Synced'))
    return s.phase === 'syncing' ? 'Syncing…' : 'Waiting to sync';
  return word;
}

/** How long sync must have been failing before the desktop says so with a notification. */
export const NOTIFY_AFTER_MS = 10 * 60 * 1000;

/**
 * Whether to show a notification now: once per problem (identified by when it started), after it has lasted
 * `afterMs` (`NOTIFY_AFTER_MS` unless the app is told otherwise). A device with no network at all is not a failure worth a notification (the user knows);
 * an unreachable or failing server, a refused session or a storage failure is.
 */
export function notificationFor(
  s: SyncStatus,
  now: number,
  notifiedFor: number | undefined,
  afterMs = NOTIFY_AFTER_MS,
): { show?: { title: string; body: string }; notifiedFor: number | undefined } {
  const e = s.lastError;
  if (!e || e.code === 'offline' || e.code === 'rejected-ops') return { notifiedFor: undefined };
  if (notifiedFor === e.at || now - e.at < afterMs) return { notifiedFor };
  const { sentence } = describeSyncProblem(e, s.pending);
  return { show: { title: 'SelfTracker is not syncing', body: sentence }, notifiedFor: e.at };
}
