import type { TaskStatus } from '@selftracker/core';
import { describe, expect, it } from 'vitest';
import { type CalendarDate, dayNumber, localNoon } from './calendar-date.ts';
import { type ListContext, newTask, previewParts, shownIn } from './new-task.ts';
import { parseQuickAdd } from './quick-add.ts';
import { arrangeTasks, type TaskView } from './task-views.ts';

const WED: CalendarDate = { year: 2025, month: 12, day: 3 };
const at = (day: number, hour = 12) => new Date(2025, 11, day, hour).getTime();
const today = dayNumber(WED);

let created = 0;
const task = (id: string, status: TaskStatus, due: number | null, updated = 0) => ({
  id,
  status,
  due_at: due,
  created_at: ++created,
  updated_at: updated,
});
const tasks = [
  task('no-date', 'todo', null),
  task('fri', 'todo', at(5)),
  task('today-late', 'in-progress', at(3, 23)),
  task('overdue', 'todo', at(1)),
  task('today-early', 'todo', at(3, 0)),
  task('done-today', 'done', at(3), 5),
  task('done-past', 'done', at(1), 9),
  task('done-undated', 'done', null, 7),
  task('next-year', 'todo', new Date(2026, 0, 2, 12).getTime()),
];
const ids = (view: TaskView) => {
  const { open, done } = arrangeTasks(tasks, view, today);
  return { open: open.map((t) => t.id), done: done.map((t) => t.id) };
};

describe('arrangeTasks', () => {
  it('keeps the order of ranked tasks (search results) within open and done', () => {
    const ranked = [...tasks].reverse();
    const { open, done } = arrangeTasks(ranked, 'all', today, { ranked: true });
    expect(open.map((t) => t.id)).toEqual([
      'next-year',
      'today-early',
      'overdue',
      'today-late',
      'fri',
      'no-date',
    ]);
    expect(done.map((t) => t.id)).toEqual(['done-undated', 'done-past', 'done-today']);
    expect(arrangeTasks(ranked, 'today', today, { ranked: true }).open.map((t) => t.id)).toEqual([
      'today-early',
      'overdue',
      'today-late',
    ]);
  });

  it('All tasks: open by due day (none last), then created; done apart, latest first', () => {
    expect(ids('all')).toEqual({
      open: ['overdue', 'today-late', 'today-early', 'fri', 'next-year', 'no-date'],
      done: ['done-past', 'done-undated', 'done-today'],
    });
  });

  it('Today: due today at any hour, and overdue open tasks first', () => {
    expect(ids('today')).toEqual({ open: ['overdue', 'today-late', 'today-early'], done: ['done-today'] });
  });

  it('Upcoming: due after today, by date', () => {
    expect(ids('upcoming')).toEqual({ open: ['fri', 'next-year'], done: [] });
  });

  it('Overdue: open tasks due before today only', () => {
    expect(ids('overdue')).toEqual({ open: ['overdue'], done: [] });
  });
});

describe('newTask', () => {
  const projects = [{ id: 'p-work', name: 'Work' }];
  const ctx = (c: Partial<ListContext> = {}): ListContext => ({
    view: 'all',
    status: '',
    projectId: '',
    ...c,
  });
  const make = (text: string, c?: Partial<ListContext>) =>
    newTask(parseQuickAdd(text, localNoon(WED), { projects }), ctx(c), WED);

  it('takes the typed date, project and status', () => {
    expect(make('Buy milk tomorrow #work !doing')).toEqual({
      title: 'Buy milk',
      status: 'in-progress',
      project_id: 'p-work',
      due_at: localNoon({ year: 2025, month: 12, day: 4 }),
    });
  });

  it('is never created done because the Done filter is on (issue #14), unless typed !done', () => {
    expect(make('Buy milk', { status: 'done' }).status).toBe('todo');
    expect(make('Buy milk !done', { status: 'done' }).status).toBe('done');
    expect(make('Buy milk', { status: 'in-progress' }).status).toBe('in-progress');
    expect(make('Buy milk').status).toBe('todo');
  });

  it('falls back to the project filter, and to today in the Today view', () => {
    expect(make('Buy milk', { projectId: 'p-other' }).project_id).toBe('p-other');
    expect(make('Buy milk #work', { projectId: 'p-other' }).project_id).toBe('p-work');
    expect(make('Buy milk', { view: 'today' }).due_at).toBe(localNoon(WED));
    expect(make('Buy milk fri', { view: 'today' }).due_at).toBe(localNoon({ year: 2025, month: 12, day: 5 }));
    expect(make('Buy milk', { view: 'upcoming' }).due_at).toBeNull();
  });

  it('says whether the list will show it', () => {
    const shown = (text: string, c: Partial<ListContext>) => shownIn(make(text, c), ctx(c), WED);
    expect(shown('Buy milk', { status: 'done' })).toBe(false);
    expect(shown('Buy milk', { view: 'today' })).toBe(true);
    expect(shown('Buy milk', { view: 'upcoming' })).toBe(false);
    expect(shown('Buy milk tomorrow', { view: 'upcoming' })).toBe(true);
    expect(shown('Buy milk #work', { projectId: 'p-other' })).toBe(false);
    // A search shows it when its title has the words, the last one as a prefix, accents folded.
    expect(shown('Buy oat milk', { search: 'mil' })).toBe(true);
    expect(shown('Café crème', { search: 'cafe' })).toBe(true);
    expect(shown('Buy milk', { search: 'bread' })).toBe(false);
    expect(shown('Buy milk', { search: '(' })).toBe(true); // no word: no search
  });
});

describe('previewParts', () => {
  const projects = [{ id: 'p-work', name: 'Work' }];
  const preview = (text: string, c: Partial<ListContext> = {}) => {
    const q = parseQuickAdd(text, localNoon(WED), { projects });
    const context: ListContext = { view: 'all', status: '', projectId: '', ...c };
    return previewParts(q, newTask(q, context, WED), projects, WED, 'en-US').join(' · ');
  };

  it('shows what was understood', () => {
    expect(preview('Buy milk tomorrow #Work')).toBe('Due Tomorrow, Thu, Dec 4 · #Work · Title: Buy milk');
    expect(preview('Buy milk fri !done')).toBe('Due Fri, Dec 5 · Done · Title: Buy milk');
    expect(preview('Buy milk jan 2')).toBe('Due Friday, January 2, 2026 · Title: Buy milk');
    expect(preview('Fix bug #123')).toBe('No project “123” · Title: Fix bug #123');
    expect(preview('tomorrow')).toBe('Due Tomorrow, Thu, Dec 4 · Needs a title');
  });

  it('shows what the list adds, and nothing for plain text in a plain list', () => {
    expect(preview('Buy milk', { view: 'today', projectId: 'p-work' })).toBe(
      'Due Today, Wed, Dec 3 · #Work · Title: Buy milk',
    );
    expect(preview('Buy milk')).toBe('');
  });
});
