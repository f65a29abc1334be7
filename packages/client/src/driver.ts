/**
 * The one narrow boundary between the sync engine and a SQLite binding (STYLE.md "The driver boundary").
 * Migrations, outbox, merge and batching live in the engine; a driver only translates calls.
 */
export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlParams = readonly SqlValue[];

export interface SqliteExecutor {
  /** Runs a statement that returns no rows; resolves to the number of rows changed. */
  exec(sql: string, params?: SqlParams): Promise<number>;
  query<T = Record<string, SqlValue>>(sql: string, params?: SqlParams): Promise<T[]>;
}

export interface SqliteDriver extends SqliteExecutor {
  /**
   * Runs `fn` in one transaction: serializable, one writer at a time, readers never see half of it.
   * Commits when `fn` resolves, rolls back when it throws. Calls on the driver itself while a transaction
   * runs wait until it ends; use the executor passed to `fn` inside.
   */
  transaction<T>(fn: (tx: SqliteExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type StorageErrorCode = 'constraint' | 'busy' | 'closed' | 'io';

/** Every native storage failure, mapped once by the driver; `cause` keeps the original. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  static is(e: unknown): e is StorageError {
    return e instanceof StorageError || (e instanceof Error && e.name === 'StorageError' && 'code' in e);
  }
}

/** A FIFO mutex: the single-writer discipline every driver needs for async transactions. */
export function createMutex() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
}

/**
 * Runs `fn` with an executor that is only valid while it runs: a write that escapes `fn` (a floating
 * promise) must not run outside the transaction's lock, where it would break the single-writer rule.
 */
export async function withScopedExecutor<T>(
  raw: SqliteExecutor,
  fn: (tx: SqliteExecutor) => Promise<T>,
): Promise<T> {
  let open = true;
  const guard = () => {
    if (!open) throw new StorageError('closed', 'this transaction has already ended');
  };
  const tx: SqliteExecutor = {
    exec: async (sql, params) => {
      guard();
      return raw.exec(sql, params);
    },
    query: async <R>(sql: string, params?: SqlParams) => {
      guard();
      return raw.query<R>(sql, params);
    },
  };
  try {
    return await fn(tx);
  } finally {
    open = false;
  }
}
