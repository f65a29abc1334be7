import {
  type Project,
  type Task,
  type Timer,
  useProjects,
  useStartTimer,
  useStopTimer,
  useTasks,
  useTimers,
} from '@selftracker/react';
import { type FormEvent, useId, useState } from 'react';
import { formatClock, formatDuration } from './format.ts';
import { messageOf } from './labels.ts';
import { rowsOf } from './rows.ts';
import { useHiddenRows } from './undo-toast.tsx';
import { useNow } from './use-now.ts';

/** What a timer is on, for people: the task's title, else the project's name. */
export function timerLabel(t: Timer, tasks: readonly Task[], projects: readonly Project[]): string {
  const task = tasks.find((x) => x.id === t.task_id);
  const project = projects.find((x) => x.id === t.project_id);
  return task?.title ?? project?.name ?? (t.task_id || t.project_id ? '(deleted)' : 'No task');
}

/** The running timer (role "timer", ticking every second) with "Stop timer", or a form with "Start timer". */
export function TimerPanel() {
  const running = useTimers({ running: true }).data?.[0];
  const tasks = rowsOf(useTasks({}).data);
  const projects = rowsOf(useProjects({}).data);
  const start = useStartTimer();
  const stop = useStopTimer();
  const now = useNow(running !== undefined);
  const [target, setTarget] = useState('');
  const [note, setNote] = useState('');
  const targetId = useId();
  const noteId = useId();
  const error = start.error ?? stop.error;
  // A row whose delete waits for its undo toast is not offered.
  const isHidden = useHiddenRows();

  const onStart = (e: FormEvent) => {
    e.preventDefault();
    const [kind, id] = target.split(':');
    const task = kind === 'task' ? tasks.find((t) => t.id === id) : undefined;
    start.mutate(
      {
        ...(task ? { task_id: task.id, project_id: task.project_id } : {}),
        ...(kind === 'project' && id ? { project_id: id } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
      },
      { onSuccess: () => setNote('') },
    );
  };

  return (
    <section className="card timer-panel" aria-label="Timer">
      {running ? (
        <div className="running">
          <div role="timer" aria-label="Running timer" aria-live="off" className="elapsed">
            {formatDuration(now - running.started_at)}
          </div>
          <div className="running-what">
            <strong>{timerLabel(running, tasks, projects)}</strong>
            {running.note && <span className="muted"> — {running.note}</span>}
            <div className="muted small">since {formatClock(running.started_at)}</div>
          </div>
          <button type="button" className="stop" onClick={() => stop.mutate(undefined)}>
            Stop timer
          </button>
        </div>
      ) : (
        <form className="start-form" onSubmit={onStart}>
          <label htmlFor={targetId}>Track</label>
          <select id={targetId} value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">Nothing in particular</option>
            <optgroup label="Tasks">
              {tasks
                .filter((t) => t.status !== 'done' && !isHidden('tasks', t.id))
                .map((t) => (
                  <option key={t.id} value={`task:${t.id}`}>
                    {t.title}
                  </option>
                ))}
            </optgroup>
            <optgroup label="Projects">
              {projects
                .filter((p) => !p.archived && !isHidden('projects', p.id))
                .map((p) => (
                  <option key={p.id} value={`project:${p.id}`}>
                    {p.name}
                  </option>
                ))}
            </optgroup>
          </select>
          <label htmlFor={noteId}>Note</label>
          <input id={noteId} value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} />
          <button type="submit">Start timer</button>
        </form>
      )}
      {error && (
        <p role="alert" className="error">
          {messageOf(error)}
        </p>
      )}
    </section>
  );
}
