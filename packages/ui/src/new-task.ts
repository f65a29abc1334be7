/**
 * What Enter in the "New task" input creates: the quick-add text's own date, project and status first, then
 * what the list is showing (pure; unit-tested in new-task.test.ts).
 */
import { matchesSearch } from '@selftracker/client';
import type { TaskStatus } from '@selftracker/core';
import { type CalendarDate, calendarDateOf, dayNumber, localNoon } from './calendar-date.ts';
import { describeDue, formatDate } from './due-format.ts';
import { STATUS_LABELS } from './labels.ts';
import type { QuickAdd, QuickAddProject } from './quick-add.ts';
import { dueDay, inView, type TaskView } from './task-views.ts';

/**
 * What the list shows while the task is typed: its view, its status and project filters ('' for all) and the
 * text of its search ('' or absent: none).
 */
export interface ListContext {
  view: TaskView;
  status: TaskStatus | '';
  projectId: string;
  search?: string;
}

/** The fields of the task to create. */
export interface NewTask {
  title: string;
  status: TaskStatus;
  project_id: string | null;
  due_at: number | null;
}

/**
 * The task that `q` (typed on `today`) creates in `ctx`. Typed tokens win. Otherwise the task gets the project
 * filter's project, the status filter's status unless that is Done (a new task is never done unless typed
 * `!done`: issue #14), and in the Today view today as its due date, so it shows where it was typed.
 */
export function newTask(q: QuickAdd, ctx: ListContext, today: CalendarDate): NewTask {
  const due = q.due ?? (ctx.view === 'today' ? today : null);
  return {
    title: q.title,
    status: q.status ?? statusForNewTask(ctx.status),
    project_id: q.project?.id ?? (ctx.projectId || null),
    due_at: due === null ? null : localNoon(due),
  };
}

/**
 * The status a new task gets from the status filter: that status, but never Done (a task added while the list
 * shows done tasks is still to do: issue #14); 'todo' without a filter.
 */
export function statusForNewTask(filter: TaskStatus | ''): TaskStatus {
  return filter === 'done' || filter === '' ? 'todo' : filter;
}

/** Whether the list in `ctx` shows `task` on `today` (else the input says where it went). */
export function shownIn(task: NewTask, ctx: ListContext, today: CalendarDate): boolean {
  if (ctx.status && task.status !== ctx.status) return false;
  if (ctx.projectId && task.project_id !== ctx.projectId) return false;
  if (ctx.search && !matchesSearch(ctx.search, { title: task.title, description: null })) return false;
  return inView(ctx.view, task.status, dueDay(task.due_at), dayNumber(today));
}

/**
 * The preview of what Enter will create, one part per field ("Due Tomorrow, Thu, Dec 4", "#Work",
 * "Title: Buy milk"), or none when the text is plain and nothing else applies.
 */
export function previewParts(
  q: QuickAdd,
  task: NewTask,
  projects: readonly QuickAddProject[],
  today: CalendarDate,
  locale?: string,
): string[] {
  const parts: string[] = [];
  if (task.due_at !== null) {
    const date = calendarDateOf(task.due_at);
    const rel = describeDue(date, today, { open: true, ...(locale ? { locale } : {}) }).text;
    const when = formatDate(date, date.year === today.year ? 'medium' : 'full', locale);
    parts.push(`Due ${rel === 'Today' || rel === 'Tomorrow' ? `${rel}, ${when}` : when}`);
  }
  const project = projects.find((p) => p.id === task.project_id);
  if (project) parts.push(`#${project.name}`);
  if (task.status !== 'todo') parts.push(STATUS_LABELS[task.status]);
  for (const name of new Set(q.unknownProjects)) parts.push(`No project “${name}”`);
  if (parts.length === 0 && q.tokens.length === 0) return [];
  parts.push(task.title ? `Title: ${task.title}` : 'Needs a title');
  return parts;
}
