/** Pure formatting and grouping helpers for the time views (unit-tested in format.test.ts). */
import { calendarDateOf, isoDate } from './calendar-date.ts';
import { formatDayKey } from './due-format.ts';

/**
 * The one duration format of the time section: `h:mm:ss` for a duration in ms (`0:05:09`, `12:30:00`), whole
 * seconds (cut, not rounded: a total of whole-second durations is shown exactly as the sum of its parts).
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** A duration as ISO 8601 (`PT1H5M9S`), for `<time dateTime>`. */
export function isoDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  return `PT${Math.floor(total / 3600)}H${Math.floor((total % 3600) / 60)}M${total % 60}S`;
}

const clocks = new Map<string, Intl.DateTimeFormat>();
/** A time of day in the user's locale (or `locale`): "9:05 AM", "09:05". */
export function formatClock(ts: number, locale?: string): string {
  const key = locale ?? '';
  let f = clocks.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
    clocks.set(key, f);
  }
  return f.format(ts);
}

/** The local calendar day of a timestamp as `YYYY-MM-DD`. */
export function dayKey(ts: number): string {
  return isoDate(calendarDateOf(ts));
}

/** `YYYY-MM-DD` for an `<input type="date">` from a ms epoch (local day), or '' for none. */
export function toDateInput(ts: number | null): string {
  return ts === null ? '' : dayKey(ts);
}

/** The ms epoch of local noon on the day an `<input type="date">` holds, or null when empty. */
export function fromDateInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12).getTime();
}

export interface TimedEntry {
  started_at: number;
  stopped_at: number | null;
  project_id: string | null;
}

/**
 * A timer's duration in ms, cut to whole seconds (as `formatDuration` shows it), so every total, being a sum of
 * these, equals the sum of the durations shown beside it. Running timers count up to `now`.
 */
export function timerDuration(t: TimedEntry, now: number): number {
  return Math.floor(Math.max(0, (t.stopped_at ?? now) - t.started_at) / 1000) * 1000;
}

export interface Group<T> {
  key: string;
  items: T[];
  total: number;
}

/** Groups timers by local start day, newest day first, with the day's total. */
export function groupByDay<T extends TimedEntry>(timers: readonly T[], now: number): Group<T>[] {
  const groups = new Map<string, Group<T>>();
  for (const t of timers) {
    const key = dayKey(t.started_at);
    let g = groups.get(key);
    if (!g) {
      g = { key, items: [], total: 0 };
      groups.set(key, g);
    }
    g.items.push(t);
    g.total += timerDuration(t, now);
  }
  return [...groups.values()].sort((a, b) => (a.key < b.key ? 1 : -1));
}

/** Total time per project id ('' for timers without a project), largest first. */
export function totalsByProject(
  timers: readonly TimedEntry[],
  now: number,
): { projectId: string; total: number }[] {
  const totals = new Map<string, number>();
  for (const t of timers) {
    const key = t.project_id ?? '';
    totals.set(key, (totals.get(key) ?? 0) + timerDuration(t, now));
  }
  return [...totals].map(([projectId, total]) => ({ projectId, total })).sort((a, b) => b.total - a.total);
}

/** A day key as people read it: Today, Yesterday (by calendar day), or the weekday and date. */
export function formatDay(key: string, now: number): string {
  return formatDayKey(key, calendarDateOf(now));
}
