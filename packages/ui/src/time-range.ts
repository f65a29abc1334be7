/**
 * The range of days the time section shows: a preset ("This week", "Last week", "This month") or custom
 * From/To dates, both days included. Weeks start on Monday (ISO 8601). Day arithmetic runs on calendar dates
 * (calendar-date.ts), so a range's bounds are local midnights also across daylight-saving changes: a week with
 * one is 167 or 169 hours long, not 168.
 */
import {
  addDays,
  type CalendarDate,
  daysBetween,
  fromDayNumber,
  isCalendarDate,
  isoDate,
  weekdayOf,
} from './calendar-date.ts';
import { formatDate } from './due-format.ts';

export type RangePreset = 'this-week' | 'last-week' | 'this-month' | 'custom';

/** A range of whole local days, `from` and `to` both included. */
export interface DayRange {
  preset: RangePreset;
  from: CalendarDate;
  to: CalendarDate;
}

/** The longest range, in days: the chart has one bar per day (a month at most). */
export const MAX_RANGE_DAYS = 31;

export const PRESET_LABELS: Readonly<Record<Exclude<RangePreset, 'custom'>, string>> = {
  'this-week': 'This week',
  'last-week': 'Last week',
  'this-month': 'This month',
};

/** The Monday of the week of `d`. */
export const weekStart = (d: CalendarDate): CalendarDate => addDays(d, -((weekdayOf(d) + 6) % 7));

/** The range of a preset as seen on `today` (a day number or a date). */
export function presetRange(preset: Exclude<RangePreset, 'custom'>, today: CalendarDate | number): DayRange {
  const day = typeof today === 'number' ? fromDayNumber(today) : today;
  if (preset === 'this-month') {
    const from = { year: day.year, month: day.month, day: 1 };
    const next =
      day.month === 12 ? { year: day.year + 1, month: 1, day: 1 } : { ...from, month: day.month + 1 };
    return { preset, from, to: addDays(next, -1) };
  }
  const monday = addDays(weekStart(day), preset === 'last-week' ? -7 : 0);
  return { preset, from: monday, to: addDays(monday, 6) };
}

/** The days of a range, in order. */
export function rangeDays(r: Pick<DayRange, 'from' | 'to'>): CalendarDate[] {
  const n = daysBetween(r.from, r.to) + 1;
  return Array.from({ length: Math.max(0, n) }, (_, i) => addDays(r.from, i));
}

/** Local midnight at the start of `d` as a ms epoch (a zone that skips midnight gives the first instant after). */
export const localMidnight = (d: CalendarDate): number => new Date(d.year, d.month - 1, d.day).getTime();

/** The range as ms epochs: `from` is local midnight of its first day, `to` local midnight after its last (excluded). */
export function rangeSpan(r: Pick<DayRange, 'from' | 'to'>): { from: number; to: number } {
  return { from: localMidnight(r.from), to: localMidnight(addDays(r.to, 1)) };
}

/** Parses an `<input type="date">` value (`YYYY-MM-DD`) as a calendar date, or null. */
export function parseDateInput(value: string): CalendarDate | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isCalendarDate(year, month, day) ? { year, month, day } : null;
}

/** A custom range from two date inputs, or the sentence saying what is wrong with them. */
export function customRange(fromValue: string, toValue: string): DayRange | { error: string } {
  const from = parseDateInput(fromValue);
  const to = parseDateInput(toValue);
  if (!from) return { error: 'From: enter a date.' };
  if (!to) return { error: 'To: enter a date.' };
  const days = daysBetween(from, to) + 1;
  if (days < 1) return { error: 'To must be on or after From.' };
  if (days > MAX_RANGE_DAYS) return { error: `A range can be at most ${MAX_RANGE_DAYS} days long.` };
  return { preset: 'custom', from, to };
}

/** "Mar 3 – Mar 9, 2025" style label of a range (its days, in the user's locale). */
export function describeRange(r: Pick<DayRange, 'from' | 'to'>, locale?: string): string {
  const a = formatDate(r.from, r.from.year === r.to.year ? 'short' : 'year', locale);
  const b = formatDate(r.to, 'year', locale);
  return daysBetween(r.from, r.to) === 0 ? b : `${a} – ${b}`;
}

/** The range's days as `YYYY-MM-DD` for a file name: `2025-03-03_2025-03-09`. */
export const rangeFileStem = (r: Pick<DayRange, 'from' | 'to'>) => `${isoDate(r.from)}_${isoDate(r.to)}`;
