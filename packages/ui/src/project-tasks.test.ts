import { describe, expect, it } from 'vitest';
import { archivedIds, openCounts, tasksShown } from './project-tasks.ts';

const projects = [
  { id: 'work', archived: false },
  { id: 'old', archived: true },
];
const task = (id: string, project_id: string | null, status = 'todo') => ({ id, project_id, status });
const tasks = [
  task('w1', 'work'),
  task('w2', 'work', 'done'),
  task('w3', 'work', 'in-progress'),
  task('o1', 'old'),
  task('n1', null),
  task('n2', null, 'done'),
];
const ids = (ts: readonly { id: string }[]) => ts.map((t) => t.id);

describe('tasks by project', () => {
  const archived = archivedIds(projects);

  it('leaves the archived projects’ tasks out of All projects, and shows them under their project', () => {
    expect(ids(tasksShown(tasks, '', archived))).toEqual(['w1', 'w2', 'w3', 'n1', 'n2']);
    const old = tasks.filter((t) => t.project_id === 'old'); // what the project filter's query returns
    expect(ids(tasksShown(old, 'old', archived))).toEqual(['o1']);
  });

  it('leaves out hidden tasks, and returns the same list when nothing is left out', () => {
    expect(ids(tasksShown(tasks, 'any', archived, (id) => id === 'w1'))).toEqual([
      'w2',
      'w3',
      'o1',
      'n1',
      'n2',
    ]);
    expect(tasksShown(tasks, 'any', archived)).toBe(tasks);
  });

  it('counts open tasks per project, and for All projects what it shows', () => {
    const counts = openCounts(tasks, archived);
    expect(Object.fromEntries(counts.byProject)).toEqual({ work: 2, old: 1 });
    expect(counts.all).toBe(3); // w1, w3, n1: not the archived o1, not the done ones
    expect(openCounts(tasks, archived, (id) => id === 'n1').all).toBe(2);
  });
});
