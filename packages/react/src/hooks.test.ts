import { join } from 'node:path';
import {
  Engine,
  type Entity,
  type Filter,
  type SqliteDriver,
  StorageError,
  type Task,
} from '@selftracker/client';
import { openNodeDriver } from '@selftracker/client/node';
import { tempDir } from '@selftracker/client/testing';
import type { EntityName } from '@selftracker/core';
import { MutationObserver, QueryClient, QueryObserver } from '@tanstack/react-query';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useSyncStatus } from './hooks.ts';
import { selftrackerKeys } from './keys.ts';
import {
  createOptions,
  deleteOptions,
  startTimerOptions,
  stopTimerOptions,
  updateOptions,
} from './mutations.ts';
import { connectEngine, SelfTrackerProvider, useEngine } from './provider.ts';
import { listQueryOptions, taskSearchQueryOptions } from './queries.ts';

/**
 * The node driver with a gate in front of transactions (a fake at the I/O edge): the test decides when a write
 * may start, or makes the storage fail it.
 */
function gated(real: SqliteDriver) {
  let hold: Promise<void> | undefined;
  const driver: SqliteDriver = {
    exec: (sql, params) => real.exec(sql, params),
    query: (sql, params) => real.query(sql, params),
    transaction: async (fn) => {
      if (hold) await hold;
      return real.transaction(fn);
    },
    close: () => real.close(),
  };
  return {
    driver,
    pause() {
      let open!: () => void;
      let fail!: (e: unknown) => void;
      hold = new Promise<void>((resolve, reject) => {
        open = resolve;
        fail = reject;
      });
      return (error?: unknown) => {
        hold = undefined;
        if (error) fail(error);
        else open();
      };
    },
  };
}

const dir = tempDir('selftracker-react-');
let engine: Engine;
let gate: ReturnType<typeof gated>;
let qc: QueryClient;
let disconnect: () => void;
let n = 0;

beforeEach(async () => {
  gate = gated(openNodeDriver(join(dir.path, `t${n++}.db`)));
  // Nothing listens there: these tests never sync.
  engine = await Engine.open({ driver: gate.driver, server: 'http://127.0.0.1:9' });
  qc = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  disconnect = connectEngine(engine, qc);
});
afterEach(async () => {
  disconnect();
  qc.clear();
  await engine.close();
});

/** A live list, as a mounted `useTasks(filter)` would hold it. */
function watch<E extends EntityName>(entity: E, filter?: Filter<E>) {
  type Rows = Entity<E>[];
  const observer = new QueryObserver<Rows>(qc, listQueryOptions(engine, entity, filter));
  const unsubscribe = observer.subscribe(() => {});
  return {
    rows: () => observer.getCurrentResult().data,
    /** Resolves when the list satisfies `check` (queries settle asynchronously). */
    until: (check: (rows: Rows) => boolean) =>
      new Promise<Rows>((resolve) => {
        const test = () => {
          const d = observer.getCurrentResult().data;
          if (d && !observer.getCurrentResult().isFetching && check(d)) {
            off();
            resolve(d);
          }
        };
        const off = observer.subscribe(test);
        test();
      }),
    unsubscribe,
  };
}
const titles = (rows: Task[] | undefined) => rows?.map((r) => r.title);
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('queries', () => {
  it('lists with the key shape ["selftracker", entity, filter], offline, and refetch on engine.onChange', async () => {
    const opts = listQueryOptions(engine, 'tasks', { status: ['done'] });
    expect(opts.queryKey).toEqual(['selftracker', 'tasks', { status: ['done'] }]);
    expect(opts.networkMode).toBe('always');
    const all = watch('tasks');
    expect(await all.until(() => true)).toEqual([]);
    // A write through the engine itself (as sync or another component would do) shows up by invalidation.
    await engine.tasks.create({ title: 'Write report' });
    expect(titles(await all.until((r) => r.length === 1))).toEqual(['Write report']);
    expect(qc.getQueryData(selftrackerKeys.list('tasks'))).toHaveLength(1);
    all.unsubscribe();
  });

  it('filters tasks, projects and timers like the screens need', async () => {
    const p = await engine.projects.create({ name: 'Home' });
    await engine.projects.create({ name: 'Old', archived: true });
    await engine.tasks.create({ title: 'a', project_id: p.id });
    await engine.tasks.create({ title: 'b', status: 'done' });
    const t0 = Date.now();
    await engine.timers.create({ started_at: t0 - 10_000, stopped_at: t0 - 5_000, project_id: p.id });
    await engine.timers.start({ note: 'now' });

    const get = <E extends EntityName>(entity: E, filter: Filter<E>) =>
      qc.fetchQuery(listQueryOptions(engine, entity, filter)) as Promise<Entity<E>[]>;
    expect(titles(await get('tasks', { projectId: p.id }))).toEqual(['a']);
    expect(titles(await get('tasks', { projectId: null }))).toEqual(['b']);
    expect(titles(await get('tasks', { status: ['done'] }))).toEqual(['b']);
    expect(titles(await get('tasks', { status: ['todo', 'done'], search: 'B' }))).toEqual(['b']);
    expect((await get('projects', { archived: false })).map((r) => r.name)).toEqual(['Home']);
    expect((await get('projects', { archived: true })).map((r) => r.name)).toEqual(['Old']);
    expect((await get('timers', { running: true })).map((r) => r.note)).toEqual(['now']);
    expect((await get('timers', { running: false })).map((r) => r.project_id)).toEqual([p.id]);
    expect(await get('timers', { projectId: p.id })).toHaveLength(1);
    expect(await get('timers', { from: t0 - 20_000, to: t0 - 9_000 })).toHaveLength(1); // overlaps the old one
    expect(await get('timers', { from: t0 - 4_000 })).toHaveLength(1); // only the running one
  });
});

