import { type Task, useStartTimer, useStopTimer, useTimers } from '@selftracker/react';
import { type FocusEvent, type RefObject, useCallback, useRef, useState } from 'react';
import { moveSelection } from './shortcuts.ts';
import { useShortcuts } from './use-shortcuts.ts';

/** The selection of the task list and what a row's removal does to it. */
export interface TaskSelection {
  /** The selected task's id, or null. */
  selected: string | null;
  /** For the list element: the row the focus enters becomes the selected one (Tab and clicks move it too). */
  onFocus(e: FocusEvent<HTMLElement>): void;
  /** Before `task`'s row goes away: if the focus is in it, the selection and focus move to a neighbour. */
  leaving(task: Task): void;
}

/**
 * The task list's keys (shortcuts.ts): `n` New task, `j`/`k` select the next/previous shown row and focus it,
 * and on the selected row `x` done/not done and `e` Edit (as its own checkbox and button do, so the click's
 * optimistic state and undo toast come along), `t` a timer on it (or stops the one running on it).
 */
export function useTaskKeys(list: RefObject<HTMLElement | null>, shown: readonly Task[]): TaskSelection {
  const [selected, setSelected] = useState<string | null>(null);
  const running = useTimers({ running: true }).data?.[0];
  const { mutate: start } = useStartTimer();
  const { mutate: stop } = useStopTimer();
  const shownRef = useRef(shown);
  shownRef.current = shown;

  const rowOf = useCallback(
    (id: string) => list.current?.querySelector<HTMLElement>(`li[data-task-id="${CSS.escape(id)}"]`) ?? null,
    [list],
  );
  const select = useCallback(
    (id: string | null) => {
      setSelected(id);
      if (id !== null) rowOf(id)?.focus();
    },
    [rowOf],
  );
  // The selected task if it is shown now; the keys that act on it do nothing without one.
  const current = (): Task | undefined => shownRef.current.find((t) => t.id === selected);
  const click = (selector: string) => {
    const task = current();
    const control = task && rowOf(task.id)?.querySelector<HTMLElement>(selector);
    if (!control || (control as HTMLButtonElement).disabled) return false;
    control.click();
    return true;
  };

  useShortcuts({
    'new-task': () => {
      const input = list.current
        ?.closest('section')
        ?.querySelector<HTMLInputElement>('input[aria-label="New task"]');
      if (!input) return false;
      input.focus();
    },
    next: () => select(moveSelection(ids(shownRef.current), selected, 1)),
    previous: () => select(moveSelection(ids(shownRef.current), selected, -1)),
    'toggle-done': () => click('input[type="checkbox"][aria-keyshortcuts="x"]'),
    edit: () => click('button[aria-keyshortcuts="e"]'),
    timer: () => {
      const task = current();
      if (!task) return false;
      if (running?.task_id === task.id) stop(undefined);
      else start({ task_id: task.id, project_id: task.project_id });
    },
  });

  const onFocus = useCallback((e: FocusEvent<HTMLElement>) => {
    const row = (e.target as Element).closest<HTMLElement>('li[data-task-id]');
    const id = row?.dataset.taskId;
    if (id) setSelected(id);
  }, []);

  const leaving = useCallback(
    (task: Task) => {
      const row = rowOf(task.id);
      if (!row?.contains(document.activeElement)) return;
      const rest = ids(shownRef.current);
      const at = rest.indexOf(task.id);
      const next = rest[at + 1] ?? rest[at - 1] ?? null;
      select(next);
    },
    [rowOf, select],
  );

  return { selected, onFocus, leaving };
}

/** The ids of the rows shown (a folded "Completed" list is not shown). */
const ids = (tasks: readonly Task[]) => tasks.map((t) => t.id);
