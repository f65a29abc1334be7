/**
 * The time entry form's rules, apart from React: what its inputs hold for an entry, and what a submitted form
 * means: the fields to write, only those that changed, or the sentence that says what is wrong (nothing is
 * written then). Times are `<input type="datetime-local">` values, local wall time to the minute.
 */

/** What the form's inputs hold; '' is "none" for the end, the task and the project. */
export interface EntryFormValues {
  start: string;
  end: string;
  taskId: string;
  projectId: string;
  note: string;
}

/** The fields of a timer the form edits. */
export interface EntryFields {
  started_at: number;
  stopped_at: number | null;
  task_id: string | null;
  project_id: string | null;
  note: string | null;
}

export type EntryFormResult =
  | { ok: true; fields: EntryFields }
  | { ok: false; field: 'start' | 'end'; error: string };

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DDTHH:mm` (local) for a datetime-local input, or '' for none. */
export function toDateTimeInput(ts: number | null): string {
  if (ts === null) return '';
  const d = new Date(ts);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * The ms epoch of a datetime-local value (local time; seconds allowed), or null when it is not one. A time the
 * clock skips at a daylight-saving change (02:30 on a spring-forward night) is read as the instant an hour on.
 */
export function parseDateTimeInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(y, mo - 1, d, h, mi, s);
  if (date.getMonth() !== mo - 1 || date.getDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return date.getTime();
}

/** The inputs for an existing entry, or for a new one: the last hour, ending at this minute. */
export function entryFormValues(t: EntryFields | null, now: number): EntryFormValues {
  if (!t) {
    const end = Math.floor(now / 60_000) * 60_000;
    return {
      start: toDateTimeInput(end - 3_600_000),
      end: toDateTimeInput(end),
      taskId: '',
      projectId: '',
      note: '',
    };
  }
  return {
    start: toDateTimeInput(t.started_at),
    end: toDateTimeInput(t.stopped_at),
    taskId: t.task_id ?? '',
    projectId: t.project_id ?? '',
    note: t.note ?? '',
  };
}

/**
 * Reads a submitted form. `before` is the entry being edited (null: a new one); an input left as it was keeps
 * the entry's exact time (the form shows minutes, the entry may have seconds). A new or finished entry needs an
 * end after its start; the running timer may keep no end (it goes on running) or get one that has passed, which
 * stops it.
 */
export function readEntryForm(
  values: EntryFormValues,
  before: EntryFields | null,
  now: number,
): EntryFormResult {
  const initial = before ? entryFormValues(before, now) : null;
  const running = before !== null && before.stopped_at === null;
  const start =
    initial && values.start === initial.start && before
      ? before.started_at
      : parseDateTimeInput(values.start);
  if (start === null) return { ok: false, field: 'start', error: 'Start: enter a date and time.' };
  let end: number | null;
  if (values.end.trim() === '') {
    if (!running) return { ok: false, field: 'end', error: 'End: enter a date and time.' };
    end = null;
  } else {
    end =
      initial && values.end === initial.end && before ? before.stopped_at : parseDateTimeInput(values.end);
    if (end === null) return { ok: false, field: 'end', error: 'End: enter a date and time.' };
  }
  if (running && start > now) {
    return { ok: false, field: 'start', error: 'Start cannot be in the future while the timer runs.' };
  }
  if (end !== null && end <= start) return { ok: false, field: 'end', error: 'End must be after Start.' };
  if (running && end !== null && end > now) {
    return { ok: false, field: 'end', error: 'End cannot be in the future: the timer would stop then.' };
  }
  const note = values.note.trim();
  return {
    ok: true,
    fields: {
      started_at: start,
      stopped_at: end,
      task_id: values.taskId || null,
      project_id: values.projectId || null,
      note: note === '' ? null : note,
    },
  };
}

/** The fields that differ from `before`: the patch of a field-level update (empty: nothing to save). */
export function changedFields(before: EntryFields, after: EntryFields): Partial<EntryFields> {
  const patch: Partial<EntryFields> = {};
  for (const k of ['started_at', 'stopped_at', 'task_id', 'project_id', 'note'] as const) {
    if (before[k] !== after[k]) (patch as Record<string, unknown>)[k] = after[k];
  }
  return patch;
}
