/** The local baseline: raw better-sqlite3 inserts of the same task rows into SelfTracker's table, with the clients' pragmas. */
import { MIGRATIONS } from '@selftracker/client';
import { uuidv7 } from '@selftracker/core';
import Database from 'better-sqlite3';
import { taskTitle } from './types.ts';

/** Inserts `n` task rows into a fresh file, one transaction each or all in one; elapsed ms. */
export function rawInsert(file: string, n: number, oneTransaction: boolean, searchIndex = false): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // SelfTracker's own tasks table (its indexes and search triggers), as `npm run bench:client` does.
  for (const m of MIGRATIONS) for (const sql of m.sql) if (/\btasks\b/.test(sql)) db.exec(sql);
  // With `searchIndex`, also its FTS5 index and the triggers that keep it (local-schema.ts, migration 4).
  if (searchIndex) for (const m of MIGRATIONS) for (const sql of m.fts5 ?? []) db.exec(sql);
  const insert = db.prepare(
    'INSERT INTO tasks (id, deleted, title, description, status, project_id, due_at, created_at, updated_at) VALUES (?, 0, ?, NULL, ?, NULL, NULL, ?, ?)',
  );
  const one = (i: number) => {
    const now = Date.now();
    insert.run(uuidv7(now), taskTitle(i), 'todo', now, now);
  };
  const started = performance.now();
  if (oneTransaction) {
    db.transaction(() => {
      for (let i = 0; i < n; i++) one(i);
    })();
  } else {
    const tx = db.transaction(one);
    for (let i = 0; i < n; i++) tx(i);
  }
  const ms = performance.now() - started;
  db.close();
  return ms;
}
