import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarDate } from './calendar-date.ts';
import { formatDuration, timerDuration } from './format.ts';
import {
  customRange,
  describeRange,
  presetRange,
  rangeDays,
  rangeFileStem,
  rangeSpan,
  weekStart,
} from './time-range.ts';
import { summarizeRange } from './time-summary.ts';

const day = (iso: string): CalendarDate => {
  const [year, month, d] = iso.split('-').map(Number) as [number, number, number];
  return { year, month, day: d };
};
/** Local wall time on a day, as a ms epoch. */
const at = (d: string, h: number, m = 0, s = 0) => {
  const { year, month, day: dd } = day(d);
  return new Date(year, month - 1, dd, h, m, s).getTime();
};
const H = 3_600_000;
const entry = (id: string, start: number, stop: number | null, project_id: string | null = null) => ({
  id,
  started_at: start,
  stopped_at: stop,
  project_id,
});
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('ranges', () => {
  it('weeks start on Monday; presets as seen on a Wednesday', () => {
    const wed = day('2025-12-03');
    expect(weekStart(wed)).toEqual(day('2025-12-01'));
    expect(weekStart(day('2025-12-07'))).toEqual(day('2025-12-01')); // a Sunday ends the week
    expect(presetRange('this-week', wed)).toEqual({
      preset: 'this-week',
      from: day('2025-12-01'),
      to: day('2025-12-07'),
    });
    expect(presetRange('last-week', wed)).toMatchObject({ from: day('2025-11-24'), to: day('2025-11-30') });
    expect(presetRange('this-month', wed)).toMatchObject({ from: day('2025-12-01'), to: day('2025-12-31') });
    expect(presetRange('this-month', day('2028-02-10'))).toMatchObject({ to: day('2028-02-29') });
    expect(rangeDays(presetRange('this-week', wed))).toHaveLength(7);
  });

  it('checks custom From/To: real dates, in order, at most 31 days', () => {
    expect(customRange('2025-03-01', '2025-03-31')).toEqual({
      preset: 'custom',
      from: day('2025-03-01'),
      to: day('2025-03-31'),
    });
    expect(customRange('2025-03-05', '2025-03-05')).toMatchObject({ from: day('2025-03-05') });
    expect(customRange('', '2025-03-05')).toEqual({ error: 'From: enter a date.' });
    expect(customRange('2025-02-30', '2025-03-05')).toEqual({ error: 'From: enter a date.' });
    expect(customRange('2025-03-05', '2025-03-04')).toEqual({ error: 'To must be on or after From.' });
    expect(customRange('2025-03-01', '2025-04-01')).toEqual({
      error: 'A range can be at most 31 days long.',
    });
  });

  it('describes a range and names its file', () => {
    const r = { from: day('2025-12-29'), to: day('2026-01-04') };
    expect(describeRange(r, 'en-US')).toBe('Dec 29, 2025 – Jan 4, 2026');
    expect(describeRange({ from: day('2025-03-03'), to: day('2025-03-09') }, 'en-US')).toBe(
      'Mar 3 – Mar 9, 2025',
    );
    expect(rangeFileStem(r)).toBe('2025-12-29_2026-01-04');
  });
});

