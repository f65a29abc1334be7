/**
 * The totals of the time section for a range of days. One rule makes them add up: an entry belongs wholly to
 * the local day it started on (an entry from 23:00 to 01:00 counts its 2 hours on the first day, as Toggl and
 * most trackers do; it is never split). So a day's total is the sum of the entries listed under it, the range
 * total the sum of its days, and the per-project totals sum to the range total. Durations are whole seconds
 * (`timerDuration`), so the totals shown equal the sums of the durations shown.
 */
import { type CalendarDate, isoDate } from './calendar-date.ts';
import { dayKey, type TimedEntry, timerDuration } from './format.ts';
import { type DayRange, rangeDays, rangeSpan } from './time-range.ts';

export interface DaySummary<T> {
  date: CalendarDate;
  /** `YYYY-MM-DD` */
  key: string;
  /** The entries that started this day, newest first. */
  entries: T[];
  /** ms, whole seconds */
  total: number;
}

export interface ProjectTotal {
  /** '' for entries without a project */
  projectId: string;
  total: number;
}

export interface RangeSummary<T> {
  /** Every day of the range, in order (days without entries too: the chart has a bar for each). */
  days: DaySummary<T>[];
  /** The entries that started in the range, newest first. */
  entries: T[];
  total: number;
  /** Largest first. */
  perProject: ProjectTotal[];
}

/** Whether an entry started within the range (local midnight of its first day to that after its last). */
export function startedIn(t: TimedEntry, range: Pick<DayRange, 'from' | 'to'>): boolean {
  const span = rangeSpan(range);
  return t.started_at >= span.from && t.started_at < span.to;
}

/** The day, project and range totals of the entries that started in `range`; running ones count up to `now`. */
export function summarizeRange<T extends TimedEntry>(
  timers: readonly T[],
  range: Pick<DayRange, 'from' | 'to'>,
  now: number,
): RangeSummary<T> {
  const days = rangeDays(range).map((date) => ({ date, key: isoDate(date), entries: [] as T[], total: 0 }));
  const byKey = new Map(days.map((d) => [d.key, d]));
  const entries = timers.filter((t) => startedIn(t, range)).sort((a, b) => b.started_at - a.started_at);
  const projects = new Map<string, number>();
  let total = 0;
  for (const t of entries) {
    const ms = timerDuration(t, now);
    const day = byKey.get(dayKey(t.started_at));
    if (!day) continue; // cannot happen: started in the range means started on one of its days
    day.entries.push(t);
    day.total += ms;
    total += ms;
    const p = t.project_id ?? '';
    projects.set(p, (projects.get(p) ?? 0) + ms);
  }
  const perProject = [...projects]
    .map(([projectId, t]) => ({ projectId, total: t }))
    .sort((a, b) => b.total - a.total || a.projectId.localeCompare(b.projectId));
  return { days, entries, total, perProject };
}
