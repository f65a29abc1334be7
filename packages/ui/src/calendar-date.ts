/**
 * Calendar dates without a time of day: "the 5th of December", as people mean a due date. Arithmetic runs on
 * UTC fields (no daylight-saving time there), so adding a day is always exactly one calendar day, also on the
 * days a local clock skips or repeats an hour. Only `calendarDateOf` and `localNoon` touch the local time zone.
 */

/** A day of the Gregorian calendar; `month` is 1-12. */
export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const DAY_MS = 86_400_000;

/** Whole days since 1970-01-01 of a calendar date (time-zone free: computed on UTC fields). */
export function dayNumber(d: CalendarDate): number {
  return Math.round(Date.UTC(d.year, d.month - 1, d.day) / DAY_MS);
}

/** The calendar date of a day number (inverse of `dayNumber`). */
export function fromDayNumber(n: number): CalendarDate {
  const u = new Date(n * DAY_MS);
  return { year: u.getUTCFullYear(), month: u.getUTCMonth() + 1, day: u.getUTCDate() };
}

/** The local calendar date of a ms epoch (or a Date), in the time zone of this device. */
export function calendarDateOf(ts: number | Date): CalendarDate {
  const d = new Date(ts);
  return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate() };
}

/** `d` moved by `n` calendar days (negative: back). */
export const addDays = (d: CalendarDate, n: number): CalendarDate => fromDayNumber(dayNumber(d) + n);

/** How many calendar days `to` is after `from` (negative when before). */
export const daysBetween = (from: CalendarDate, to: CalendarDate): number => dayNumber(to) - dayNumber(from);

/** 0 = Sunday … 6 = Saturday. */
export const weekdayOf = (d: CalendarDate): number => new Date(dayNumber(d) * DAY_MS).getUTCDay();

/** Whether year/month/day name a real day (no 30 February). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const u = new Date(Date.UTC(year, month - 1, day));
  return u.getUTCMonth() === month - 1 && u.getUTCDate() === day;
}

/** `YYYY-MM-DD`, as `<input type="date">` and `<time dateTime>` take it. */
export function isoDate(d: CalendarDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/**
 * The ms epoch stored as a task's `due_at` for a calendar date: local noon, as the task editor has always
 * written it (noon stays on the same day when the device later moves a few time zones).
 */
export function localNoon(d: CalendarDate): number {
  return new Date(d.year, d.month - 1, d.day, 12).getTime();
}

/** A JS Date at UTC midnight of `d`: what the date formatters below format with `timeZone: 'UTC'`. */
export const utcDate = (d: CalendarDate): Date => new Date(dayNumber(d) * DAY_MS);
