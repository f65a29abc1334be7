/// <reference lib="webworker" />
/**
 * The benchmark's database worker (bench.html only): the production database worker, plus the raw baseline of
 * `npm run bench:web`: the same task rows straight on sqlite-wasm, in this worker and on the same database
 * file as the engine, through one prepared statement in one transaction, into a scratch copy of `tasks`.
 */
import { openWasmDatabase, serveDatabaseWorker, type WasmDb } from '@selftracker/client/web/worker';

declare const self: DedicatedWorkerGlobalScope;

/** Sent with a MessagePort, which gets `{ ms }` or `{ error }` back. */
export interface RawInsertRequest {
  type: 'bench-raw-insert';
  file: string;
  vfs: string;
  rows: number;
}

serveDatabaseWorker(self);

/**
 * Copies `tasks` with its indexes to `bench_raw_tasks`, so both sides insert into the same shape. Not its
 * triggers: those of the full-text index would stay on `tasks` and write into `tasks_fts` (the engine's side
 * pays for that index, the raw side does not).
 */
function createScratchTable(db: WasmDb): void {
  db.exec('DROP TABLE IF EXISTS bench_raw_tasks');
  const schema = db.selectObjects(
    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'tasks' AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC",
  ) as { type: string; name: string; sql: string }[];
  for (const o of schema) {
    db.exec(
      o.type === 'table'
        ? o.sql.replace(/^CREATE TABLE\s+"?tasks"?/i, 'CREATE TABLE bench_raw_tasks')
        : o.sql
            .replace(o.name, `bench_raw_${o.name}`)
            .replace(/\bON\s+"?tasks"?\s*\(/i, 'ON bench_raw_tasks ('),
    );
  }
}

/** Times `rows` task inserts in one transaction (ms); the scratch table is dropped afterwards. */
function timeRawInserts(db: WasmDb, rows: number): number {
  createScratchTable(db);
  const now = Date.now();
  const started = performance.now();
  db.exec('BEGIN IMMEDIATE');
  const st = db.prepare(
    'INSERT INTO bench_raw_tasks (id, deleted, title, description, status, project_id, due_at, created_at, updated_at) ' +
      'VALUES (?, 0, ?, NULL, ?, NULL, NULL, ?, ?)',
  );
  try {
    for (let i = 0; i < rows; i++)
      st.bind([crypto.randomUUID(), `Bench task ${i}`, 'todo', now, now]).stepReset();
  } finally {
    st.finalize();
  }
  db.exec('COMMIT');
  const ms = performance.now() - started;
  db.exec('DROP TABLE bench_raw_tasks');
  return ms;
}

async function rawInsert(req: RawInsertRequest): Promise<number> {
  const { driver, db } = await openWasmDatabase(req.file, req.vfs);
  try {
    return timeRawInserts(db, req.rows);
  } finally {
    await driver.close();
  }
}

self.addEventListener('message', (ev: MessageEvent) => {
  const req = ev.data as Partial<RawInsertRequest> | undefined;
  const port = ev.ports[0];
  if (req?.type !== 'bench-raw-insert' || !port) return;
  rawInsert(req as RawInsertRequest).then(
    (ms) => port.postMessage({ ms }),
    (e: unknown) => port.postMessage({ error: String(e) }),
  );
});
