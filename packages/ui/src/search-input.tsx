import { type RefObject, useEffect, useRef } from 'react';

/** Input types that are not typed into: `/` there still means "search". */
const NOT_TEXT = new Set([
  'checkbox',
  'radio',
  'button',
  'submit',
  'reset',
  'range',
  'color',
  'file',
  'image',
]);

/** Whether keys pressed in `el` are typed into it (a text field, a select's type-ahead, editable content). */
export function isTextField(el: Element | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement)
    return true;
  return el instanceof HTMLInputElement && !NOT_TEXT.has(el.type);
}

/** `/` anywhere outside a text field focuses (and selects) `input`. */
function useSlashToFocus(input: RefObject<HTMLInputElement | null>) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || e.isComposing || e.defaultPrevented) return;
      if (isTextField(document.activeElement) || !input.current) return;
      e.preventDefault(); // the slash is not typed into the search
      input.current.focus();
      input.current.select();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [input]);
}

/**
 * The task list's "Search" field: filters the list as it is typed (the list does the searching). Escape or
 * the "Clear" button empties it; `/` outside a text field focuses it. The button is named "Clear", not "Clear
 * search": a name containing "Search" would make `getByLabel('Search')` find two elements.
 */
export function SearchInput({ value, onChange }: { value: string; onChange: (text: string) => void }) {
  const input = useRef<HTMLInputElement>(null);
  useSlashToFocus(input);
  return (
    <div className="search">
      <input
        ref={input}
        type="search"
        className="search-field"
        aria-label="Search"
        aria-keyshortcuts="/"
        placeholder="Search tasks  /"
        value={value}
        maxLength={200}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key !== 'Escape' || value === '') return;
          e.preventDefault(); // also keeps the browser's own search-field Escape from running twice
          onChange('');
        }}
      />
      {value !== '' && (
        <button
          type="button"
          className="ghost search-clear"
          aria-label="Clear"
          title="Clear search (Esc)"
          onClick={() => {
            onChange('');
            input.current?.focus();
          }}
        >
          <span aria-hidden="true">×</span>
        </button>
      )}
    </div>
  );
}
