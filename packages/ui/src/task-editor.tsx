import { type Patch, TASK_STATUSES, type TaskStatus } from '@selftracker/core';
import { type Project, type Task, useUpdateTask } from '@selftracker/react';
import { type FormEvent, useId, useState } from 'react';
import { calendarDateOf, fromDayNumber } from './calendar-date.ts';
import { describeDue } from './due-format.ts';
import { fromDateInput, toDateInput } from './format.ts';
import { messageOf, STATUS_LABELS } from './labels.ts';

/** Only the fields the user changed: concurrent edits of other fields on other devices then both survive. */
export function changedFields(
  task: Task,
  next: Omit<Task, 'id' | 'synced' | 'created_at' | 'updated_at'>,
): Patch<'tasks'> {
  const patch: Patch<'tasks'> = {};
  if (next.title !== task.title) patch.title = next.title;
  if ((next.description ?? null) !== (task.description ?? null)) patch.description = next.description;
  if (next.status !== task.status) patch.status = next.status;
  if (next.project_id !== task.project_id) patch.project_id = next.project_id;
  if (next.due_at !== task.due_at) patch.due_at = next.due_at;
  return patch;
}

/** The inline editor of a task: title, description, status, due date, project. Escape cancels. */
export function TaskEditor({
  task,
  projects,
  today,
  onClose,
}: {
  task: Task;
  projects: readonly Project[];
  /** Today's local day number (the due date reads relative to it, as in the list). */
  today: number;
  onClose: () => void;
}) {
  const update = useUpdateTask();
  const [title, setTitle] = useState(task.title);
  const [description, setDescription] = useState(task.description ?? '');
  const [status, setStatus] = useState<TaskStatus>(task.status);
  const [due, setDue] = useState(toDateInput(task.due_at));
  const [projectId, setProjectId] = useState(task.project_id ?? '');
  const id = useId();

  const save = (e: FormEvent) => {
    e.preventDefault();
    const patch = changedFields(task, {
      title: title.trim(),
      description: description.trim() ? description : null,
      status,
      project_id: projectId || null,
      due_at: fromDateInput(due),
    });
    if (Object.keys(patch).length === 0) return onClose();
    update.mutate({ id: task.id, patch }, { onSuccess: onClose });
  };

  return (
    <form
      className="task-editor"
      onSubmit={save}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <label htmlFor={`${id}-title`}>Title</label>
      <input
        id={`${id}-title`}
        value={title}
        required
        maxLength={500}
        // biome-ignore lint/a11y/noAutofocus: the editor opens because the user asked to edit
        autoFocus
        onChange={(e) => setTitle(e.target.value)}
      />
      <label htmlFor={`${id}-desc`}>Description</label>
      <textarea
        id={`${id}-desc`}
        value={description}
        rows={3}
        maxLength={10_000}
        onChange={(e) => setDescription(e.target.value)}
      />
      <div className="editor-grid">
        <div>
          <label htmlFor={`${id}-status`}>Task status</label>
          <select
            id={`${id}-status`}
            value={status}
            onChange={(e) => setStatus(e.target.value as TaskStatus)}
          >
            {TASK_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-due`}>Due date</label>
          <input
            id={`${id}-due`}
            type="date"
            value={due}
            aria-describedby={`${id}-due-text`}
            onChange={(e) => setDue(e.target.value)}
          />
          <DueText id={`${id}-due-text`} value={due} today={today} open={status !== 'done'} />
        </div>
        <div>
          <label htmlFor={`${id}-project`}>Move to project</label>
          <select id={`${id}-project`} value={projectId} onChange={(e) => setProjectId(e.target.value)}>
            <option value="">No project</option>
            {projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
                {p.archived ? ' (archived)' : ''}
              </option>
            ))}
          </select>
        </div>
      </div>
      {update.error && (
        <p role="alert" className="error">
          {messageOf(update.error)}
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

/** The chosen due date in words, in the list's format: "Tomorrow · Friday, December 5, 2025". */
function DueText({ id, value, today, open }: { id: string; value: string; today: number; open: boolean }) {
  const ts = fromDateInput(value);
  const due = ts === null ? null : describeDue(calendarDateOf(ts), fromDayNumber(today), { open });
  return (
    <span id={id} className="muted small">
      {due ? `${due.text} · ${due.full}` : 'No due date'}
    </span>
  );
}
