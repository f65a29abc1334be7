/**
 * The contract's tiny runner: cases are data (`ContractCase`), a fixture says how to open the driver under test,
 * and `runCase`/`runContract` report results as plain data (a browser page or a webview returns them as JSON).
 */
import type { SqliteDriver } from '../../driver.ts';

/** How to open the driver under test. */
export interface DriverFixture {
  /** Shown in reports, e.g. `node (better-sqlite3)`. */
  name: string;
  /** Opens the database named `file` (a path under a temp dir, an OPFS name, ...); the same name reopens it. */
  open(file: string): SqliteDriver | Promise<SqliteDriver>;
  /** A fresh file name for one case; default `contract-<case>-<time>-<n>.db`. */
  file?(test: string): string;
  /**
   * Makes the caller of `driver` disappear as a reloaded page would (no commit, no rollback, no close), and
   * resolves once the far side noticed. Only drivers with a far side (RPC) have it; the cases that need it
   * are skipped without it.
   */
  vanish?(driver: SqliteDriver): void | Promise<void>;
  /**
   * Whether this SQLite build has FTS5 (default true). False only for a build known to lack it (expo-sqlite's
   * web build): the schema case then checks the engine's fallback instead of the index.
   */
  fts5?: boolean;
}

/** What one case gets: a fresh database with tables `t (id INTEGER PRIMARY KEY, v)` and `u (k TEXT PRIMARY KEY, n INTEGER NOT NULL)`. */
export interface CaseContext {
  db: SqliteDriver;
  /** Opens another driver on the same file (closed after the case). */
  reopen(): Promise<SqliteDriver>;
  /** The fixture's `vanish` (present when the case `needs: 'vanish'`). */
  vanish(driver: SqliteDriver): Promise<void>;
  /** Whether the build has FTS5, as the fixture says. */
  fts5: boolean;
}

/** One contract case: a name, what it needs of the fixture, and its body (throws on failure). */
export interface ContractCase {
  name: string;
  needs?: 'vanish';
  run(ctx: CaseContext): Promise<void>;
}

/** A case's result as data. */
export type CaseResult = { name: string; ms: number } & (
  | { status: 'passed' }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: { name: string; message: string; stack?: string } }
);

/** Why `c` cannot run against `fixture`, or undefined when it can (the contract's documented skips). */
export function skipReason(fixture: DriverFixture, c: ContractCase): string | undefined {
  if (c.needs === 'vanish' && !fixture.vanish) return 'the fixture cannot make a caller vanish (no far side)';
  return undefined;
}

let seq = 0;

/** Runs one case on a fresh database; every driver it opened is closed afterwards. Never throws. */
export async function runCase(fixture: DriverFixture, c: ContractCase): Promise<CaseResult> {
  const started = performance.now();
  const done = <R extends object>(r: R) => ({ name: c.name, ms: performance.now() - started, ...r });
  const reason = skipReason(fixture, c);
  if (reason) return done({ status: 'skipped', reason });
  const n = seq++;
  const file =
    fixture.file?.(String(n)) ?? `contract-${n}-${Date.now()}-${Math.random().toString(36).slice(2)}.db`;
  const opened: SqliteDriver[] = [];
  const reopen = async () => {
    const d = await fixture.open(file);
    opened.push(d);
    return d;
  };
  try {
    const db = await reopen();
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v)');
    await db.exec('CREATE TABLE u (k TEXT PRIMARY KEY, n INTEGER NOT NULL)');
    await c.run({ db, reopen, vanish: async (d) => fixture.vanish?.(d), fts5: fixture.fts5 ?? true });
    return done({ status: 'passed' });
  } catch (e: unknown) {
    const err = e instanceof Error ? e : new Error(String(e));
    return done({
      status: 'failed',
      error: { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) },
    });
  } finally {
    for (const d of opened) await d.close().catch(() => {});
  }
}

/** Runs `cases` one after another; resolves to every result (the whole report of a page or a device). */
export async function runContract(
  fixture: DriverFixture,
  cases: readonly ContractCase[],
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(fixture, c));
  return results;
}

/** Throws a failed result's error again (with its stack), for a test framework to report. */
export function throwIfFailed(r: CaseResult): void {
  if (r.status !== 'failed') return;
  throw Object.assign(new Error(r.error.message), {
    name: r.error.name,
    stack: r.error.stack ?? r.error.message,
  });
}
