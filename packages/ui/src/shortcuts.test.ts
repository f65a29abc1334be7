import { describe, expect, it } from 'vitest';
import { type KeyPress, moveSelection, SHORTCUTS, shortcutFor } from './shortcuts.ts';

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe('keyboard shortcuts', () => {
  it('maps the single keys outside text fields', () => {
    const got = Object.fromEntries(
      ['n', '/', 'j', 'k', 'x', 'e', 't', 'z'].map((k) => [k, shortcutFor(press(k), false)]),
    );
    expect(got).toEqual({
      n: 'new-task',
      '/': 'search',
      j: 'next',
      k: 'previous',
      x: 'toggle-done',
      e: 'edit',
      t: 'timer',
      z: 'undo',
    });
    expect(shortcutFor(press('?', { shiftKey: true }), false)).toBe('help');
    expect(shortcutFor(press('q'), false)).toBeNull();
    expect(shortcutFor(press('J', { shiftKey: true }), false)).toBeNull();
  });

  it('leaves keys alone in text fields, with Alt, Ctrl or Meta, while composing, or once handled', () => {
    expect(shortcutFor(press('n'), true)).toBeNull();
    expect(shortcutFor(press('n', { ctrlKey: true }), false)).toBeNull(); // the browser's new window
    expect(shortcutFor(press('j', { metaKey: true }), false)).toBeNull();
    expect(shortcutFor(press('e', { altKey: true }), false)).toBeNull();
    expect(shortcutFor(press('x', { isComposing: true }), false)).toBeNull();
    expect(shortcutFor(press('x', { defaultPrevented: true }), false)).toBeNull();
  });

  it('Ctrl+Z and ⌘Z undo outside text fields only; Ctrl+Shift+Z (redo) is not taken', () => {
    expect(shortcutFor(press('z', { ctrlKey: true }), false)).toBe('undo');
    expect(shortcutFor(press('Z', { metaKey: true }), false)).toBe('undo');
    expect(shortcutFor(press('z', { ctrlKey: true }), true)).toBeNull();
    expect(shortcutFor(press('Z', { ctrlKey: true, shiftKey: true }), false)).toBeNull();
    expect(shortcutFor(press('z', { ctrlKey: true, metaKey: true }), false)).toBeNull();
  });

  it('lists every command once, each with a description', () => {
    const commands = SHORTCUTS.map((s) => s.command);
    expect(new Set(commands).size).toBe(commands.length);
    for (const s of SHORTCUTS) expect(s.description.length).toBeGreaterThan(5);
  });

  it('moves the selection down and up, stopping at the ends', () => {
    const ids = ['a', 'b', 'c'];
    expect(moveSelection(ids, null, 1)).toBe('a');
    expect(moveSelection(ids, null, -1)).toBe('c');
    expect(moveSelection(ids, 'a', 1)).toBe('b');
    expect(moveSelection(ids, 'c', 1)).toBe('c');
    expect(moveSelection(ids, 'a', -1)).toBe('a');
    expect(moveSelection(ids, 'gone', 1)).toBe('a'); // the selected row is no longer shown
    expect(moveSelection([], 'a', 1)).toBeNull();
  });
});
