import { isOptimisticId, type Project, type Task } from '@selftracker/react';
import { memo, useEffect, useState } from 'react';
import { fromDayNumber } from './calendar-date.ts';
import { describeDue } from './due-format.ts';
import { TaskEditor } from './task-editor.tsx';

/**
 * What a row can do, made once by the list: one mutation observer per action for the whole list instead of
 * three per row (a list of thousands renders several times faster).
 */
export interface TaskActions {
  setStatus(task: Task, status: Task['status']): Promise<unknown>;
  /** Deletes the task, undoably (the list's undo toast). */
  remove(task: Task): void;
  startTimer(task: Task): void;
}

/**
 * One task: its title, a "Done" checkbox, details, and Edit / Track time / Delete. Memoized: a refetch keeps
 * unchanged tasks as the same objects, so only rows that changed render again. The selected row (keys `j`/`k`,
 * or the focus inside it) is `aria-current` and takes the focus itself (`tabIndex` -1); the keys `x` and `e`
 * act through its checkbox and its Edit button, which say so in `aria-keyshortcuts`.
 */
export const TaskRow = memo(function TaskRow({
  task,
  projects,
  actions,
  today,
  hidden = false,
  firstDone = false,
  selected = false,
}: {
  task: Task;
  projects: readonly Project[];
  actions: TaskActions;
  /** Today's local day number: due dates read relative to it. */
  today: number;
  /** Folded away under "Completed (n)" (kept in the DOM, like every row). */
  hidden?: boolean;
  /** The first of the done tasks at the list's end: drawn with a divider above it. */
  firstDone?: boolean;
  /** The list's selected row. */
  selected?: boolean;
}) {
  const [editing, setEditing] = useState(false);
  const project = projects.find((p) => p.id === task.project_id);
  const stored = task.status === 'done';
  // The click shows at once; the row follows the database as soon as the write lands.
  const [clicked, setClicked] = useState<boolean | null>(null);
  useEffect(() => {
    if (clicked === stored) setClicked(null);
  }, [clicked, stored]);
  const done = clicked ?? stored;
  // Shown under a stand-in id until its create lands (milliseconds): an action on it now would find no row.
  const arriving = isOptimisticId(task.id);

  return (
    <li
      className={`task-item${done ? ' done' : ''}${firstDone ? ' first-done' : ''}${selected ? ' selected' : ''}`}
      data-task-id={task.id}
      hidden={hidden}
      tabIndex={-1}
      aria-current={selected ? 'true' : undefined}
    >
      <div className="task-line">
        <input
          type="checkbox"
          aria-label="Done"
          aria-keyshortcuts="x"
          checked={done}
          disabled={arriving}
          onChange={(e) => {
            const checked = e.target.checked;
            setClicked(checked);
            actions.setStatus(task, checked ? 'done' : 'todo').catch(() => setClicked(null));
          }}
        />
        <div className="task-main">
          <span className="task-title">{task.title}</span>
          <span className="task-meta">
            {task.status === 'in-progress' && <span className="tag">In progress</span>}
            {project && (
              <span className="tag" style={{ borderColor: project.color ?? undefined }}>
                {project.name}
              </span>
            )}
            {task.due_at !== null && <DueTag dueAt={task.due_at} today={today} open={!done} />}
            {!task.synced && <span className="tag warn">Not synced</span>}
          </span>
          {task.description && !editing && <span className="task-desc">{task.description}</span>}
        </div>
        <div className="task-actions">
          <button
            type="button"
            className="ghost"
            disabled={arriving}
            aria-expanded={editing}
            aria-keyshortcuts="e"
            onClick={() => setEditing((v) => !v)}
          >
            Edit
          </button>
          <button
            type="button"
            className="ghost"
            aria-label="Time this task"
            disabled={arriving}
            title="Start a timer on this task"
            onClick={() => actions.startTimer(task)}
          >
            ▶
          </button>
          <button
            type="button"
            className="ghost danger"
            disabled={arriving}
            onClick={() => actions.remove(task)}
          >
            Delete
          </button>
        </div>
      </div>
      {editing && (
        <TaskEditor task={task} projects={projects} today={today} onClose={() => setEditing(false)} />
      )}
    </li>
  );
});

/** A due date as a relative label ("Tomorrow", "Fri", "3 days overdue"), the whole date in its title. */
function DueTag({ dueAt, today, open }: { dueAt: number; today: number; open: boolean }) {
  const due = describeDue(dueAt, fromDayNumber(today), { open });
  return (
    <time className={`tag due${due.overdue ? ' warn' : ''}`} dateTime={due.iso} title={`Due ${due.full}`}>
      {!due.overdue && <span className="visually-hidden">Due </span>}
      {due.text}
    </time>
  );
}
