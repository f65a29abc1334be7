/**
 * Every tab of a browser uses one database at once, though only one page may open its files (`opfs-sahpool`):
 * the tabs elect that page with a Web Lock named after the database, and the others reach the database
 * through it over a BroadcastChannel.
 *
 * - Every tab queues for the lock. The one that holds it (the owner) opens the database, serves it to the
 *   others (owner.ts) and says so (`owner`, with a new term); the others send their statements there.
 * - When the owner goes (its tab closed or crashed: the browser frees the lock; or it closed the database:
 *   `owner-gone`), the next tab in the queue gets the lock, opens the database itself and says so, and every tab
 *   points at it. A call cut off on the way is run again there, writes exactly once (failover-driver.ts).
 * - Each tab also holds a presence lock while it lives, so the owner knows when a tab went away.
 */
import type { SqliteDriver } from '../driver.ts';
import { StorageError } from '../driver.ts';
import { createRpcDriver } from '../drivers/rpc/client.ts';
import { migrate } from '../local-schema.ts';
import { createFailoverDriver, type Route } from './failover-driver.ts';
import { type LinkEnd, linkToOwner, ownerGone } from './link.ts';
import { prepareCommits, presenceLock, serveTabs, type TabServer } from './owner.ts';
import { broadcastChannelPort, type TabLocks, type TabPort } from './port.ts';

export type TabRole = 'follower' | 'owner' | 'closed';

export interface ShareDatabaseOptions {
  /** The database's name: the lock's and the channel's (the file name, as `acquireDatabaseLock` used). */
  name: string;
  /** Opens the database in this tab, once it owns it. A `busy` failure (the last owner's files not yet free) is retried. */
  open(): Promise<SqliteDriver>;
  /** Default: a BroadcastChannel named `selftracker-tabs:<name>`. */
  port?: TabPort;
  /** Default: `navigator.locks`. */
  locks?: TabLocks;
  /** Default: a random UUID. */
  tabId?: string;
  /** How long another tab's open transaction may stay silent before it is rolled back (default 10 s). */
  leaseTimeoutMs?: number;
  /** How long to keep retrying an open that fails with `busy` (default 10 s). */
  openRetryMs?: number;
  now?: () => number;
}

/** This tab's view of a database shared by the tabs. */
export interface SharedDatabase {
  readonly tabId: string;
  /** The database, wherever it is open; valid in every role, until `close()`. */
  readonly driver: SqliteDriver;
  readonly role: TabRole;
  /** The current owner's term (`<tab>:<n>`), once known. */
  readonly ownerTerm: string | undefined;
  /** The tabs' line, for the engine link (engine-link.ts). */
  readonly port: TabPort;
  /** Hears role and owner changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Leaves: the owner closes the database (other tabs' transactions rolled back) and hands it on. Same as `driver.close()`. */
  close(): Promise<void>;
}

