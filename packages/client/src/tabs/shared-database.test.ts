import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SqliteDriver } from '../driver.ts';
import { openNodeDriver } from '../drivers/node/index.ts';
import type { RpcRequest } from '../drivers/rpc/protocol.ts';
import { createFakeLocks, tempDir } from '../testing/index.ts';
import { broadcastChannelPort, type TabPort } from './port.ts';
import type { TabMessage } from './protocol.ts';
import { type SharedDatabase, shareDatabase } from './shared-database.ts';

const dir = tempDir('selftracker-tabs-');
afterAll(() => dir.cleanup());

let files = 0;
/** One browser: a lock table, a channel name and a database file shared by its tabs. */
function browser() {
  const n = files++;
  const locks = createFakeLocks();
  const file = join(dir.path, `tabs-${n}.db`);
  const channel = `tabs-test-${n}-${Date.now()}`;
  const tabs: Tab[] = [];

  interface Tab {
    id: string;
    shared: SharedDatabase;
    /** Decides per message whether it goes through (default: all); a tab that died passes nothing. */
    incoming?: (m: TabMessage) => boolean;
    outgoing?: (m: TabMessage) => boolean;
    /** The database this tab opened as owner. */
    opened?: SqliteDriver;
    /** The tab dies: nothing more goes in or out, its open transactions end with it, its locks are freed. */
    crash(): Promise<void>;
  }

  const open = (id: string): Tab => {
    const inner = broadcastChannelPort(channel);
    let dead = false;
    const port: TabPort = {
      post: (m) => {
        if (!dead && (tab.outgoing?.(m) ?? true)) inner.post(m);
      },
      listen: (l) =>
        inner.listen((m) => {
          if (!dead && (tab.incoming?.(m) ?? true)) l(m);
        }),
      close: () => inner.close(),
    };
    const tab: Tab = {
      id,
      shared: undefined as unknown as SharedDatabase,
      async crash() {
        dead = true;
        // What the browser does to a dead page's worker: its open transaction never commits, its file is let go.
        await tab.shared.close();
        locks.kill(id);
      },
    };
    tab.shared = shareDatabase({
      name: 'db',
      tabId: id,
      port,
      locks: locks.forTab(id),
      open: async () => {
        tab.opened = openNodeDriver(file);
        return tab.opened;
      },
    });
    tabs.push(tab);
    return tab;
  };
  return { open, file, close: () => Promise.all(tabs.map((t) => t.shared.close())) };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

const isOp = (m: TabMessage, op: RpcRequest['op']) => m.type === 'rpc' && m.body.op === op;

describe('tabs sharing one database', () => {
  it('elects one owner; the other tabs read and write through it', async () => {
    const b = browser();
    const one = b.open('one');
    const two = b.open('two');
    await until(() => one.shared.role === 'owner' && two.shared.ownerTerm === one.shared.ownerTerm);
    expect(two.shared.role).toBe('follower');
    expect(two.opened).toBeUndefined();

    await two.shared.driver.exec('CREATE TABLE t (v TEXT)');
    await two.shared.driver.exec("INSERT INTO t (v) VALUES ('from two')");
    await two.shared.driver.transaction(async (tx) => {
      await tx.exec("INSERT INTO t (v) VALUES ('two, in a transaction')");
    });
    await one.shared.driver.exec("INSERT INTO t (v) VALUES ('from one')");
    const rows = await two.shared.driver.query<{ v: string }>('SELECT v FROM t ORDER BY rowid');
    expect(rows.map((r) => r.v)).toEqual(['from two', 'two, in a transaction', 'from one']);
    await b.close();
  });

  it('keeps a transaction from another tab whole: nothing of it is seen before it commits', async () => {
    const b = browser();
    const one = b.open('one');
    const two = b.open('two');
    await until(() => two.shared.ownerTerm !== undefined);
    await one.shared.driver.exec('CREATE TABLE t (v TEXT)');
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    let resume!: () => void;
    const held = new Promise<void>((r) => (resume = r));
    const tx = two.shared.driver.transaction(async (t) => {
      await t.exec("INSERT INTO t (v) VALUES ('half')");
      inside();
      await held;
      await t.exec("INSERT INTO t (v) VALUES ('whole')");
    });
    await entered;
    const read = one.shared.driver.query<{ n: number }>('SELECT count(*) AS n FROM t');
    resume();
    await tx;
    expect(await read).toEqual([{ n: 2 }]); // waited for the transaction, never saw half of it
    await b.close();
  });

  it('hands over when the owner closes: the next tab opens the database and every tab follows it', async () => {
    const b = browser();
    const one = b.open('one');
    const two = b.open('two');
    const three = b.open('three');
    await until(() => three.shared.ownerTerm !== undefined && two.shared.ownerTerm !== undefined);
    await three.shared.driver.exec('CREATE TABLE t (v TEXT)');
    await three.shared.driver.exec("INSERT INTO t (v) VALUES ('before')");
    await one.shared.close();
    await until(() => two.shared.role === 'owner' && three.shared.ownerTerm === two.shared.ownerTerm);
    await three.shared.driver.exec("INSERT INTO t (v) VALUES ('after')");
    expect(await two.shared.driver.query('SELECT v FROM t ORDER BY rowid')).toEqual([
      { v: 'before' },
      { v: 'after' },
    ]);
    await b.close();
  });

  it('owner dies after committing a write whose reply is lost: the retried write is applied exactly once', async () => {
    const b = browser();
    const one = b.open('one');
    const two = b.open('two');
    const three = b.open('three');
    await until(() => three.shared.ownerTerm !== undefined && two.shared.ownerTerm !== undefined);
    await three.shared.driver.exec('CREATE TABLE t (v TEXT)'); // no key: a second apply would add a second row

    // Tab one commits tab three's transaction, then dies before its reply leaves.
    const commits = new Set<number>();
    one.incoming = (m) => {
      if (m.type === 'rpc' && m.body.op === 'commit') commits.add(m.body.id);
      return true;
    };
    one.outgoing = (m) => {
      if (m.type === 'rpc-reply' && commits.has(m.body.id)) {
        void one.crash();
        return false;
      }
      return true;
    };
    let runs = 0;
    const result = await three.shared.driver.transaction(async (tx) => {
      runs++;
      await tx.exec("INSERT INTO t (v) VALUES ('once')");
      return 'written';
    });

    expect(result).toBe('written');
    expect(runs).toBe(1); // the next owner (tab two) said it had committed: not run again
    expect(two.shared.role).toBe('owner');
    expect(await three.shared.driver.query('SELECT v FROM t')).toEqual([{ v: 'once' }]);
    expect(commits.size).toBe(1);
    await b.close();
  });

  it('owner dies before a write commits: the write is run again on the next owner, once', async () => {
    const b = browser();
    const one = b.open('one');
    const two = b.open('two');
    await until(() => two.shared.ownerTerm !== undefined);
    await two.shared.driver.exec('CREATE TABLE t (v TEXT)');

    // Tab one receives the commit of tab two's transaction and dies before running it.
    one.incoming = (m) => {
      if (!isOp(m, 'commit')) return true;
      void one.crash();
      return false;
    };
    let runs = 0;
    const result = await two.shared.driver.transaction(async (tx) => {
      runs++;
      await tx.exec("INSERT INTO t (v) VALUES ('once')");
      return runs;
    });

    expect(result).toBe(2); // the first run was rolled back with the dead owner
    expect(two.shared.role).toBe('owner'); // tab two took over and ran it itself
    expect(await two.shared.driver.query('SELECT v FROM t')).toEqual([{ v: 'once' }]);
    await b.close();
  });

  it('a plain write outside a transaction is applied once when the reply is lost', async () => {
    const b = browser();
    const one = b.open('one');
    const two = b.open('two');
    await until(() => two.shared.ownerTerm !== undefined);
    await two.shared.driver.exec('CREATE TABLE t (v TEXT)');
    const commits = new Set<number>();
    one.incoming = (m) => {
      if (isOp(m, 'commit') && m.type === 'rpc') commits.add(m.body.id);
      return true;
    };
    one.outgoing = (m) => {
      if (m.type !== 'rpc-reply' || !commits.has(m.body.id)) return true;
      void one.crash();
      return false;
    };
    expect(await two.shared.driver.exec("INSERT INTO t (v) VALUES ('once')")).toBe(1);
    expect(await two.shared.driver.query('SELECT v FROM t')).toEqual([{ v: 'once' }]);
    await b.close();
  });

  it('rolls back the open transaction of a tab that dies, at once, so the others can write', async () => {
    const b = browser();
    const one = b.open('one');
    const two = b.open('two');
    await until(() => two.shared.ownerTerm !== undefined);
    await one.shared.driver.exec('CREATE TABLE t (v TEXT)');
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    void two.shared.driver
      .transaction(async (tx) => {
        await tx.exec("INSERT INTO t (v) VALUES ('never')");
        inside();
        await new Promise(() => {}); // the tab dies in here
      })
      .catch(() => {});
    await entered;
    await two.crash(); // its lease is released by the presence lock, not the 10 s lease timeout
    await one.shared.driver.exec("INSERT INTO t (v) VALUES ('one')");
    expect(await one.shared.driver.query('SELECT v FROM t')).toEqual([{ v: 'one' }]);
    await b.close();
  });
});
