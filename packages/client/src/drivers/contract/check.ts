/**
 * The few assertions the driver contract needs, free of any test framework, so the cases run unchanged under
 * Vitest, in a browser page, in the Tauri webview or the Expo web build. A failed check throws `CheckFailure`.
 */
import { StorageError, type StorageErrorCode } from '../../driver.ts';

/** A contract check that did not hold. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `bytes[${Array.from(v.subarray(0, 16)).join(',')}]`;
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${show(x)}`)
      .join(', ')}}`;
  return Object.is(v, -0) ? '-0' : String(v);
}

/** Structural equality as the contract means it: numbers by `Object.is`, bytes by content, `undefined` keys ignored. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    return a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  const keys = (o: object) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined);
  const ka = keys(a);
  if (ka.length !== keys(b).length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const fail = (what: string, label?: string): never => {
  throw new CheckFailure(label ? `${label}: ${what}` : what);
};

/** `actual` equals `expected` structurally (see `deepEqual`). */
export function equal(actual: unknown, expected: unknown, label?: string): void {
  if (!deepEqual(actual, expected)) fail(`expected ${show(expected)}, got ${show(actual)}`, label);
}

/** `actual` is `expected` itself (`Object.is`). */
export function same(actual: unknown, expected: unknown, label?: string): void {
  if (!Object.is(actual, expected)) fail(`expected the very ${show(expected)}, got ${show(actual)}`, label);
}

/** `condition` holds. */
export function ok(condition: unknown, label: string): void {
  if (!condition) fail('does not hold', label);
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejection(p: Promise<unknown>, label?: string): Promise<unknown> {
  try {
    await p;
  } catch (e: unknown) {
    return e;
  }
  return fail('expected a rejection, it resolved', label);
}

/** `e` is a `StorageError` (by class or, across a boundary, by name) with `code`, when given. */
export function storageError(e: unknown, code?: StorageErrorCode, label?: string): StorageError {
  if (!StorageError.is(e)) return fail(`expected a StorageError, got ${show(e)}`, label);
  if (code !== undefined && e.code !== code)
    fail(`expected StorageError '${code}', got '${e.code}' (${e.message})`, label);
  return e;
}

/** `p`'s value, failing when it takes longer than `ms` (for what must happen promptly, not eventually). */
export async function within<T>(ms: number, p: Promise<T>, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailure(`${label}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
