import { useDeleteTask, useStartTimer, useUpdateTask } from '@selftracker/react';
import { useEffect, useState } from 'react';
import { toDateInput } from './format.ts';
import type { Project, Task } from './model.ts';
import { TaskEditor } from './task-editor.tsx';

/** One task: its title, a "Done" checkbox, details, and Edit / Track time / Delete. */
export function TaskRow({ task, projects }: { task: Task; projects: readonly Project[] }) {
  const update = useUpdateTask();
  const remove = useDeleteTask();
  const startTimer = useStartTimer();
  const [editing, setEditing] = useState(false);
  const project = projects.find((p) => p.id === task.project_id);
  const stored = task.status === 'done';
  // The click shows at once; the row follows the database as soon as the write lands.
  const [clicked, setClicked] = useState<boolean | null>(null);
  useEffect(() => {
    if (clicked === stored) setClicked(null);
  }, [clicked, stored]);
  const done = clicked ?? stored;
  const overdue = task.due_at !== null && !done && task.due_at < Date.now() - 12 * 3_600_000;

  return (
    <li className={`task-item${done ? ' done' : ''}`}>
      <div className="task-line">
        <input
          type="checkbox"
          aria-label="Done"
          checked={done}
          onChange={(e) => {
            const checked = e.target.checked;
            setClicked(checked);
            update.mutate(
              { id: task.id, patch: { status: checked ? 'done' : 'todo' } },
              { onError: () => setClicked(null) },
            );
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
            {task.due_at !== null && (
              <span className={`tag${overdue ? ' warn' : ''}`}>Due {toDateInput(task.due_at)}</span>
            )}
            {!task.synced && <span className="tag warn">Not synced</span>}
          </span>
          {task.description && !editing && <span className="task-desc">{task.description}</span>}
        </div>
        <div className="task-actions">
          <button
            type="button"
            className="ghost"
            aria-expanded={editing}
            onClick={() => setEditing((v) => !v)}
          >
            Edit
          </button>
          <button
            type="button"
            className="ghost"
            aria-label="Time this task"
            title="Start a timer on this task"
            onClick={() => startTimer.mutate({ task_id: task.id, project_id: task.project_id })}
          >
            ▶
          </button>
          <button type="button" className="ghost danger" onClick={() => remove.mutate(task.id)}>
            Delete
          </button>
        </div>
      </div>
      {editing && <TaskEditor task={task} projects={projects} onClose={() => setEditing(false)} />}
    </li>
  );
}
