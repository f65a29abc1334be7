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
