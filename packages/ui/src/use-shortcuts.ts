import { useEffect, useRef } from 'react';
import { isTextField } from './search-input.tsx';
import { type ShortcutCommand, shortcutFor } from './shortcuts.ts';

/** What a component does on its shortcuts; returning `false` means "not now" (the key goes on as usual). */
export type ShortcutHandlers = Partial<Record<ShortcutCommand, () => unknown>>;

/**
 * Runs `handlers` on their keys (shortcuts.ts decides which key is which command, and when keys are typed
 * instead). Keys pressed inside a modal dialog are left to the dialog. The handlers may change every render.
 */
export function useShortcuts(handlers: ShortcutHandlers): void {
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const active = document.activeElement;
      if (active?.closest('dialog[open]')) return;
      const command = shortcutFor(e, isTextField(active));
      const handler = command ? current.current[command] : undefined;
      if (!handler || handler() === false) return;
      e.preventDefault(); // the key did its job: it is not typed anywhere the focus lands
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
