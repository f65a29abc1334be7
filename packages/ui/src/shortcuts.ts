/**
 * The keyboard shortcuts of the task screen: which key means what (pure; unit-tested in shortcuts.test.ts), and
 * the list the "Keyboard shortcuts" dialog shows. Single keys only act outside text fields and without Ctrl,
 * Alt or Meta, so typing and the browser's own shortcuts are never taken; Ctrl+Z (⌘Z) is undo too, likewise
 * only outside text fields, where it stays the field's own undo.
 */

export type ShortcutCommand =
  | 'new-task'
  | 'search'
  | 'next'
  | 'previous'
  | 'toggle-done'
  | 'edit'
  | 'timer'
  | 'undo'
  | 'help';

export interface Shortcut {
  /** The keys as shown (and as `aria-keyshortcuts` spells them). */
  readonly keys: readonly string[];
  readonly command: ShortcutCommand;
  readonly description: string;
}

/** Every shortcut, in the order the dialog lists them. */
export const SHORTCUTS: readonly Shortcut[] = [
  { keys: ['n'], command: 'new-task', description: 'New task: type a task' },
  { keys: ['/'], command: 'search', description: 'Search tasks' },
  { keys: ['j'], command: 'next', description: 'Select the next task' },
  { keys: ['k'], command: 'previous', description: 'Select the previous task' },
  { keys: ['x'], command: 'toggle-done', description: 'Mark the selected task done (or not done)' },
  { keys: ['e'], command: 'edit', description: 'Edit the selected task' },
  { keys: ['t'], command: 'timer', description: 'Start a timer on the selected task, or stop it' },
  {
    keys: ['z', 'Control+Z'],
    command: 'undo',
    description: 'Undo a delete or completion while its notice shows',
  },
  { keys: ['?'], command: 'help', description: 'Show these shortcuts' },
];

const BY_KEY: ReadonlyMap<string, ShortcutCommand> = new Map(
  SHORTCUTS.flatMap((s) => s.keys.filter((k) => k.length === 1).map((k) => [k, s.command] as const)),
);

/** What a keydown carries that matters here (a DOM KeyboardEvent fits). */
export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  readonly shiftKey?: boolean;
  readonly isComposing?: boolean;
  readonly defaultPrevented?: boolean;
}

/**
 * The command of a key press, or null. `inTextField`: the focus is where keys are typed (they type there).
 * Shift is allowed for single keys: `?` needs it on most layouts.
 */
export function shortcutFor(e: KeyPress, inTextField: boolean): ShortcutCommand | null {
  if (inTextField || e.isComposing || e.defaultPrevented || e.altKey) return null;
  if (e.ctrlKey || e.metaKey) {
    return e.ctrlKey !== e.metaKey && !e.shiftKey && e.key.toLowerCase() === 'z' ? 'undo' : null;
  }
  return BY_KEY.get(e.key) ?? null;
}

/**
 * The task selected after moving `step` (1: down, -1: up) from `current` in `ids` (the rows shown, top to bottom):
 * the first (down) or last (up) when nothing shown is selected; it stays at either end.
 */
export function moveSelection(ids: readonly string[], current: string | null, step: 1 | -1): string | null {
  if (ids.length === 0) return null;
  const at = current === null ? -1 : ids.indexOf(current);
  if (at === -1) return step === 1 ? ids[0]! : ids[ids.length - 1]!;
  return ids[Math.min(ids.length - 1, Math.max(0, at + step))]!;
}