describe('task search', () => {
  /** A live search, as a mounted `useTaskSearch(text, filter)` would hold it. */
  function watchSearch(text: string, filter?: Filter<'tasks'>) {
    const observer = new QueryObserver<Task[]>(qc, taskSearchQueryOptions(engine, text, filter));
    const unsubscribe = observer.subscribe(() => {});
    return {
      rows: () => observer.getCurrentResult().data,
      until: (check: (rows: Task[]) => boolean) =>
        new Promise<Task[]>((resolve) => {
          const test = () => {
            const r = observer.getCurrentResult();
            if (r.data && !r.isFetching && !r.isPlaceholderData && check(r.data)) {
              off();
              resolve(r.data);
            }
          };
          const off = observer.subscribe(test);
          test();
        }),
      unsubscribe,
    };
  }

  it('keys a search by filter and text, offline; blank text is the plain list and shares its cache', () => {
    const opts = taskSearchQueryOptions(engine, 'rep', { status: ['todo'] });
    expect(opts.queryKey).toEqual(['selftracker', 'tasks', { status: ['todo'] }, { search: 'rep' }]);
    expect(opts.networkMode).toBe('always');
    for (const blank of ['', '  ', '(']) {
      expect(taskSearchQueryOptions(engine, blank, { status: ['todo'] }).queryKey).toEqual(
        listQueryOptions(engine, 'tasks', { status: ['todo'] }).queryKey,
      );
    }
  });

  it('finds by title and description, ranked, and follows writes made through the engine', async () => {
    await engine.tasks.create({ title: 'Buy milk', description: 'and a report card' });
    await engine.tasks.create({ title: 'Write report' });
    await engine.tasks.create({ title: 'Other' });
    const found = watchSearch('repo');
    expect(titles(await found.until(() => true))).toEqual(['Write report', 'Buy milk']);
    await engine.tasks.create({ title: 'Report to Ana' }); // as sync or another component would
    expect(titles(await found.until((r) => r.length === 3))).toContain('Report to Ana');
    found.unsubscribe();
  });

  it('edits a shown search at once: keeps its ranked order, drops a row that stops matching, adds one that matches', async () => {
    const a = await engine.tasks.create({ title: 'Paint', description: 'paint the paint' });
    await engine.tasks.create({ title: 'Buy paint brushes' });
    const found = watchSearch('paint');
    const ranked = titles(await found.until((r) => r.length === 2));
    expect(ranked).toEqual(['Paint', 'Buy paint brushes']);

    let release = gate.pause();
    const done = new MutationObserver(qc, updateOptions(engine, qc, 'tasks')).mutate({
      id: a.id,
      patch: { status: 'done' },
    });
    await tick();
    expect(titles(found.rows())).toEqual(ranked); // changed in place, not re-sorted by creation
    release();
    await done;

    release = gate.pause();
    const renamed = new MutationObserver(qc, updateOptions(engine, qc, 'tasks')).mutate({
      id: a.id,
      patch: { title: 'Varnish', description: null },
    });
    const created = new MutationObserver(qc, createOptions(engine, qc, 'tasks')).mutate({
      title: 'Paintings',
    });
    const elsewhere = new MutationObserver(qc, createOptions(engine, qc, 'tasks')).mutate({ title: 'Walk' });
    await tick();
    expect(titles(found.rows())).toEqual(['Buy paint brushes', 'Paintings']); // at once: the write still waits
    release();
    await Promise.all([renamed, created, elsewhere]);
    expect(titles(await found.until((r) => !r.some((x) => x.id.startsWith('optimistic-'))))).toEqual([
      'Paintings',
      'Buy paint brushes',
    ]);
    found.unsubscribe();
  });
});

