import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, expect, it } from 'vitest';
import { openPglite } from './pglite.ts';
import { openPgliteThread } from './pglite-thread.ts';

/** PGlite's data directory is the whole database: no other user of the machine may read or write it. */

const root = mkdtempSync(join(tmpdir(), 'selftracker-modes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Counts of each mode (octal) under `dir`, the directory itself included: `d700`, `f600`, … */
function modes(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (key: string) => {
    out[key] = (out[key] ?? 0) + 1;
  };
  const walk = (p: string) => {
    add(`d${(statSync(p).mode & 0o777).toString(8)}`);
    for (const e of readdirSync(p, { withFileTypes: true })) {
      const f = join(p, e.name);
      if (e.isDirectory()) walk(f);
      else add(`f${(statSync(f).mode & 0o777).toString(8)}`);
    }
  };
  walk(dir);
  return out;
}
const onlyPrivate = (m: Record<string, number>) => Object.keys(m).sort();

it.each([
  ['in process', openPglite],
  ['in its own thread', openPgliteThread],
])(
  'a new data directory (%s) is 0700 with every file 0600, also after writes and close',
  async (name, open) => {
    const dir = join(root, name.replaceAll(' ', '-'), 'pglite');
    const db = await open(dir);
    expect(onlyPrivate(modes(dir))).toEqual(['d700', 'f600']);
    await db.query(`INSERT INTO rate_limits (key, window_start, count) VALUES ('k', 1, 1)`);
    await db.close();
    const m = modes(dir);
    expect(onlyPrivate(m)).toEqual(['d700', 'f600']);
    expect(m.f600).toBeGreaterThan(500); // the catalogs, pg_control, pg_xact…: really the whole database
  },
);

it('an existing data directory with world-writable files is made private when opened', async () => {
  const dir = join(root, 'old');
  const raw = new PGlite(dir); // as an older SelfTracker left it
  await raw.waitReady;
  await raw.close();
  expect(Object.keys(modes(dir))).toContain('f666');
  const db = await openPglite(dir);
  try {
    expect(onlyPrivate(modes(dir))).toEqual(['d700', 'f600']);
    expect(statSync(join(dir, 'global', 'pg_control')).mode & 0o777).toBe(0o600);
  } finally {
    await db.close();
  }
});
