/**
 * The contract every system in `npm run bench:peers` implements. A workload a system cannot run is left out
 * (printed as "n/a"). Every workload starts from fresh clients and checks its result before it returns: a count
 * that does not match throws, so no figure is printed for work that was not done.
 */

/** What each run gets: a scratch PostgreSQL database of its own, a temp dir for files. */
export interface RunContext {
  /** postgres://… of a fresh, empty database for this system alone (dropped after the run). */
  pgUrl: string;
  /** A fresh temp directory for this system's files (SQLite files, leveldb dirs), removed after the run. */
  dir: string;
}

/** One task as every system stores it: the same five fields everywhere. */
export interface BenchTask {
  id: string;
  title: string;
  status: 'todo' | 'done';
  created_at: number;
  updated_at: number;
}

export interface System {
  /** Short name in the table, e.g. "WatermelonDB". */
  name: string;
  /** The pinned version(s), e.g. "@nozbe/watermelondb 0.28.0". */
  version: string;
  /** What its client stores in and what its server does, printed under the table. */
  setupNote: string;
  /** Starts the system's server(s); called once before any workload. */
  setup(ctx: RunContext): Promise<void>;
  /** Stops every server and closes every client it opened. */
  teardown(): Promise<void>;

  /** W1: `n` task creates on a fresh client, one transaction each; resolves with the elapsed ms. */
  localSingle?(n: number): Promise<number>;
  /** W1: `n` task creates on a fresh client in one transaction (or the system's bulk call); elapsed ms. */
  localBulk?(n: number): Promise<number>;
  /**
   * W2: puts `rows` tasks on the server for a fresh user (untimed; any way the system allows), then times a fresh
   * client's first sync until all `rows` are stored locally. Elapsed ms of that sync.
   */
  initialSync?(rows: number): Promise<number>;
  /**
   * W4: a fresh client A creates `n` tasks locally (untimed), then A pushes them (timed: pushMs), then a fresh
   * client B of the same user pulls them (timed: pullMs) and has all `n`.
   */
  transfer?(n: number): Promise<{ pushMs: number; pullMs: number }>;
  /**
   * W4 one-edit round trip, `k` times on two synced clients A and B: update one task's title on A, A syncs,
   * B syncs, B has the new title. Resolves with each round trip's ms.
   */
  oneEdit?(k: number): Promise<number[]>;
  /**
   * W4 live edit, `k` times: B listens on the system's live channel; update one task's title on A and let A sync;
   * time until B has the new title without being asked to sync. Each edit's ms.
   */
  liveEdit?(k: number): Promise<number[]>;
}

export const taskTitle = (i: number) => `Task ${i}`;

/** Median and p95 of a list of ms. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const started = performance.now();
  const r = await fn();
  return [r, performance.now() - started];
}

/** Throws unless `actual` is `expected`: a workload that did not do its work prints no figure. */
export function expectCount(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`${what}: ${actual}, expected ${expected}`);
}

/** Polls `check` every `everyMs` until it is true or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
  everyMs = 1,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
