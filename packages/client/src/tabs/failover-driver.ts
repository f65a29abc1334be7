/**
 * The driver every tab's engine runs on: statements go to whichever tab owns the database now (this one, or
 * another over the port), and a call that was cut off because that owner went away runs again on the next.
 *
 * Exactly once: a write sent to another tab carries a commit id, inserted in the same transaction
 * (`tab_commits`). If the owner goes away before its reply arrives, the write either committed there or not
 * at all (SQLite's journal); the tab asks the next owner whether the id is in the table, and only if it is not
 * runs the transaction again. Reads are simply run again. In the owning tab the calls go straight to its
 * database: no reply can be lost between a page and its own worker (the page would be gone with it).
 */
import { type SqliteDriver, type SqliteExecutor, type SqlParams, StorageError } from '../driver.ts';
import { COMMITS_TABLE } from './owner.ts';

/** Where calls go now. */
export interface Route {
  readonly driver: SqliteDriver;
  /** The database is in another tab: writes carry commit ids. */
  readonly remote: boolean;
  /** Set once this route's owner is gone (before its pending calls fail): a failure on it is retried. */
  readonly lost: boolean;
}

export interface FailoverOptions {
  /** The current route; waits while no tab owns the database (between an owner leaving and the next opening). */
  route(): Promise<Route>;
  /** Runs on `close()`: leaves the tabs (the owner closes its database and hands it on). */
  close(): Promise<void>;
  /** A fresh unique commit id. */
  newId(): string;
  now(): number;
}

/** Statements that change rows: outside a transaction, sent to another tab, they run in one with a commit id. */
const WRITE = /^\s*(insert|update|delete|replace|with)\b/i;

/** A transaction's commit id, and its result once an attempt got as far as writing the id. */
interface Attempts<T> {
  readonly id: string;
  done?: { value: T } | undefined;
}

const isCommitted = async (driver: SqliteDriver, id: string) =>
  (await driver.query(`SELECT 1 AS c FROM ${COMMITS_TABLE} WHERE id = ?`, [id])).length > 0;

export function createFailoverDriver(opts: FailoverOptions): SqliteDriver {
  let closed = false;
  const guard = () => {
    if (closed) throw new StorageError('closed', 'the database is closed');
  };

  /** Runs `attempt` on the current route, again on the next one for as long as routes are lost under it. */
  const onRoute = async <T>(attempt: (route: Route, retry: boolean) => Promise<T>): Promise<T> => {
    let retry = false;
    for (;;) {
      guard();
      const route = await opts.route();
      try {
        return await attempt(route, retry);
      } catch (e: unknown) {
        if (!route.lost || closed) throw e;
        retry = true;
      }
    }
  };

  /**
   * One attempt of a transaction. After a lost route, it first asks the new owner whether the last attempt
   * committed (its commit id is there); in another tab the attempt leaves its commit id in the transaction.
   */
  const attemptTransaction = async <T>(
    route: Route,
    retry: boolean,
    fn: (tx: SqliteExecutor) => Promise<T>,
    state: Attempts<T>,
  ): Promise<T> => {
    if (retry && state.done) {
      if (await isCommitted(route.driver, state.id)) return state.done.value;
      state.done = undefined;
    }
    if (!route.remote) return route.driver.transaction(fn);
    return route.driver.transaction(async (tx) => {
      const value = await fn(tx);
      await tx.exec(`INSERT INTO ${COMMITS_TABLE} (id, at) VALUES (?, ?)`, [state.id, opts.now()]);
      state.done = { value };
      return value;
    });
  };

  const transaction = <T>(fn: (tx: SqliteExecutor) => Promise<T>): Promise<T> => {
    const state: Attempts<T> = { id: opts.newId() };
    return onRoute((route, retry) => attemptTransaction(route, retry, fn, state));
  };

  return {
    exec: (sql: string, params: SqlParams = []) => {
      if (!WRITE.test(sql)) return onRoute((route) => route.driver.exec(sql, params));
      const state: Attempts<number> = { id: opts.newId() };
      return onRoute((route, retry) =>
        route.remote || retry
          ? attemptTransaction(route, retry, (tx) => tx.exec(sql, params), state)
          : route.driver.exec(sql, params),
      );
    },
    query: <T>(sql: string, params: SqlParams = []) => onRoute((route) => route.driver.query<T>(sql, params)),
    transaction,
    async close() {
      if (closed) return;
      closed = true;
      await opts.close();
    },
  };
}
