import { Worker } from 'node:worker_threads';
import { drizzle } from 'drizzle-orm/pg-proxy';
import { type Database, MIGRATIONS_DIR, type Orm, type Sql } from './database.ts';
import { restrictModes } from './pglite.ts';
import * as schema from './schema.ts';

/**
 * PGlite off the HTTP thread: a worker thread owns the database (`pglite-worker.mjs`) and this side speaks to it
 * by messages, behind the same `Database` interface as `openPglite`. PGlite runs on the thread that calls it, so
 * in process one checksum over 100,000 rows held every request, `/v1/health` included, for seconds.
 */

type Request =
  | { op: 'query'; sql: string; params?: readonly unknown[]; rowMode?: 'array'; tx?: number }
  | { op: 'begin' }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'copy'; tx: number; table: string; columns: readonly string[]; data: string }
  | { op: 'listen'; channel: string }
  | { op: 'close' };
type Reply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; code?: string; name: string } }
  | { notify: string; payload: string }
  | { ready: boolean; error?: { message: string } };

const WORKER_URL = new URL('./pglite-worker.mjs', import.meta.url);

/** A database error from the worker, with PostgreSQL's SQLSTATE `code` kept. */
class WorkerDbError extends Error {
  readonly code: string | undefined;
  constructor(e: { message: string; code?: string; name: string }) {
    super(e.message);
    this.code = e.code;
  }
}

/** Opens PGlite in a worker thread (in memory when `dataDir` is undefined) and applies migrations there. */
export async function openPgliteThread(dataDir?: string): Promise<Database> {
  if (dataDir) restrictModes(dataDir, true);
  const worker = new Worker(WORKER_URL, { workerData: { dataDir, migrationsDir: MIGRATIONS_DIR } });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const channels = new Map<string, Set<(p: string) => void>>();
  let nextId = 1;
  let failed: Error | undefined;

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: Reply) => {
      if ('ready' in m) {
        if (m.ready) resolve();
        else reject(new Error(`PGlite failed to open: ${m.error?.message}`));
      } else if ('notify' in m) {
        for (const cb of channels.get(m.notify) ?? []) cb(m.payload);
      } else {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.ok) p?.resolve(m.result);
        else p?.reject(new WorkerDbError(m.error));
      }
    });
    worker.on('error', (e) => {
      failed = e;
      reject(e);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
    worker.on('exit', (code) => {
      failed ??= new Error(`the PGlite thread exited (${code})`);
      for (const p of pending.values()) p.reject(failed);
      pending.clear();
    });
  });
  const call = <T>(req: Request): Promise<T> => {
    if (failed) return Promise.reject(failed);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id });
    });
  };
  await ready;
  if (dataDir) restrictModes(dataDir);

  const orm = drizzle(
    async (sql, params, method) => ({
      rows: await call<unknown[]>({
        op: 'query',
        sql,
        params,
        ...(method === 'all' ? { rowMode: 'array' } : {}),
      }),
    }),
    { schema },
  ) as unknown as Orm;

  return {
    kind: 'pglite',
    orm,
    query: (sql, params) => call({ op: 'query', sql, ...(params ? { params } : {}) }),
    async transaction(fn) {
      // PGlite has one connection: transactions are serialized (in the worker), so every isolation level holds.
      const tx = await call<number>({ op: 'begin' });
      let open = true;
      const inTx: Sql = {
        query: (sql, params) =>
          open
            ? call({ op: 'query', sql, tx, ...(params ? { params } : {}) })
            : Promise.reject(new Error('the transaction has already ended')),
        copyFrom: (table, columns, data) =>
          call({
            op: 'copy',
            tx,
            table,
            columns,
            data: typeof data === 'string' ? data : [...data].join(''),
          }),
      };
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn(inTx);
      } catch (e) {
        open = false;
        await call({ op: 'end', tx, commit: false }).catch(() => {});
        throw e;
      }
      open = false;
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    async listen(channel, onPayload) {
      let set = channels.get(channel);
      if (!set) {
        set = new Set();
        channels.set(channel, set);
        await call({ op: 'listen', channel });
      }
      set.add(onPayload);
      return async () => {
        set.delete(onPayload);
      };
    },
    async close() {
      await call({ op: 'close' }).catch(() => {});
      await worker.terminate();
      if (dataDir) restrictModes(dataDir);
    },
  };
}
