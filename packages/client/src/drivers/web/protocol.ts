import type { SqlParams, SqlValue } from '../../driver.ts';

/** What the main thread asks the database worker. Every request carries an id; the answer echoes it. */
export type WorkerRequest = { id: number } & (
  | { op: 'open'; file: string; vfs: string }
  | { op: 'exec' | 'query'; conn: number; sql: string; params: SqlParams }
  | { op: 'begin' | 'commit' | 'rollback' | 'close'; conn: number }
  /** Benchmark baseline: `rows` task inserts straight on sqlite-wasm in this worker; answers the ms taken. */
  | { op: 'raw-insert-benchmark'; conn: number; rows: number }
);

/** A failure as it crosses the worker boundary: plain data, since Error subclasses do not survive cloning. */
export interface WorkerFailure {
  name: string;
  message: string;
  /** SQLite's (extended) result code, when SQLite produced the error. */
  resultCode?: number;
}

export type WorkerResponse =
  | { id: number; ok: true; result: number | Record<string, SqlValue>[] | null }
  | { id: number; ok: false; error: WorkerFailure };
