import { useEngine } from '@selftracker/react';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useSyncExternalStore } from 'react';
import {
  createDeferredDeletes,
  type DeferredDelete,
  type DeferredDeletes,
  deleteKey,
  storageJournal,
} from './deferred-deletes.ts';
import { messageOf } from './labels.ts';
import { createUndoStore, type UndoOffer, type UndoStore } from './undo-store.ts';
import { useShortcuts } from './use-shortcuts.ts';

interface UndoContextValue {
  store: UndoStore;
  deletes: DeferredDeletes;
}

const UndoContext = createContext<UndoContextValue | null>(null);

function useUndoContext(): UndoContextValue {
  const value = useContext(UndoContext);
  if (!value) throw new Error('useUndoToast() needs an <UndoProvider> above it'); // programmer error
  return value;
}

/**
 * The undo toast of one signed-in account: holds the last undoable change (undo-store.ts) and the deletes
 * waiting for their toast to end (deferred-deletes.ts, with why a delete waits instead of being revived).
 * A delete a previous page left waiting is written when this mounts; the one showing is committed when the page
 * goes away (`pagehide`) or the account's screen closes.
 */
export function UndoProvider({ userId, children }: { userId: string; children: ReactNode }) {
  const engine = useEngine();
  const value = useMemo<UndoContextValue>(() => {
    const store = createUndoStore({ describeError: messageOf });
    const deletes = createDeferredDeletes({
      journal: storageJournal(globalThis.localStorage, `selftracker.pendingDeletes.${userId}`),
      remove: (d) => engine[d.entity].delete(d.id),
    });
    return { store, deletes };
  }, [engine, userId]);

  useEffect(() => {
    const { store, deletes } = value;
    deletes.recover().catch((e: unknown) => store.notice(`Could not finish a delete: ${messageOf(e)}`));
    const onPageHide = () => store.flush();
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      store.flush();
    };
  }, [value]);

  return <UndoContext.Provider value={value}>{children}</UndoContext.Provider>;
}

/** What a screen needs to offer an undo. */
export interface UndoToastApi {
  /** Shows `offer` in the toast (a change already made, with the operation that puts it back). */
  offer(offer: UndoOffer): void;
  /**
   * Deletes a row the undoable way: hidden at once, written when the toast ends (deferred-deletes.ts).
   * `afterUndo` runs once the row is back (e.g. to put the focus on it).
   */
  deleteLater(d: DeferredDelete, message: string, afterUndo?: () => void): void;
}

/** The undo toast of this screen: offer a change, or delete a row so that Undo can bring it back. */
export function useUndoToast(): UndoToastApi {
  const { store, deletes } = useUndoContext();
  return useMemo(
    () => ({
      offer: (offer) => store.offer(offer),
      deleteLater(d, message, afterUndo) {
        const steps = deletes.defer(d);
        store.offer({
          message,
          commit: steps.commit,
          undo() {
            steps.undo();
            afterUndo?.();
          },
        });
      },
    }),
    [store, deletes],
  );
}

/** Whether a row is hidden now because its delete waits for the undo toast (re-renders when that changes). */
export function useHiddenRows(): (entity: DeferredDelete['entity'], id: string) => boolean {
  const { deletes } = useUndoContext();
  const hidden = useSyncExternalStore(deletes.subscribe, deletes.getSnapshot);
  return useMemo(() => (entity, id) => hidden.has(deleteKey(entity, id)), [hidden]);
}

/**
 * The toast: a polite live region (role status, named "Notice") that says what happened, with `Undo`. It stays
 * while the pointer or the focus is on it; `z` or Ctrl+Z outside a text field also undo.
 */
export function UndoToast() {
  const { store } = useUndoContext();
  const toast = useSyncExternalStore(store.subscribe, store.getSnapshot);
  useShortcuts({ undo: () => store.undo() });
  return (
    <div
      role="status"
      aria-label="Notice"
      className="undo-toast-region"
      onPointerEnter={() => store.hold(true)}
      onPointerLeave={() => store.hold(false)}
      onFocus={() => store.hold(true)}
      onBlur={() => store.hold(false)}
    >
      {toast && (
        <div className={`undo-toast${toast.kind === 'notice' ? ' failed' : ''}`} key={toast.id}>
          <span className="undo-message">{toast.message}</span>
          {toast.kind === 'offer' && (
            <button
              type="button"
              className="undo-button"
              aria-keyshortcuts="z Control+Z"
              onClick={() => store.undo(toast.id)}
            >
              Undo
            </button>
          )}
        </div>
      )}
    </div>
  );
}
