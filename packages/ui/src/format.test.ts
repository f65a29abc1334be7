import { describe, expect, it } from 'vitest';
import {
  dayKey,
  formatClock,
  formatDuration,
  fromDateInput,
  groupByDay,
  isoDuration,
  toDateInput,
  totalsByProject,
} from './format.ts';

const at = (d: string, h: number, m = 0) =>
  new Date(`${d}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`).getTime();

describe('formatDuration', () => {
  it('is always h:mm:ss, whole seconds cut', () => {
    expect(formatDuration(0)).toBe('0:00:00');
    expect(formatDuration(65_999)).toBe('0:01:05');
    expect(formatDuration(3_600_000 + 2 * 60_000 + 3_000)).toBe('1:02:03');
    expect(formatDuration(25 * 3_600_000)).toBe('25:00:00');
    expect(formatDuration(-5)).toBe('0:00:00');
    expect(isoDuration(3_600_000 + 5 * 60_000 + 9_000)).toBe('PT1H5M9S');
  });

  it('shows a time of day in the locale', () => {
    const ts = new Date(2025, 2, 9, 14, 5).getTime();
    expect(formatClock(ts, 'en-US')).toBe('2:05 PM');
    expect(formatClock(ts, 'de-DE')).toBe('14:05');
  });
});

describe('date inputs', () => {
  it('round-trips a local day', () => {
    const ts = fromDateInput('2025-03-09');
    expect(ts).not.toBeNull();
    expect(toDateInput(ts)).toBe('2025-03-09');
    expect(fromDateInput('')).toBeNull();
  });
});

describe('groupByDay and totalsByProject', () => {
  const timers = [
    { started_at: at('2025-03-09', 9), stopped_at: at('2025-03-09', 10), project_id: 'a' },
    { started_at: at('2025-03-09', 11), stopped_at: at('2025-03-09', 11, 30), project_id: null },
    { started_at: at('2025-03-10', 9), stopped_at: null, project_id: 'a' },
  ];
  const now = at('2025-03-10', 9, 15);

  it('groups by local day, newest first, and counts a running timer up to now', () => {
    const groups = groupByDay(timers, now);
    expect(groups.map((g) => g.key)).toEqual(['2025-03-10', '2025-03-09']);
    expect(groups[0]!.total).toBe(15 * 60_000);
    expect(groups[1]!.total).toBe(90 * 60_000);
    expect(dayKey(timers[0]!.started_at)).toBe('2025-03-09');
  });

  it('totals per project, largest first, with an empty key for no project', () => {
    expect(totalsByProject(timers, now)).toEqual([
      { projectId: 'a', total: 75 * 60_000 },
      { projectId: '', total: 30 * 60_000 },
    ]);
  });
});
