import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addDays,
  type CalendarDate,
  calendarDateOf,
  daysBetween,
  localNoon,
  weekdayOf,
} from './calendar-date.ts';
import { describeDue, formatDate, formatDayKey } from './due-format.ts';

const day = (iso: string): CalendarDate => {
  const [year, month, d] = iso.split('-').map(Number) as [number, number, number];
  return { year, month, day: d };
};
// Wednesday 3 December 2025
const today = day('2025-12-03');
const label = (iso: string, open = true) => describeDue(day(iso), today, { open, locale: 'en-US' }).text;

describe('calendar dates', () => {
  it('adds and counts calendar days across months, years and leap days', () => {
    expect(addDays(day('2025-12-30'), 3)).toEqual(day('2026-01-02'));
    expect(addDays(day('2028-03-01'), -1)).toEqual(day('2028-02-29'));
    expect(daysBetween(day('2025-12-30'), day('2026-01-02'))).toBe(3);
    expect(daysBetween(day('2026-01-02'), day('2025-12-30'))).toBe(-3);
    expect(weekdayOf(today)).toBe(3);
  });
});

describe('describeDue', () => {
  it.each([
    ['2025-12-03', 'Today'],
    ['2025-12-04', 'Tomorrow'],
    ['2025-12-05', 'Fri'],
    ['2025-12-09', 'Tue'], // six days ahead: still a weekday
    ['2025-12-10', 'Dec 10'], // a week ahead: the date
    ['2026-01-15', 'Jan 15, 2026'], // another year: with the year
    ['2025-12-02', '1 day overdue'],
    ['2025-11-30', '3 days overdue'],
    ['2024-12-03', '365 days overdue'],
  ])('an open task due %s reads %j', (iso, text) => {
    expect(label(iso)).toBe(text);
  });

  it('never calls a done task overdue', () => {
    expect(label('2025-12-02', false)).toBe('Yesterday');
    expect(label('2025-11-30', false)).toBe('Nov 30');
    expect(describeDue(day('2025-11-30'), today, { open: false }).overdue).toBe(false);
  });

  it('gives the whole date for a title, and the ISO day for <time>', () => {
    expect(describeDue(day('2025-12-05'), today, { open: true, locale: 'en-US' })).toEqual({
      text: 'Fri',
      full: 'Friday, December 5, 2025',
      iso: '2025-12-05',
      overdue: false,
    });
    expect(describeDue(day('2025-12-05'), today, { open: true, locale: 'de-DE' }).full).toBe(
      'Freitag, 5. Dezember 2025',
    );
  });

  it('reads a due_at ms epoch as its local day (noon from the editor, midnight from the terminal client)', () => {
    const noon = localNoon(day('2025-12-04'));
    const midnight = new Date(2025, 11, 4).getTime();
    expect(describeDue(noon, today, { open: true, locale: 'en-US' }).text).toBe('Tomorrow');
    expect(describeDue(midnight, today, { open: true, locale: 'en-US' }).text).toBe('Tomorrow');
  });
});

describe('formatDate and formatDayKey', () => {
  it('formats the calendar day given, in any time zone', () => {
    const saved = process.env.TZ;
    try {
      for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'UTC']) {
        process.env.TZ = zone;
        expect(formatDate(day('2025-12-05'), 'medium', 'en-US')).toBe('Fri, Dec 5');
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('says Today and Yesterday by calendar day', () => {
    expect(formatDayKey('2025-12-03', today, 'en-US')).toBe('Today');
    expect(formatDayKey('2025-12-02', today, 'en-US')).toBe('Yesterday');
    expect(formatDayKey('2025-12-01', today, 'en-US')).toBe('Mon, Dec 1');
  });
});

describe('in Europe/Berlin, the day after clocks go forward', () => {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.TZ;
    process.env.TZ = 'Europe/Berlin';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it('calls the time history of 23 hours ago "Yesterday" and a due date 23 hours ahead "Tomorrow"', () => {
    // 00:30 on Monday 31 March 2025; Sunday had 23 hours, so 24 hours ago was Saturday 23:30.
    const now = new Date('2025-03-31T00:30').getTime();
    expect(new Date(now - 86_400_000).getDate()).toBe(29);
    const t = calendarDateOf(now);
    expect(formatDayKey('2025-03-30', t, 'en-US')).toBe('Yesterday');
    expect(describeDue(new Date('2025-04-01T00:00').getTime(), t, { open: true }).text).toBe('Tomorrow');
  });
});
