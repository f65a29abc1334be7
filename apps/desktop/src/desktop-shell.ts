/**
 * What the desktop adds around the shared UI: the tray shows the sync status, the pending count and the running
 * timer (reported to Rust with `desktop_status`, which also decides whether closing the window hides it); the
 * tray's `Sync now` and `Stop timer` arrive as events; a native notification says when sync has been failing
 * for more than 10 minutes.
 */
import type { Engine, SyncStatus } from '@selftracker/client';
import { type AppController, formatDuration } from '@selftracker/ui';
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { NOTIFY_AFTER_MS, notificationFor, type TrayStatus, traySyncWord } from './tray-status.ts';

const TICK_MS = 30_000;

async function runningTimer(engine: Engine): Promise<string | null> {
  const [timer] = await engine.timers.running();
  if (!timer) return null;
  const task = timer.task_id ? await engine.tasks.get(timer.task_id) : undefined;
  const name = timer.note || task?.title || 'Timer';
  return `${name} — ${formatDuration(Date.now() - timer.started_at)}`;
}

/**
 * Follows the controller: while a user's engine runs, keeps the tray and the close behaviour up to date.
 * `notifyAfterMs`: how long sync must fail before the notification (lib.rs `DesktopConfig.notify_after_ms`).
 */
export function startDesktopShell(controller: AppController, notifyAfterMs = NOTIFY_AFTER_MS): void {
  let engine: Engine | undefined;
  let notifiedFor: number | undefined;
  let last = '';
  const report = async () => {
    const e = engine;
    // The timer first: the status is read after the last await, so what is sent is never older than a report
    // that ran meanwhile.
    const timer = e ? await runningTimer(e) : null;
    const status: TrayStatus = e
      ? { sync: traySyncWord(e.status, navigator.onLine), pending: e.status.pending, timer }
      : { sync: 'Signed out', pending: 0, timer: null };
    const key = JSON.stringify(status);
    if (key !== last) {
      last = key;
      await invoke('desktop_status', { status });
    }
    if (e) notifiedFor = await notify(e.status, notifiedFor, notifyAfterMs);
  };
  // One report at a time, and one more after it when something changed meanwhile: reports never overtake.
  let running = false;
  let again = false;
  const safeReport = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      do {
        again = false;
        await report().catch((err: unknown) => console.warn('SelfTracker tray:', err));
      } while (again);
      running = false;
    })();
  };

  let unsubscribe: (() => void)[] = [];
  const follow = () => {
    const s = controller.getState();
    const next = s.kind === 'ready' ? s.session.engine : undefined;
    if (next === engine) return;
    for (const u of unsubscribe) u();
    unsubscribe = [];
    engine = next;
    if (next) unsubscribe = [next.subscribe(safeReport), next.onChange(safeReport)];
    safeReport();
  };
  controller.subscribe(follow);
  follow();
  // The timer's elapsed time, and a failing sync's age reaching the notification threshold, change with no event.
  setInterval(safeReport, Math.min(TICK_MS, Math.max(1_000, notifyAfterMs / 2)));

  void listen('tray://sync-now', () => void engine?.sync().catch(() => {}));
  void listen('tray://stop-timer', () => void engine?.timers.stop().catch(() => {}));
}

async function notify(
  status: SyncStatus,
  notifiedFor: number | undefined,
  afterMs: number,
): Promise<number | undefined> {
  const n = notificationFor(status, Date.now(), notifiedFor, afterMs);
  if (n.show) await invoke('desktop_notify', { title: n.show.title, body: n.show.body }).catch(() => {});
  return n.notifiedFor;
}
