import { type SqliteDriver, type SqliteExecutor, type SqlParams, StorageError } from '../../driver.ts';
import { createMutex, withScopedExecutor } from '../kit.ts';
import { createWorkerHost, type WorkerHost } from './worker-host.ts';

export { type BrowserConnectivity, createBrowserConnectivity } from './connectivity.ts';
export {
  acquireDatabaseLock,
  type DatabaseLock,
  type DatabaseLockOptions,
  type OwnedDatabaseLock,
} from './tab-lock.ts';

export interface WebDriverOptions {
  /** The database's name in the origin's private file system, e.g. `selftracker-<user>.db`. */
  file: string;
  /**
   * A worker running `worker.ts`, for bundlers that need to create it themselves. By default one worker per
   * page is created on first use and shared by every driver of the page; it is terminated when the last
   * driver closes. A worker passed here is terminated when the last driver opened on it closes.
   */
  worker?: Worker;
  /** The `opfs-sahpool` VFS name; all tabs of the app must use the same one. Default `selftracker`. */
  vfs?: string;
}

const hosts = new WeakMap<Worker, WorkerHost>();
let defaultHost: WorkerHost | undefined;

function hostFor(worker: Worker | undefined): WorkerHost {
  if (worker) {
    let h = hosts.get(worker);
    if (!h) {
      h = createWorkerHost(worker, () => hosts.delete(worker));
      hosts.set(worker, h);
    }
    return h;
  }
  if (!defaultHost) {
    const w = new Worker(new URL('./worker.ts', import.meta.url), {
      type: 'module',
      name: 'selftracker-sqlite',
    });
    const h = createWorkerHost(w, () => {
      if (defaultHost === h) defaultHost = undefined;
    });
    defaultHost = h;
  }
  return defaultHost;
}

/**
 * The browser driver: sqlite-wasm on the `opfs-sahpool` VFS in a dedicated worker (no COOP/COEP needed).
 * Data persists in the origin's private file system across reloads and browser restarts.
 *
 * `opfs-sahpool` lets one page of an origin open the files at a time: guard it with
 * `acquireDatabaseLock` so a second tab waits instead of failing. Opening while another tab holds the
 * files fails with `StorageError('busy')`. Transactions are serialized here (a FIFO mutex per driver and
 * per file), the worker runs BEGIN IMMEDIATE / COMMIT / ROLLBACK.
 */
/** The web driver: a SqliteDriver plus the raw baseline `npm run bench:web` compares the engine with. */
export interface WebDriver extends SqliteDriver {
  /** Times `rows` plain task inserts on sqlite-wasm inside this driver's worker and database (ms). */
  rawInsertBenchmark(rows: number): Promise<number>;
}

export async function openWebDriver(opts: WebDriverOptions): Promise<WebDriver> {
  const host = hostFor(opts.worker);
  host.retain();
  let conn: number;
  try {
    conn = (await host.call({ op: 'open', file: opts.file, vfs: opts.vfs ?? 'selftracker' })) as number;
  } catch (e: unknown) {
    await host.release();
    throw e;
  }
  const raw: SqliteExecutor = {
    exec: async (sql, params: SqlParams = []) =>
      (await host.call({ op: 'exec', conn, sql, params })) as number,
    query: async <T>(sql: string, params: SqlParams = []) =>
      (await host.call({ op: 'query', conn, sql, params })) as T[],
  };
  const lock = createMutex();
  const fileLock = host.fileLock(opts.file);
  let closed = false;
  const guard = () => {
    if (closed) throw new StorageError('closed', 'the database is closed');
  };

  async function inTransaction<T>(fn: (tx: SqliteExecutor) => Promise<T>): Promise<T> {
    await host.call({ op: 'begin', conn });
    try {
      const result = await withScopedExecutor(raw, fn);
      await host.call({ op: 'commit', conn });
      return result;
    } catch (e: unknown) {
      // The rollback failing too must not hide why the transaction failed. What `fn` throws passes through.
      await host.call({ op: 'rollback', conn }).catch(() => {});
      throw e;
    }
  }

  return {
    exec: (sql, params) =>
      lock(async () => {
        guard();
        return raw.exec(sql, params);
      }),
    query: <T>(sql: string, params?: SqlParams) =>
      lock(async () => {
        guard();
        return raw.query<T>(sql, params);
      }),
    transaction: (fn) =>
      lock(async () => {
        guard();
        return fileLock(() => inTransaction(fn));
      }),
    rawInsertBenchmark: (rows) =>
      lock(async () => {
        guard();
        return fileLock(async () => (await host.call({ op: 'raw-insert-benchmark', conn, rows })) as number);
      }),
    close: () =>
      lock(async () => {
        if (closed) return;
        closed = true;
        try {
          await host.call({ op: 'close', conn });
        } finally {
          await host.release();
        }
      }),
  };
}
