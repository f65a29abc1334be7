import { join } from 'node:path';
import type { TaskStatus } from '@selftracker/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNodeDriver } from './drivers/node/index.ts';
import { Engine } from './engine.ts';
import {
  compareNoCase,
  compareText,
  type Filter,
  matchesFilter,
  type ProjectFilter,
  sortRows,
  type TaskFilter,
  type TimerFilter,
} from './filters.ts';
import type { Entity } from './repositories.ts';
import { tempDir } from './testing/index.ts';

const dir = tempDir('selftracker-filters-');
let engine: Engine;
beforeAll(async () => {
  engine = await Engine.open({
    driver: openNodeDriver(join(dir.path, 'f.db')),
    server: 'http://127.0.0.1:9',
  });
});
afterAll(async () => {
  await engine.close();
  dir.cleanup();
});

/** Text that stresses the collations: ASCII case pairs, accents, U+E000..U+FFFF next to astral characters. */
const tricky = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      'a',
      'A',
      'b',
      'B',
      'z',
      'Z',
      '_',
      ' ',
      'é',
      'É',
      'ß',
      'Ω',
      'ω',
      '\ue000',
      '\uffff',
      '😀',
      '𐀀',
    ),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 6,
});

describe('sort comparators agree with SQLite ORDER BY', () => {
  for (const [collation, compare] of [
    ['BINARY', compareText],
    ['NOCASE', compareNoCase],
  ] as const) {
    it(`${collation}: on arbitrary text, non-ASCII and astral included (property)`, async () => {
      const driver = openNodeDriver(join(dir.path, `${collation}.db`));
      await driver.exec('CREATE TABLE s (i INTEGER PRIMARY KEY, v TEXT NOT NULL)');
      await fc.assert(
        fc.asyncProperty(fc.array(tricky, { maxLength: 12 }), async (values) => {
          await driver.transaction(async (tx) => {
            await tx.exec('DELETE FROM s');
            for (const [i, v] of values.entries()) await tx.exec('INSERT INTO s VALUES (?, ?)', [i, v]);
          });
          const sqlite = await driver.query<{ i: number }>(
            `SELECT i FROM s ORDER BY v COLLATE ${collation}, i`,
          );
          const js = [...values.entries()].sort(([i, a], [j, b]) => compare(a, b) || i - j).map(([i]) => i);
          expect(js).toEqual(sqlite.map((r) => r.i));
        }),
        { numRuns: 200 },
      );
      await driver.close();
    });
  }
});

describe('typed filters: the SQL and the row predicate select the same rows (property)', () => {
  const STATUSES: TaskStatus[] = ['todo', 'in-progress', 'done'];
  let projects: Entity<'projects'>[];
  let tasks: Entity<'tasks'>[];
  let timers: Entity<'timers'>[];

  beforeAll(async () => {
    const names = ['Home', 'home', 'HOME office', 'Émile', 'émile', 'Zeta', 'alpha', '😀 fun', 'zz'];
    projects = await engine.projects.bulkCreate(names.map((name, i) => ({ name, archived: i % 3 === 0 })));
    tasks = await engine.tasks.bulkCreate(
      Array.from({ length: 40 }, (_, i) => ({
        title: `${names[i % names.length]} task ${i}`,
        status: STATUSES[i % 3]!,
        project_id: i % 4 === 0 ? null : projects[i % projects.length]!.id,
        due_at: i % 5 === 0 ? null : 1000 * (i % 7),
      })),
    );
    timers = await engine.timers.bulkCreate(
      Array.from({ length: 30 }, (_, i) => ({
        started_at: 1000 * (i % 9),
        stopped_at: i % 4 === 0 ? null : 1000 * (i % 9) + 500 * (i % 5),
        task_id: i % 3 === 0 ? null : tasks[i]!.id,
        project_id: i % 2 === 0 ? null : projects[i % projects.length]!.id,
      })),
    );
  });

  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const dropUndefined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const pick = <T>(rows: () => T[]) => fc.nat().map((i) => rows()[i % rows().length]!);
  const text = fc.constantFrom('home', 'HOME', 'émile', 'É', 'task 1', '😀', 'z', '');
  const time = fc.integer({ min: -500, max: 10_000 });

  async function agree<E extends 'projects' | 'tasks' | 'timers'>(
    entity: E,
    all: () => Entity<E>[],
    filters: fc.Arbitrary<Filter<E>>,
  ) {
    await fc.assert(
      fc.asyncProperty(filters, async (f) => {
        const filter = dropUndefined(f as object) as Filter<E>;
        const expected = sortRows(
          entity,
          all().filter((r) => matchesFilter(entity, r, filter)),
        ).map((r) => r.id);
        const repo = engine[entity] as unknown as { list(o: object): Promise<Entity<E>[]> };
        expect((await repo.list({ filter })).map((r) => r.id)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  }

  it('tasks', () =>
    agree<'tasks'>(
      'tasks',
      () => tasks,
      fc.record<TaskFilter>({
        status: opt(fc.subarray(STATUSES)),
        projectId: opt(
          fc.oneof(
            fc.constant(null),
            pick(() => projects).map((p) => p.id),
          ),
        ),
        dueBefore: opt(time),
        search: opt(text),
      }),
    ));

  it('projects', () =>
    agree<'projects'>(
      'projects',
      () => projects,
      fc.record<ProjectFilter>({ archived: opt(fc.boolean()), search: opt(text) }),
    ));

  it('timers', () =>
    agree<'timers'>(
      'timers',
      () => timers,
      fc.record<TimerFilter>({
        running: opt(fc.boolean()),
        taskId: opt(pick(() => tasks).map((t) => t.id)),
        projectId: opt(pick(() => projects).map((p) => p.id)),
        from: opt(time),
        to: opt(time),
      }),
    ));

  it('refuses a filter key it does not know (a programmer error)', async () => {
    // @ts-expect-error: not a task filter
    await expect(engine.tasks.list({ filter: { priority: 1 } })).rejects.toThrow(
      /unknown tasks filter priority/,
    );
  });
});
