/**
 * The owner's side: serves its open database to every other tab over the port, one RPC service per tab
 * (`serveRpc`: statements, and transactions as leases). A tab that goes away is noticed through its presence
 * lock (each tab holds `selftracker-tab:<id>` while it lives), and its open transaction is rolled back at once
 * instead of holding the database until the lease times out.
 */
import type { SqliteDriver } from '../driver.ts';
import { StorageError } from '../driver.ts';
import { type RpcService, serveRpc } from '../drivers/rpc/host.ts';
import type { RpcRequest, RpcResponse } from '../drivers/rpc/protocol.ts';
import { type LinkEnd, linkEnd } from './link.ts';
import type { TabLocks, TabPort } from './port.ts';

/** The name of the lock a tab holds for as long as it lives. */
export const presenceLock = (tabId: string) => `selftracker-tab:${tabId}`;

/**
 * The table where a tab's write leaves its commit id in the same transaction, so that after losing the
 * owner's reply the tab can ask the next owner whether the write committed (see failover-driver.ts).
 */
export const COMMITS_TABLE = 'tab_commits';
const KEEP_COMMITS_MS = 24 * 60 * 60 * 1000;

/** Creates the commit-id table if needed and forgets ids older than a day (no retry waits that long). */
export async function prepareCommits(driver: SqliteDriver, now: number): Promise<void> {
  await driver.exec(`CREATE TABLE IF NOT EXISTS ${COMMITS_TABLE} (id TEXT PRIMARY KEY, at INTEGER NOT NULL)`);
  await driver.exec(`DELETE FROM ${COMMITS_TABLE} WHERE at < ?`, [now - KEEP_COMMITS_MS]);
}

export interface TabServer {
  /** Stops serving: every other tab's open transaction is rolled back; resolves once they all are. */
  stop(): Promise<void>;
}

/** Serves `driver` (which stays open: the owner closes it) to the other tabs as owner `term`. */
export function serveTabs(
  driver: SqliteDriver,
  port: TabPort,
  term: string,
  locks: TabLocks,
  opts: { leaseTimeoutMs?: number } = {},
): TabServer {
  const shared: SqliteDriver = {
    exec: (sql, params) => driver.exec(sql, params),
    query: (sql, params) => driver.query(sql, params),
    transaction: (fn) => driver.transaction(fn),
    close: async () => {}, // a tab leaving never closes the owner's database
  };
  const tabs = new Map<string, { end: LinkEnd<RpcResponse, RpcRequest>; service: RpcService }>();
  const stopping = new AbortController();

  const serve = (tab: string) => {
    const end = linkEnd<RpcResponse, RpcRequest>((body) =>
      port.post({ type: 'rpc-reply', to: tab, term, body }),
    );
    const service = serveRpc(
      shared,
      end,
      opts.leaseTimeoutMs === undefined ? {} : { leaseTimeoutMs: opts.leaseTimeoutMs },
    );
    tabs.set(tab, { end, service });
    // Granted once that tab is gone (closed, crashed, reloaded): its transactions end with it.
    locks
      .request(presenceLock(tab), { signal: stopping.signal }, async () => {
        end.close();
      })
      .catch(() => {}); // aborted: this owner stopped first
    void service.done.then(() => {
      if (tabs.get(tab)?.end === end) tabs.delete(tab);
    });
    return end;
  };

  const off = port.listen((m) => {
    if (m.type !== 'rpc' || m.to !== term) return;
    (tabs.get(m.from)?.end ?? serve(m.from)).deliver(m.body);
  });

  return {
    async stop() {
      off();
      stopping.abort();
      const all = [...tabs.values()];
      for (const t of all) t.end.fail(new StorageError('closed', 'the database was closed in its tab'));
      await Promise.all(all.map((t) => t.service.done));
    },
  };
}
