/**
 * Which tasks a view shows and in what order (pure; unit-tested in task-views.test.ts). Due dates are compared
 * by local calendar day: a task due today is due today from 00:00 to 24:00, whatever its `due_at` time.
 */
import type { TaskStatus } from '@selftracker/core';
import { calendarDateOf, dayNumber } from './calendar-date.ts';

/** The views of the task list, in the order their tabs show. */
export const TASK_VIEWS = ['today', 'upcoming', 'overdue', 'all'] as const;
export type TaskView = (typeof TASK_VIEWS)[number];

/** The tab names (accessible names: the tests and the desktop app find the views by them). */
export const VIEW_LABELS: Record<TaskView, string> = {
  today: 'Today',
  upcoming: 'Upcoming',
  overdue: 'Overdue',
  all: 'All tasks',
};

/** What a view says when it has nothing to show. */
export const VIEW_EMPTY: Record<TaskView, string> = {
  today: 'Nothing due today.',
  upcoming: 'Nothing due after today.',
  overdue: 'Nothing overdue.',
  all: 'No tasks here yet.',
};

/** The fields of a task that views and ordering look at. */
export interface ViewedTask {
  readonly id: string;
  readonly status: TaskStatus;
  readonly due_at: number | null;
  readonly created_at: number;
  readonly updated_at: number;
}

/** The local day number (see `dayNumber`) of a `due_at`, or null. */
export const dueDay = (dueAt: number | null): number | null =>
  dueAt === null ? null : dayNumber(calendarDateOf(dueAt));

/**
 * Whether a task belongs in `view` on day `today` (a day number): Today holds what is due today and what is
 * overdue, Upcoming what is due after today, Overdue the open tasks due before today, All tasks everything.
 */
export function inView(view: TaskView, status: TaskStatus, due: number | null, today: number): boolean {
  if (view === 'all') return true;
  if (due === null) return false;
  const overdue = due < today && status !== 'done';
  if (view === 'today') return due === today || overdue;
  if (view === 'upcoming') return due > today;
  return overdue;
}

/** A view's tasks, split into open ones and done ones. */
export interface ArrangedTasks<T> {
  /** Open tasks by due day (none last), then by creation. */
  open: T[];
  /** Done tasks, the most recently changed (usually: completed) first. */
  done: T[];
}

/**
 * The tasks of `view` on day `today`, ordered for the list. `ranked` tasks (search results, best match first)
 * keep their order within the open ones and within the done ones.
 */
export function arrangeTasks<T extends ViewedTask>(
  tasks: readonly T[],
  view: TaskView,
  today: number,
  { ranked = false }: { ranked?: boolean } = {},
): ArrangedTasks<T> {
  const open: { task: T; due: number }[] = [];
  const done: T[] = [];
  for (const task of tasks) {
    const due = dueDay(task.due_at);
    if (!inView(view, task.status, due, today)) continue;
    if (task.status === 'done') done.push(task);
    else open.push({ task, due: due ?? Number.POSITIVE_INFINITY });
  }
  if (ranked) return { open: open.map((o) => o.task), done };
  open.sort(
    (a, b) =>
      a.due - b.due ||
      a.task.created_at - b.task.created_at ||
      (a.task.id < b.task.id ? -1 : a.task.id > b.task.id ? 1 : 0),
  );
  done.sort((a, b) => b.updated_at - a.updated_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { open: open.map((o) => o.task), done };
}
