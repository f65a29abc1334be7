import { type Project, type Task, type Timer, useCreateTimer, useUpdateTimer } from '@selftracker/react';
import { type FormEvent, useId, useState } from 'react';
import { messageOf } from './labels.ts';
import { changedFields, type EntryFormValues, entryFormValues, readEntryForm } from './time-entry-form.ts';

/**
 * The form of a time entry: Start, End, Task, Project, Note, Save and Cancel. With `timer` it edits that entry
 * (a field-level update of what changed); without, it adds a finished entry by hand. A bad input shows an alert
 * and writes nothing. Escape cancels.
 */
export function TimeEntryEditor({
  timer,
  tasks,
  projects,
  onClose,
}: {
  timer?: Timer;
  tasks: readonly Task[];
  projects: readonly Project[];
  onClose: () => void;
}) {
  const update = useUpdateTimer();
  const create = useCreateTimer();
  const [values, setValues] = useState<EntryFormValues>(() => entryFormValues(timer ?? null, Date.now()));
  const [problem, setProblem] = useState<{ field: 'start' | 'end'; error: string } | null>(null);
  const id = useId();
  const running = timer !== undefined && timer.stopped_at === null;
  const set = (patch: Partial<EntryFormValues>) => setValues((v) => ({ ...v, ...patch }));
  const failure = update.error ?? create.error;

  const save = (e: FormEvent) => {
    e.preventDefault();
    const read = readEntryForm(values, timer ?? null, Date.now());
    if (!read.ok) {
      setProblem({ field: read.field, error: read.error });
      return;
    }
    setProblem(null);
    if (!timer) {
      const { task_id, project_id, note, started_at, stopped_at } = read.fields;
      create.mutate({ started_at, stopped_at, task_id, project_id, note }, { onSuccess: onClose });
      return;
    }
    const patch = changedFields(timer, read.fields);
    if (Object.keys(patch).length === 0) return onClose();
    update.mutate({ id: timer.id, patch }, { onSuccess: onClose });
  };

  const invalid = (field: 'start' | 'end') =>
    problem?.field === field ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {};

  return (
    <form
      className="entry-editor"
      aria-label={timer ? 'Edit time entry' : 'New time entry'}
      noValidate
      onSubmit={save}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <div className="editor-grid">
        <div>
          <label htmlFor={`${id}-start`}>Start</label>
          <input
            id={`${id}-start`}
            type="datetime-local"
            value={values.start}
            // biome-ignore lint/a11y/noAutofocus: the form opens because the user asked to edit or add
            autoFocus
            onChange={(e) => set({ start: e.target.value })}
            {...invalid('start')}
          />
        </div>
        <div>
          <label htmlFor={`${id}-end`}>End</label>
          <input
            id={`${id}-end`}
            type="datetime-local"
            value={values.end}
            aria-describedby={running ? `${id}-end-hint` : undefined}
            onChange={(e) => set({ end: e.target.value })}
            {...invalid('end')}
          />
          {running && (
            <span id={`${id}-end-hint`} className="muted small">
              Running: leave End empty to keep it running, or set it to stop the timer then.
            </span>
          )}
        </div>
        <div>
          <label htmlFor={`${id}-task`}>Task</label>
          <select
            id={`${id}-task`}
            value={values.taskId}
            onChange={(e) => {
              const task = tasks.find((t) => t.id === e.target.value);
              set({ taskId: e.target.value, ...(task?.project_id ? { projectId: task.project_id } : {}) });
            }}
          >
            <option value="">No task</option>
            {values.taskId && !tasks.some((t) => t.id === values.taskId) && (
              <option value={values.taskId}>(deleted task)</option>
            )}
            {tasks.map((t) => (
              <option key={t.id} value={t.id}>
                {t.title}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-project`}>Project</label>
          <select
            id={`${id}-project`}
            value={values.projectId}
            onChange={(e) => set({ projectId: e.target.value })}
          >
            <option value="">No project</option>
            {values.projectId && !projects.some((p) => p.id === values.projectId) && (
              <option value={values.projectId}>(deleted project)</option>
            )}
            {projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
                {p.archived ? ' (archived)' : ''}
              </option>
            ))}
          </select>
        </div>
      </div>
      <label htmlFor={`${id}-note`}>Note</label>
      <input
        id={`${id}-note`}
        value={values.note}
        maxLength={1000}
        onChange={(e) => set({ note: e.target.value })}
      />
      {(problem || failure) && (
        <p role="alert" id={`${id}-error`} className="error">
          {problem ? problem.error : messageOf(failure)}
        </p>
      )}
      <div className="row">
        <button type="submit">Save</button>
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
