/**
 * The undo toast's state machine, without React or the DOM (unit-tested in undo-store.test.ts under fake timers).
 *
 * One change at a time can be undone: the last one offered. Its toast shows for `timeoutMs`, held while the
 * pointer or the focus is on it. The toast then ends in exactly one of three ways:
 * - `undo()`: the offer's `undo` runs (the toast is gone at once);
 * - it expires, a newer offer replaces it, or `flush()` (page hide, sign-out): the offer's `commit` runs, making
 *   the change final (a deferred delete is written then; a change already made has nothing to commit);
 * a failure of either is shown as a notice in the same toast, with no Undo.
 */

/** A change the user may take back while its toast shows. */
export interface UndoOffer {
  /** What happened, in words: "Task 'Buy milk' deleted". */
  readonly message: string;
  /** Puts things back as they were. */
  undo(): Promise<void> | void;
  /** Makes the change final once it can no longer be undone (a deferred delete is written here). */
  commit?(): Promise<void> | void;
}

/** What the toast shows: an offer (with its Undo button) or a notice (a failure, no button). */
export type UndoToast =
  | { readonly kind: 'offer'; readonly id: number; readonly message: string }
  | { readonly kind: 'notice'; readonly id: number; readonly message: string };

type Phase =
  | { kind: 'idle' }
  | { kind: 'offer'; toast: UndoToast & { kind: 'offer' }; offer: UndoOffer }
  | { kind: 'notice'; toast: UndoToast & { kind: 'notice' } };

export interface UndoStore {
  /** Shows `offer`'s toast; the one showing before it is committed. */
  offer(offer: UndoOffer): void;
  /** Undoes the change whose toast shows (`id`: only if it is still that one). False when there was none. */
  undo(id?: number): boolean;
  /** Shows a message with no Undo (a failure); an offer showing is committed first. */
  notice(message: string): void;
  /** Ends the toast now: an offer is committed, a notice dismissed. */
  flush(): void;
  /** Holds the expiry while the user is on the toast (pointer or focus); `false` restarts the full time. */
  hold(held: boolean): void;
  getSnapshot(): UndoToast | null;
  subscribe(listener: () => void): () => void;
}

/** Time a toast shows, in ms (held while the user is on it). */
export const UNDO_TIMEOUT_MS = 6000;

export function createUndoStore({
  timeoutMs = UNDO_TIMEOUT_MS,
  describeError = (e: unknown) => (e instanceof Error ? e.message : String(e)),
}: {
  timeoutMs?: number;
  describeError?: (e: unknown) => string;
} = {}): UndoStore {
  let phase: Phase = { kind: 'idle' };
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let held = false;
  const listeners = new Set<() => void>();

  const set = (next: Phase) => {
    phase = next;
    // A toast that is gone holds nothing (its focused button left without a blur).
    if (next.kind === 'idle') held = false;
    arm();
    for (const l of listeners) l();
  };
  // The one timer: running while a toast shows and nobody holds it.
  const arm = () => {
    clearTimeout(timer);
    timer = undefined;
    if (phase.kind === 'idle' || held) return;
    const id = phase.toast.id;
    timer = setTimeout(() => {
      if (phase.kind !== 'idle' && phase.toast.id === id) end();
    }, timeoutMs);
  };
  const showNotice = (message: string) =>
    set({ kind: 'notice', toast: { kind: 'notice', id: ++seq, message } });
  // Runs an offer's step; a failure becomes a notice (unless a newer toast already shows).
  const run = (step: () => Promise<void> | void, failure: string) => {
    const before = seq;
    Promise.resolve()
      .then(step)
      .catch((e: unknown) => {
        if (seq === before || phase.kind === 'idle') showNotice(`${failure}: ${describeError(e)}`);
      });
  };
  const end = () => {
    const was = phase;
    set({ kind: 'idle' });
    if (was.kind === 'offer' && was.offer.commit) run(was.offer.commit, 'Could not finish');
  };

  return {
    offer(offer) {
      if (phase.kind === 'offer') end();
      set({ kind: 'offer', toast: { kind: 'offer', id: ++seq, message: offer.message }, offer });
    },
    undo(id) {
      if (phase.kind !== 'offer' || (id !== undefined && phase.toast.id !== id)) return false;
      const { offer } = phase;
      set({ kind: 'idle' });
      run(offer.undo, 'Could not undo');
      return true;
    },
    notice(message) {
      if (phase.kind === 'offer') end();
      showNotice(message);
    },
    flush() {
      if (phase.kind !== 'idle') end();
    },
    hold(h) {
      if (h === held) return;
      held = h;
      arm();
    },
    getSnapshot: () => (phase.kind === 'idle' ? null : phase.toast),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
