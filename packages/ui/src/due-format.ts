/**
 * How dates read everywhere in the app: one set of locale-aware `Intl.DateTimeFormat`s, and the relative due
 * label of a task ("Today", "Tomorrow", "Fri", "Dec 5", "3 days overdue").
 */
import { type CalendarDate, calendarDateOf, daysBetween, isoDate, utcDate } from './calendar-date.ts';

/** The date formats of the app: `weekday` "Fri", `short` "Dec 5", `year` "Dec 5, 2026", `medium` "Fri, Dec 5", `full`. */
export type DateStyle = 'weekday' | 'short' | 'year' | 'medium' | 'full';

const OPTIONS: Record<DateStyle, Intl.DateTimeFormatOptions> = {
  weekday: { weekday: 'short' },
  short: { month: 'short', day: 'numeric' },
  year: { month: 'short', day: 'numeric', year: 'numeric' },
  medium: { weekday: 'short', month: 'short', day: 'numeric' },
  full: { dateStyle: 'full' },
};

// Building a DateTimeFormat costs far more than using one: one per locale and style.
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A calendar date in the user's locale (or `locale`). Formatted as UTC midnight in UTC, so the day shown is
 * the day given, whatever the device's time zone.
 */
export function formatDate(d: CalendarDate, style: DateStyle, locale?: string): string {
  const key = `${locale ?? ''}|${style}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...OPTIONS[style], timeZone: 'UTC' });
    formatters.set(key, f);
  }
  return f.format(utcDate(d));
}

/** A task's due date as the list shows it. */
export interface DueLabel {
  /** "Today", "Tomorrow", "Yesterday", a weekday within the next week ("Fri"), else "Dec 5" (with the year when not this year); "3 days overdue" for an open task. */
  text: string;
  /** The whole date, e.g. "Friday, December 5, 2025" (for a `title` or an accessible description). */
  full: string;
  /** `YYYY-MM-DD`, for `<time dateTime>`. */
  iso: string;
  /** An open task whose due day has passed. */
  overdue: boolean;
}

/** The relative label of a due date (a `due_at` ms epoch, read as its local day) as seen on `today`. */
export function describeDue(
  due: number | CalendarDate,
  today: CalendarDate,
  opts: { open: boolean; locale?: string },
): DueLabel {
  const date = typeof due === 'number' ? calendarDateOf(due) : due;
  const days = daysBetween(today, date);
  const full = formatDate(date, 'full', opts.locale);
  const iso = isoDate(date);
  if (days < 0 && opts.open) {
    const n = -days;
    return { text: `${n} ${n === 1 ? 'day' : 'days'} overdue`, full, iso, overdue: true };
  }
  return { text: relativeDay(date, days, today, opts.locale), full, iso, overdue: false };
}

function relativeDay(date: CalendarDate, days: number, today: CalendarDate, locale?: string): string {
  if (days === 0) return 'Today';
  if (days === 1) return 'Tomorrow';
  if (days === -1) return 'Yesterday';
  if (days > 1 && days < 7) return formatDate(date, 'weekday', locale);
  return formatDate(date, date.year === today.year ? 'short' : 'year', locale);
}

/** A `YYYY-MM-DD` day key as people read it: Today, Yesterday, or the weekday and date (the time history). */
export function formatDayKey(key: string, today: CalendarDate, locale?: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!m) return key;
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  const days = daysBetween(today, date);
  if (days === 0) return 'Today';
  if (days === -1) return 'Yesterday';
  return formatDate(date, 'medium', locale);
}
