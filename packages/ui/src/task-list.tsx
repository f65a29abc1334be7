import { TASK_STATUSES, type TaskStatus } from '@selftracker/core';
import {
  type TaskFilter,
  useCreateTask,
  useDeleteTask,
  useProjects,
  useStartTimer,
  useTasks,
  useUpdateTask,
} from '@selftracker/react';
import { type KeyboardEvent, useDeferredValue, useId, useMemo, useState } from 'react';
import { messageOf, STATUS_LABELS } from './labels.ts';
import { rowsOf } from './rows.ts';
import { type TaskActions, TaskRow } from './task-row.tsx';

export type StatusFilter = TaskStatus | '';

/** Tasks: the "New task" input (Enter adds), filters by status and project, and the list named "Tasks". */
export function TaskList({
  projectFilter,
  onProjectFilter,
}: {
  projectFilter: string;
  onProjectFilter: (id: string) => void;
}) {
  const [status, setStatus] = useState<StatusFilter>('');
  const filter: TaskFilter = {
    ...(status ? { status: [status] } : {}),
    ...(projectFilter ? { projectId: projectFilter } : {}),
  };
  // A big change of the list (thousands of rows arriving in a sync) renders in the background, in slices,
  // so typing and the sync engine on this thread never wait for it.
  const tasks = useDeferredValue(rowsOf(useTasks(filter).data));
  const projects = rowsOf(useProjects({}).data);
  const create = useCreateTask();
  const update = useUpdateTask();
  const remove = useDeleteTask();
  const startTimer = useStartTimer();
  // The mutation functions are stable, so rows get the same actions object on every render.
  const { mutateAsync: updateAsync } = update;
  const { mutate: removeMutate } = remove;
  const { mutate: startMutate } = startTimer;
  const actions = useMemo<TaskActions>(
    () => ({
      // mutateAsync: each call settles its own promise (mutate's callbacks only fire for the latest call).
      setStatus: (id, status) => updateAsync({ id, patch: { status } }),
      remove: (id) => removeMutate(id),
      startTimer: (task) => startMutate({ task_id: task.id, project_id: task.project_id }),
    }),
    [updateAsync, removeMutate, startMutate],
  );
  const [title, setTitle] = useState('');
  const statusId = useId();
  const projectId = useId();

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter' || e.nativeEvent.isComposing) return;
    e.preventDefault();
    const t = title.trim();
    if (!t) return;
    setTitle('');
    create.mutate({ title: t, project_id: projectFilter || null, ...(status ? { status } : {}) });
  };

  return (
    <section className="card tasks" aria-labelledby="tasks-heading">
      <div className="section-head">
        <h2 id="tasks-heading">Tasks</h2>
        <div className="filters">
          <label htmlFor={statusId}>Status</label>
          <select id={statusId} value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
            <option value="">All</option>
            {TASK_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
          <label htmlFor={projectId}>Project</label>
          <select id={projectId} value={projectFilter} onChange={(e) => onProjectFilter(e.target.value)}>
            <option value="">All projects</option>
            {projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <input
        className="new-task"
        aria-label="New task"
        placeholder="New task… (Enter to add)"
        value={title}
        maxLength={500}
        onChange={(e) => setTitle(e.target.value)}
        onKeyDown={onKeyDown}
      />
      {create.error && (
        <p role="alert" className="error">
          {messageOf(create.error)}
        </p>
      )}
      <ul aria-label="Tasks" className="task-items">
        {tasks.map((t) => (
          <TaskRow key={t.id} task={t} projects={projects} actions={actions} />
        ))}
      </ul>
      {tasks.length === 0 && <p className="muted empty">No tasks here yet.</p>}
    </section>
  );
}