describe('optimistic mutations', () => {
  it('shows a created task before the engine write resolves, then the stored row', async () => {
    const list = watch('tasks', { status: ['todo'] });
    const done = watch('tasks', { status: ['done'] });
    await list.until(() => true);
    await done.until(() => true);
    const release = gate.pause();
    const m = new MutationObserver(qc, createOptions(engine, qc, 'tasks'));
    const result = m.mutate({ title: 'Buy milk' });
    await tick();
    expect(titles(list.rows())).toEqual(['Buy milk']); // visible now, the write is still waiting
    expect(list.rows()?.[0]).toMatchObject({ status: 'todo', synced: false });
    expect(done.rows()).toEqual([]); // a list whose filter it does not match is left alone
    expect(await engine.tasks.list()).toEqual([]);
    release();
    const created = await result;
    const rows = await list.until((r) => r[0]?.id === created.id);
    expect(titles(rows)).toEqual(['Buy milk']);
    expect(await engine.tasks.get(created.id)).toMatchObject({ title: 'Buy milk' });
    list.unsubscribe();
    done.unsubscribe();
  });

  it('places an optimistic row where the stored list will have it (non-ASCII names sort as SQLite does)', async () => {
    for (const name of ['alpha', 'Zeta', 'Beta']) await engine.projects.create({ name });
    const list = watch('projects');
    await list.until((r) => r.length === 3);
    const release = gate.pause();
    const m = new MutationObserver(qc, createOptions(engine, qc, 'projects')).mutate({ name: 'Émile' });
    await tick();
    const shown = list.rows()?.map((r) => r.name);
    release();
    await m;
    const stored = await list.until((r) => r.length === 4 && !r.some((x) => x.id.startsWith('optimistic-')));
    // COLLATE NOCASE folds ASCII only and orders by code point: "É" (U+00C9) comes after "Z".
    expect(shown).toEqual(['alpha', 'Beta', 'Zeta', 'Émile']);
    expect(stored.map((r) => r.name)).toEqual(shown);
    list.unsubscribe();
  });

  it('rolls back an update whose write fails, and the stored row stays as it was', async () => {
    const t = await engine.tasks.create({ title: 'Keep me' });
    const list = watch('tasks');
    await list.until((r) => r.length === 1);
    const release = gate.pause();
    const m = new MutationObserver(qc, updateOptions(engine, qc, 'tasks'));
    const result = m.mutate({ id: t.id, patch: { title: 'Lost edit' } }).catch((e: unknown) => e);
    await tick();
    expect(titles(list.rows())).toEqual(['Lost edit']); // optimistic
    release(new StorageError('io', 'disk I/O error'));
    const err = await result;
    expect(err).toMatchObject({ name: 'StorageError', code: 'io' });
    expect(titles(list.rows())).toEqual(['Keep me']); // rolled back at once
    expect(m.getCurrentResult().status).toBe('error');
    expect(titles(await list.until(() => true))).toEqual(['Keep me']); // and the refetch agrees
    expect(await engine.tasks.get(t.id)).toMatchObject({ title: 'Keep me' });
    list.unsubscribe();
  });

  it('rolls back an update the engine refuses as invalid', async () => {
    const t = await engine.tasks.create({ title: 'Keep me' });
    const list = watch('tasks');
    await list.until((r) => r.length === 1);
    const err = await new MutationObserver(qc, updateOptions(engine, qc, 'tasks'))
      .mutate({ id: t.id, patch: { title: '' } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_input' });
    expect(titles(list.rows())).toEqual(['Keep me']);
    list.unsubscribe();
  });

  it('moves an updated task between filtered lists and rolls back a delete of a vanished row', async () => {
    const t = await engine.tasks.create({ title: 'Move me' });
    const todo = watch('tasks', { status: ['todo'] });
    await todo.until((r) => r.length === 1);
    const release = gate.pause();
    const upd = new MutationObserver(qc, updateOptions(engine, qc, 'tasks')).mutate({
      id: t.id,
      patch: { status: 'done' },
    });
    await tick();
    expect(todo.rows()).toEqual([]); // left the "todo" list at once
    release();
    await upd;
    expect(await engine.tasks.get(t.id)).toMatchObject({ status: 'done' });

    const all = watch('tasks');
    await all.until((r) => r.length === 1);
    // The row disappears underneath the cache (another device deleted it and sync applied it, say) without
    // an invalidation reaching this list: the delete fails with not_found and the list is restored.
    disconnect();
    await engine.tasks.delete(t.id);
    const del = await new MutationObserver(qc, deleteOptions(engine, qc, 'tasks'))
      .mutate(t.id)
      .catch((e: unknown) => e);
    expect(del).toMatchObject({ code: 'not_found' });
    expect(all.rows()).toEqual([]); // settling refetched the truth: it is gone
    todo.unsubscribe();
    all.unsubscribe();
  });

  it('removes a deleted project at once', async () => {
    const p = await engine.projects.create({ name: 'Gone' });
    await engine.projects.create({ name: 'Stays' });
    const list = watch('projects', { archived: false });
    await list.until((r) => r.length === 2);
    const release = gate.pause();
    const del = new MutationObserver(qc, deleteOptions(engine, qc, 'projects')).mutate(p.id);
    await tick();
    expect(list.rows()?.map((r) => r.name)).toEqual(['Stays']);
    release();
    await del;
    expect(await engine.projects.get(p.id)).toBeUndefined();
    list.unsubscribe();
  });

  it('starting a timer stops the running one in the cache at once; stopping empties "running"', async () => {
    const first = await engine.timers.start({ note: 'first' });
    const running = watch('timers', { running: true });
    const all = watch('timers');
    await running.until((r) => r.length === 1);
    await all.until((r) => r.length === 1);

    let release = gate.pause();
    const start = new MutationObserver(qc, startTimerOptions(engine, qc)).mutate({ note: 'second' });
    await tick();
    expect(running.rows()?.map((r) => r.note)).toEqual(['second']);
    expect(all.rows()?.find((r) => r.id === first.id)?.stopped_at).toEqual(expect.any(Number));
    release();
    await start;
    await running.until((r) => r.length === 1 && r[0]!.id !== first.id);

    release = gate.pause();
    const stop = new MutationObserver(qc, stopTimerOptions(engine, qc)).mutate();
    await tick();
    expect(running.rows()).toEqual([]);
    release();
    await stop;
    expect(await engine.timers.running()).toEqual([]);
    running.unsubscribe();
    all.unsubscribe();
  });

  it('edits a time entry at once: a new start moves it out of a range list; an entry added by hand shows in it', async () => {
    const H = 3_600_000;
    const T = Date.UTC(2025, 2, 10, 9);
    const e = await engine.timers.create({ started_at: T, stopped_at: T + H, note: 'entry' });
    const week = watch('timers', { from: T - 24 * H, to: T + 24 * H });
    await week.until((r) => r.length === 1);

    let release = gate.pause();
    const add = new MutationObserver(qc, createOptions(engine, qc, 'timers')).mutate({
      started_at: T + 2 * H,
      stopped_at: T + 3 * H,
      note: 'by hand',
    });
    await tick();
    expect(week.rows()?.map((r) => r.note)).toEqual(['by hand', 'entry']); // newest first, before the write
    release();
    await add;

    release = gate.pause();
    const edit = new MutationObserver(qc, updateOptions(engine, qc, 'timers')).mutate({
      id: e.id,
      patch: { started_at: T - 72 * H, stopped_at: T - 71 * H, note: 'moved' },
    });
    await tick();
    expect(week.rows()?.map((r) => r.note)).toEqual(['by hand']); // left the range at once
    release();
    await edit;
    expect(await engine.timers.get(e.id)).toMatchObject({ started_at: T - 72 * H, note: 'moved' });
    week.unsubscribe();
  });
});

function Status() {
  const e = useEngine();
  const s = useSyncStatus();
  return createElement('p', null, `${e === engine} ${s.phase} ${s.pending}`);
}
function Bare() {
  useEngine();
  return null;
}

describe('provider', () => {
  it('gives components the engine and its sync status', () => {
    const html = renderToString(
      createElement(SelfTrackerProvider, { engine, queryClient: qc }, createElement(Status)),
    );
    expect(html).toContain(`true ${engine.status.phase} ${engine.status.pending}`);
  });

  it('refuses hooks outside the provider', () => {
    expect(() => renderToString(createElement(Bare))).toThrow(/SelfTrackerProvider/);
  });
});
