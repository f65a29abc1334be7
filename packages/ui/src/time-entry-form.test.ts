import { describe, expect, it } from 'vitest';
import {
  changedFields,
  type EntryFields,
  entryFormValues,
  parseDateTimeInput,
  readEntryForm,
  toDateTimeInput,
} from './time-entry-form.ts';

const at = (h: number, m = 0, s = 0) => new Date(2025, 2, 9, h, m, s).getTime();
const P = '0196f1d2-0000-7000-8000-000000000001';
const finished: EntryFields = {
  started_at: at(9, 0, 37),
  stopped_at: at(10, 15, 12),
  task_id: null,
  project_id: P,
  note: 'draft',
};
const now = at(12);

describe('datetime-local values', () => {
  it('round-trips local wall time to the minute and refuses what is not a time', () => {
    expect(toDateTimeInput(at(9, 5, 40))).toBe('2025-03-09T09:05');
    expect(parseDateTimeInput('2025-03-09T09:05')).toBe(at(9, 5));
    expect(parseDateTimeInput('2025-03-09T09:05:07')).toBe(at(9, 5, 7));
    expect(toDateTimeInput(null)).toBe('');
    for (const bad of ['', '2025-03-09', '2025-02-30T10:00', '2025-03-09T24:00', 'soon']) {
      expect(parseDateTimeInput(bad)).toBeNull();
    }
  });
});

describe('readEntryForm', () => {
  it('an untouched form saves nothing: the seconds the inputs do not show are kept', () => {
    const r = readEntryForm(entryFormValues(finished, now), finished, now);
    expect(r).toEqual({ ok: true, fields: finished });
    if (r.ok) expect(changedFields(finished, r.fields)).toEqual({});
  });

  it('an edit is a patch of the changed fields only; a blank note or project is cleared', () => {
    const values = { ...entryFormValues(finished, now), end: '2025-03-09T11:00', note: '  ', projectId: '' };
    const r = readEntryForm(values, finished, now);
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(changedFields(finished, r.fields)).toEqual({ stopped_at: at(11), note: null, project_id: null });
  });

  it('refuses an end before or at the start, and a missing end on a finished entry', () => {
    const v = entryFormValues(finished, now);
    expect(readEntryForm({ ...v, end: '2025-03-09T08:00' }, finished, now)).toEqual({
      ok: false,
      field: 'end',
      error: 'End must be after Start.',
    });
    expect(
      readEntryForm({ ...v, start: '2025-03-09T10:20', end: '2025-03-09T10:20' }, finished, now),
    ).toMatchObject({
      ok: false,
      field: 'end',
    });
    expect(readEntryForm({ ...v, end: '' }, finished, now)).toMatchObject({
      ok: false,
      error: 'End: enter a date and time.',
    });
    expect(readEntryForm({ ...v, start: '' }, finished, now)).toMatchObject({ ok: false, field: 'start' });
  });

  it('the running timer keeps running with no end, and stops only at an end that has passed', () => {
    const running: EntryFields = { ...finished, stopped_at: null };
    const v = entryFormValues(running, now);
    expect(v.end).toBe('');
    const keep = readEntryForm({ ...v, start: '2025-03-09T08:00' }, running, now);
    expect(keep.ok && changedFields(running, keep.fields)).toEqual({ started_at: at(8) });
    const stop = readEntryForm({ ...v, end: '2025-03-09T11:00' }, running, now);
    expect(stop.ok && changedFields(running, stop.fields)).toEqual({ stopped_at: at(11) });
    expect(readEntryForm({ ...v, end: '2025-03-09T13:00' }, running, now)).toMatchObject({
      ok: false,
      field: 'end',
      error: 'End cannot be in the future: the timer would stop then.',
    });
    expect(readEntryForm({ ...v, start: '2025-03-09T12:30' }, running, now)).toMatchObject({
      ok: false,
      field: 'start',
    });
  });

  it('a new entry starts as the last hour and needs both times', () => {
    const v = entryFormValues(null, at(12, 0, 30));
    expect(v).toEqual({
      start: '2025-03-09T11:00',
      end: '2025-03-09T12:00',
      taskId: '',
      projectId: '',
      note: '',
    });
    expect(readEntryForm({ ...v, note: ' call ' }, null, now)).toEqual({
      ok: true,
      fields: { started_at: at(11), stopped_at: at(12), task_id: null, project_id: null, note: 'call' },
    });
    expect(readEntryForm({ ...v, end: '' }, null, now)).toMatchObject({ ok: false, field: 'end' });
  });
});
