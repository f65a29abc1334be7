import { describe, expect, it } from 'vitest';
import { dayKey, formatDuration, fromDateInput, groupByDay, toDateInput, totalsByProject } from './format.ts';

const at = (d: string, h: number, m = 0) =>
  new Date(`${d}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`).getTime();

describe('formatDuration', () => {
  it('shows minutes and seconds under an hour and hours above', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_600_000 + 2 * 60_000 + 3_000)).toBe('1:02:03');
    expect(formatDuration(-5)).toBe('0:00');
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
