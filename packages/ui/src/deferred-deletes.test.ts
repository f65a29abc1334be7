import { ClientError } from '@selftracker/client';
import { describe, expect, it } from 'vitest';
import { createDeferredDeletes, type DeferredDelete, type DeleteJournal } from './deferred-deletes.ts';

/** A journal in memory, as localStorage would keep it across a reload. */
function memoryJournal(): DeleteJournal & { saved: DeferredDelete[] } {
  const j = {
    saved: [] as DeferredDelete[],
    load: () => [...j.saved],
    save: (d: readonly DeferredDelete[]) => {
      j.saved = [...d];
    },
  };
  return j;
}

/** A fake engine edge: the rows that exist; `remove` deletes one (not_found if absent, or fails). */
function rows(ids: string[], { failing = false } = {}) {
  const live = new Set(ids);
  return {
    live,
    async remove(d: DeferredDelete) {
      if (failing) throw new Error('database closed');
      if (!live.delete(d.id)) throw new ClientError('not_found', `${d.entity} ${d.id} not found`);
    },
  };
}

describe('deferred deletes', () => {
  it('hides at once and writes nothing until committed; the row stays hidden after', async () => {
    const journal = memoryJournal();
    const db = rows(['t1']);
    const deletes = createDeferredDeletes({ journal, remove: db.remove });
    const steps = deletes.defer({ entity: 'tasks', id: 't1' });
    expect([...deletes.getSnapshot()]).toEqual(['tasks:t1']);
    expect(db.live.has('t1')).toBe(true);
    expect(journal.saved).toEqual([{ entity: 'tasks', id: 't1' }]);
    await steps.commit();
    expect(db.live.has('t1')).toBe(false);
    expect(journal.saved).toEqual([]);
    expect(deletes.getSnapshot().has('tasks:t1')).toBe(true);
  });

  it('undo shows the row again and forgets the delete: nothing was sent', () => {
    const journal = memoryJournal();
    const db = rows(['t1']);
    const deletes = createDeferredDeletes({ journal, remove: db.remove });
    let changes = 0;
    deletes.subscribe(() => changes++);
    deletes.defer({ entity: 'projects', id: 'p1' }).undo();
    expect(deletes.getSnapshot().size).toBe(0);
    expect(journal.saved).toEqual([]);
    expect(changes).toBe(2);
  });

  it('a delete left by a page that went away is written at the next start, hidden meanwhile', async () => {
    const journal = memoryJournal();
    const db = rows(['t1', 't2']);
    createDeferredDeletes({ journal, remove: db.remove }).defer({ entity: 'tasks', id: 't1' });
    // The tab dies here. The next page:
    const next = createDeferredDeletes({ journal, remove: db.remove });
    const recovering = next.recover();
    expect(next.getSnapshot().has('tasks:t1')).toBe(true);
    await recovering;
    expect([...db.live]).toEqual(['t2']);
    expect(journal.saved).toEqual([]);
  });

  it('a row already gone counts as deleted; a failure shows the row again and keeps the note', async () => {
    const journal = memoryJournal();
    const gone = createDeferredDeletes({ journal, remove: rows([]).remove });
    await gone.defer({ entity: 'tasks', id: 't1' }).commit();
    expect(journal.saved).toEqual([]);

    const failing = createDeferredDeletes({ journal, remove: rows(['t2'], { failing: true }).remove });
    await expect(failing.defer({ entity: 'tasks', id: 't2' }).commit()).rejects.toThrow('database closed');
    expect(failing.getSnapshot().has('tasks:t2')).toBe(false);
    expect(journal.saved).toEqual([{ entity: 'tasks', id: 't2' }]);
  });
});
