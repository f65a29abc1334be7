/** The tray's data and the "sync failing" notification rule, as pure functions (tested without Tauri). */
import { describeSyncProblem, type SyncStatus } from '@selftracker/client';

/** What `desktop_status` takes (apps/desktop/src-tauri/src/tray.rs `TrayStatus`). */
export interface TrayStatus {
  sync: string;
  pending: number;
  timer: string | null;
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