describe('summarizeRange: the totals add up', () => {
  const week = { from: day('2025-03-03'), to: day('2025-03-09') }; // Monday to Sunday
  const timers = [
    entry('before', at('2025-03-02', 23), at('2025-03-03', 1), 'a'), // started the Sunday before: not in the week
    entry('mon', at('2025-03-03', 9), at('2025-03-03', 10, 30), 'a'),
    entry('mon-odd', at('2025-03-03', 11, 0, 0) + 400, at('2025-03-03', 11, 0, 2) + 300, null), // 1.9 s
    entry('night', at('2025-03-05', 23), at('2025-03-06', 1, 15), 'b'), // crosses midnight
    entry('sun-late', at('2025-03-09', 23, 30), at('2025-03-10', 0, 30), null),
    entry('after', at('2025-03-10', 0, 0), at('2025-03-10', 1), 'a'),
  ];
  const now = at('2025-03-12', 12);

  it('has a day for every day of the range, entries newest first, each under the day it started', () => {
    const s = summarizeRange(timers, week, now);
    expect(s.days.map((d) => d.key)).toEqual([
      '2025-03-03',
      '2025-03-04',
      '2025-03-05',
      '2025-03-06',
      '2025-03-07',
      '2025-03-08',
      '2025-03-09',
    ]);
    expect(s.entries.map((e) => e.id)).toEqual(['sun-late', 'night', 'mon-odd', 'mon']);
    expect(s.days[0]!.entries.map((e) => e.id)).toEqual(['mon-odd', 'mon']);
    // An entry crossing midnight counts wholly on the day it started, never split.
    expect(s.days[2]!.total).toBe(2.25 * H);
    expect(s.days[3]!.total).toBe(0);
    expect(s.days[6]!.total).toBe(H);
  });

  it('day totals are the sums of their entries as shown, and sum to the range total, as the projects do', () => {
    const s = summarizeRange(timers, week, now);
    for (const d of s.days) expect(d.total).toBe(sum(d.entries.map((e) => timerDuration(e, now))));
    // Durations are whole seconds: the odd 1.9 s entry shows and counts as 0:00:01.
    expect(formatDuration(timerDuration(timers[2]!, now))).toBe('0:00:01');
    expect(formatDuration(s.days[0]!.total)).toBe('1:30:01');
    expect(s.total).toBe(sum(s.days.map((d) => d.total)));
    expect(s.total).toBe(1.5 * H + 1000 + 2.25 * H + H);
    expect(s.perProject).toEqual([
      { projectId: 'b', total: 2.25 * H },
      { projectId: 'a', total: 1.5 * H },
      { projectId: '', total: H + 1000 },
    ]);
    expect(sum(s.perProject.map((p) => p.total))).toBe(s.total);
  });

  it('counts a running timer up to now on the day it started', () => {
    const running = [entry('run', at('2025-03-04', 8), null, 'a')];
    const s = summarizeRange(running, week, at('2025-03-04', 9, 15, 30));
    expect(s.days[1]!.total).toBe(1.25 * H + 30_000);
    expect(s.total).toBe(1.25 * H + 30_000);
  });
});

/**
 * A daylight-saving week, in a zone that has one: Node reads `process.env.TZ` anew when it is assigned. In
 * Europe/Berlin the clocks go from 02:00 to 03:00 on Sunday 30 March 2025 and back on Sunday 26 October.
 */
describe('summarizeRange across daylight-saving changes (Europe/Berlin)', () => {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.TZ;
    process.env.TZ = 'Europe/Berlin';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it('bounds the week at local midnights: 167 hours in spring, 169 in autumn', () => {
    const spring = rangeSpan(presetRange('this-week', day('2025-03-30')));
    expect(new Date(spring.from).toISOString()).toBe('2025-03-23T23:00:00.000Z'); // Monday 24 March, 00:00 CET
    expect(new Date(spring.to).toISOString()).toBe('2025-03-30T22:00:00.000Z'); // Monday 31 March, 00:00 CEST
    expect((spring.to - spring.from) / H).toBe(167);
    const autumn = rangeSpan(presetRange('this-week', day('2025-10-26')));
    expect((autumn.to - autumn.from) / H).toBe(169);
  });

  it('an entry over the skipped hour lasts its real time, on its day; the late Sunday entry is in the week', () => {
    const week = presetRange('this-week', day('2025-03-30'));
    const timers = [
      entry('dst', at('2025-03-30', 1, 30), at('2025-03-30', 3, 30), 'a'), // 01:30 CET to 03:30 CEST: 1 hour
      entry('late', at('2025-03-30', 23, 30), at('2025-03-31', 0, 15), 'a'),
      entry('next', at('2025-03-31', 0, 0), at('2025-03-31', 1, 0), 'a'),
    ];
    const s = summarizeRange(timers, week, at('2025-04-02', 12));
    const sunday = s.days.find((d) => d.key === '2025-03-30')!;
    expect(sunday.entries.map((e) => e.id)).toEqual(['late', 'dst']);
    expect(sunday.total).toBe(H + 0.75 * H);
    expect(s.total).toBe(sunday.total);
    expect(s.perProject).toEqual([{ projectId: 'a', total: s.total }]);
  });
});
