/**
 * Deletes that wait for their undo toast to end (unit-tested in deferred-deletes.test.ts).
 *
 * Why deferred, and not "delete now, restore on Undo": a delete is a tombstone, and PROTOCOL.md makes a tombstone
 * final ("later or concurrent updates to it are accepted and have no effect"). Once the DELETE is pushed (the sync
 * loop pushes within milliseconds when online) nothing can bring the row back under its id; a copy under a new id
 * would lose the timers that point at it. So a delete is only hidden here until its toast ends, and written to the
 * engine then (an ordinary `delete`, queued and synced like any other). Undo just shows the row again: nothing
 * was sent.
 *
 * A hidden delete is also noted in a journal (localStorage in the app) until it is written: if the page is closed,
 * reloaded or crashes first, the next start of the same account writes it (and keeps the row hidden meanwhile).
 * Until then other devices still see the row; if the journal is lost too (storage cleared), the delete simply did
 * not happen and the row comes back.
 */
import { ClientError } from '@selftracker/client';

/** A row whose delete waits. */
export interface DeferredDelete {
  readonly entity: 'tasks' | 'projects' | 'timers';
  readonly id: string;
}

/** Where waiting deletes are noted across a reload or a crash. */
export interface DeleteJournal {
  load(): DeferredDelete[];
  save(deletes: readonly DeferredDelete[]): void;
}

export interface DeferredDeletes {
  /** Hides the row and notes its delete; returns the steps of its undo offer. */
  defer(d: DeferredDelete): { commit(): Promise<void>; undo(): void };
  /** Writes the deletes a previous page left in the journal (the row stays hidden meanwhile). */
  recover(): Promise<void>;
  /** Keys (`entity:id`) of the rows hidden now. */
  getSnapshot(): ReadonlySet<string>;
  subscribe(listener: () => void): () => void;
}

export const deleteKey = (entity: DeferredDelete['entity'], id: string) => `${entity}:${id}`;

export function createDeferredDeletes({
  journal,
  remove,
}: {
  journal: DeleteJournal;
  /** Deletes the row in the engine (a `not_found`, already deleted, counts as done). */
  remove(d: DeferredDelete): Promise<void>;
}): DeferredDeletes {
  // Hidden from the first render: a delete a previous page left is not shown while `recover` writes it.
  let hidden: ReadonlySet<string> = new Set(journal.load().map((d) => deleteKey(d.entity, d.id)));
  const listeners = new Set<() => void>();
  const setHidden = (key: string, on: boolean) => {
    if (hidden.has(key) === on) return;
    const next = new Set(hidden);
    if (on) next.add(key);
    else next.delete(key);
    hidden = next;
    for (const l of listeners) l();
  };
  const note = (d: DeferredDelete, on: boolean) => {
    const rest = journal.load().filter((x) => x.entity !== d.entity || x.id !== d.id);
    journal.save(on ? [...rest, d] : rest);
  };
  const commit = async (d: DeferredDelete) => {
    try {
      await remove(d);
    } catch (e: unknown) {
      if (!ClientError.is(e, 'not_found')) {
        // Still there, and still noted: shown again, and tried again at the next start.
        setHidden(deleteKey(d.entity, d.id), false);
        throw e;
      }
    }
    // Stays hidden: a deleted id never comes back, and the list may not have re-read yet.
    note(d, false);
  };

  return {
    defer(d) {
      setHidden(deleteKey(d.entity, d.id), true);
      note(d, true);
      return {
        commit: () => commit(d),
        undo() {
          note(d, false);
          setHidden(deleteKey(d.entity, d.id), false);
        },
      };
    },
    async recover() {
      const left = journal.load();
      for (const d of left) setHidden(deleteKey(d.entity, d.id), true);
      for (const d of left) await commit(d);
    },
    getSnapshot: () => hidden,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A journal in `storage` (localStorage) under `key`; without storage, nothing survives the page. */
export function storageJournal(storage: Storage | undefined, key: string): DeleteJournal {
  let memory: DeferredDelete[] = [];
  return {
    load() {
      if (!storage) return memory;
      try {
        const parsed: unknown = JSON.parse(storage.getItem(key) ?? '[]');
        return Array.isArray(parsed) ? parsed.filter(isDeferredDelete) : [];
      } catch {
        return []; // unreadable: nothing waits
      }
    },
    save(deletes) {
      if (!storage) {
        memory = [...deletes];
        return;
      }
      if (deletes.length === 0) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(deletes));
    },
  };
}

function isDeferredDelete(x: unknown): x is DeferredDelete {
  if (typeof x !== 'object' || x === null) return false;
  const { entity, id } = x as Record<string, unknown>;
  return (entity === 'tasks' || entity === 'projects') && typeof id === 'string';
}
