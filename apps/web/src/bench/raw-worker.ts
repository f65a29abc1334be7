/**
 * The raw baseline of `npm run bench:web`: the same task inserts as `engine.tasks.bulkCreate`, run directly
 * on sqlite-wasm (opfs-sahpool, its own pool) inside a worker, with one prepared statement in one transaction.
 */
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';

interface Scope {
  onmessage: ((ev: MessageEvent<{ rows: number }>) => void) | null;
  postMessage(message: unknown): void;
}
const scope = globalThis as unknown as Scope;

async function rawInsert(rows: number): Promise<{ ms: number }> {
  const sqlite3 = await sqlite3InitModule();
  const pool = await sqlite3.installOpfsSAHPoolVfs({ name: 'selftracker-bench-raw' });
  const file = `raw-${Date.now()}.sqlite3`;
  const db = new pool.OpfsSAHPoolDb(file);
  try {
    db.exec(`CREATE TABLE tasks (id TEXT PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, title TEXT, description TEXT,
      status TEXT, project_id TEXT, due_at INTEGER, created_at INTEGER, updated_at INTEGER)`);
    const now = Date.now();
    const started = performance.now();
    db.exec('BEGIN IMMEDIATE');
    const st = db.prepare(
      'INSERT INTO tasks (id, title, description, status, project_id, due_at, created_at, updated_at) VALUES (?, ?, NULL, ?, NULL, NULL, ?, ?)',
    );
    for (let i = 0; i < rows; i++) {
      st.bind([crypto.randomUUID(), `Bench task ${i}`, 'todo', now, now]).stepReset();
    }
    st.finalize();
    db.exec('COMMIT');
    return { ms: performance.now() - started };
  } finally {
    db.close();
    pool.unlink(file);
  }
}

scope.onmessage = (ev) => {
  rawInsert(ev.data.rows).then(
    (r) => scope.postMessage({ ok: true, ...r }),
    (e: unknown) => scope.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
};
