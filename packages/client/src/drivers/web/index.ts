import type { SqliteDriver } from '../../driver.ts';
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
   * A worker running `worker.ts` (or a tool's own worker that calls `serveDatabaseWorker(self)` from
   * `@selftracker/client/web/worker`), for bundlers or tools that need to create it themselves. By default one worker per
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

/** The web driver: a plain `SqliteDriver` (the name is kept for the app's imports). */
export type WebDriver = SqliteDriver;

/**
 * The browser driver: sqlite-wasm on the `opfs-sahpool` VFS in a dedicated worker (no COOP/COEP needed),
 * reached with the RPC driver over one MessagePort per database. Data persists in the origin's private file
 * system across reloads and browser restarts.
 *
 * `opfs-sahpool` lets one page of an origin open the files at a time: guard it with
 * `acquireDatabaseLock` so a second tab waits instead of failing. Opening while another tab holds the
 * files fails with `StorageError('busy')`. Transactions are serialized per driver (the kit's mutex) and per
 * file in the worker; the worker runs BEGIN IMMEDIATE / COMMIT / ROLLBACK.
 */
export async function openWebDriver(opts: WebDriverOptions): Promise<WebDriver> {
  return hostFor(opts.worker).open(opts.file, opts.vfs ?? 'selftracker');
}