/** Keeps the current route and lets calls wait for one. */
function createRouteBox() {
  let current: Route | undefined;
  let waiters: { resolve(r: Route): void; reject(e: unknown): void }[] = [];
  let failed: unknown;
  return {
    get: (): Promise<Route> => {
      if (failed) return Promise.reject(failed);
      if (current && !current.lost) return Promise.resolve(current);
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    set(r: Route | undefined) {
      current = r;
      if (!r) return;
      const ws = waiters;
      waiters = [];
      for (const w of ws) w.resolve(r);
    },
    fail(e: unknown) {
      failed = e;
      const ws = waiters;
      waiters = [];
      for (const w of ws) w.reject(e);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens, retrying `busy` (the previous owner's page may still be letting go of the files) for `forMs`. */
async function openWhenFree(open: () => Promise<SqliteDriver>, forMs: number): Promise<SqliteDriver> {
  const until = Date.now() + forMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      return await open();
    } catch (e: unknown) {
      if (!(StorageError.is(e) && e.code === 'busy') || Date.now() + delay > until) throw e;
      await sleep(delay);
    }
  }
}

/**
 * Joins the tabs sharing database `name`: resolves at once with a driver that works whichever tab owns the
 * database (calls wait while none does). This tab becomes the owner when its turn in the lock's queue comes.
 */
export function shareDatabase(opts: ShareDatabaseOptions): SharedDatabase {
  const tabId = opts.tabId ?? crypto.randomUUID();
  const port = opts.port ?? broadcastChannelPort(`selftracker-tabs:${opts.name}`);
  const locks = opts.locks ?? (navigator.locks as unknown as TabLocks);
  const now = opts.now ?? Date.now;
  const routes = createRouteBox();
  const listeners = new Set<() => void>();
  const leaving = new AbortController();
  let role: TabRole = 'follower';
  let ownerTerm: string | undefined;
  let terms = 0;
  let link: { term: string; end: LinkEnd<unknown, unknown>; route: { lost: boolean } } | undefined;
  let owned: { term: string; real: SqliteDriver; server: TabServer; release(): void } | undefined;
  const changed = () => {
    for (const l of [...listeners]) l();
  };

  const dropLink = () => {
    const l = link;
    link = undefined;
    if (!l) return;
    l.route.lost = true; // before the pending calls fail, so the failover driver retries them
    l.end.fail(ownerGone());
  };

  const follow = (term: string) => {
    if (role !== 'follower' || link?.term === term) return;
    dropLink();
    const end = linkToOwner(port, tabId, term);
    const route = { driver: createRpcDriver(end), remote: true, lost: false };
    link = { term, end: end as LinkEnd<unknown, unknown>, route };
    ownerTerm = term;
    routes.set(route);
    changed();
  };

  const becomeOwner = async (): Promise<void> => {
    dropLink(); // the lock is free: whoever we followed has closed or is gone
    routes.set(undefined);
    let real: SqliteDriver | undefined;
    try {
      real = await openWhenFree(opts.open, opts.openRetryMs ?? 10_000);
      await migrate(real); // before any tab's engine reads it: two tabs never migrate at once
      await prepareCommits(real, now());
    } catch (e: unknown) {
      await real?.close().catch(() => {});
      routes.fail(e);
      role = 'closed';
      changed();
      throw e; // releases the lock: the next tab tries
    }
    const term = `${tabId}:${++terms}`;
    const server = serveTabs(real, port, term, locks, { leaseTimeoutMs: opts.leaseTimeoutMs ?? 10_000 });
    const held = new Promise<void>((release) => {
      owned = { term, real: real!, server, release };
    });
    role = 'owner';
    ownerTerm = term;
    const driver = real;
    routes.set({ driver, remote: false, lost: false });
    port.post({ type: 'owner', term });
    changed();
    await held;
  };

  const off = port.listen((m) => {
    switch (m.type) {
      case 'owner':
        follow(m.term);
        break;
      case 'owner-gone':
        if (link?.term === m.term) {
          dropLink();
          ownerTerm = undefined;
          changed();
        }
        break;
      case 'who':
        if (owned) port.post({ type: 'owner', term: owned.term });
        break;
    }
  });

  let releasePresence = () => {};
  void locks
    .request(presenceLock(tabId), {}, () => new Promise<void>((r) => (releasePresence = r)))
    .catch(() => {});
  const election = locks
    .request(opts.name, { signal: leaving.signal }, async () => {
      if (!leaving.signal.aborted) await becomeOwner();
    })
    .catch(() => {}); // aborted while queued (left), or the open failed (reported through the driver)
  port.post({ type: 'who' });

  let left = false;
  const close = async () => {
    if (left) return;
    left = true;
    role = 'closed';
    leaving.abort();
    off();
    const o = owned;
    owned = undefined;
    if (o) {
      await o.server.stop();
      await o.real.close().catch(() => {});
      port.post({ type: 'owner-gone', term: o.term });
      o.release();
      await election;
    }
    dropLink();
    routes.fail(new StorageError('closed', 'the database is closed'));
    releasePresence();
    port.close();
    changed();
  };

  const driver = createFailoverDriver({
    route: routes.get,
    close,
    newId: () => crypto.randomUUID(),
    now,
  });

  return {
    tabId,
    driver,
    port,
    get role() {
      return role;
    },
    get ownerTerm() {
      return ownerTerm;
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: () => driver.close(),
  };
}
