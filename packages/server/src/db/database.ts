import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema.ts';

/**
 * The storage interface of the server, shared by both implementations: `postgres.ts` (node-postgres) and
 * `pglite.ts` (embedded). `copy.ts` writes COPY data, `listen.ts` holds PostgreSQL's LISTEN connection,
 * `open.ts` picks one.
 */

/** Anything that runs parameterised SQL: the database itself or an open transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * An open transaction. Statements issued without awaiting the previous one run one after another in issue
 * order.
 */
export interface Sql extends Queryable {
  /**
   * `COPY table (columns) FROM STDIN`, the fastest way to insert rows: `data` is lines in PostgreSQL's text format
   * (see `copyText`), whole or as chunks produced lazily, which are sent while the next is built. `table` and
   * `columns` are quoted identifiers from the schema, never from a request.
   */
  copyFrom(table: string, columns: readonly string[], data: string | Iterable<string>): Promise<void>;
}

export type Orm = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * The storage the server runs on: PGlite (embedded) or a PostgreSQL server, one code path.
 * Hot paths use `query`/`transaction` with SQL built from the entity registry; the rest uses `orm` (Drizzle).
 */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  readonly orm: Orm;
  /**
   * Connections for paged reads in version order (pulls), whose planner never picks a bitmap scan: one statement,
   * no transaction around it. Absent on PGlite, where a pull sets `enable_bitmapscan = off` in a transaction
   * instead (round trips cost nothing in process).
   */
  readonly pages?: Queryable;
  /**
   * Connections whose commits do not wait for the write-ahead log to reach the disk, for rate-limit counters: a
   * crash may lose their last increments, which costs nothing, while a flush per request would cost most of a
   * small request's time. Absent on PGlite.
   */
  readonly counters?: Queryable;
  /** Runs `fn` in one transaction; `repeatable read` gives every statement one snapshot. */
  transaction<T>(fn: (tx: Sql) => Promise<T>, opts?: { isolation?: 'repeatable read' }): Promise<T>;
  /**
   * Subscribes to a NOTIFY channel; resolves once the subscription is active. `onResubscribed` runs when the
   * subscription is back after an outage of the database connection (notifications sent meanwhile were lost).
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onResubscribed?: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Runs the statements of one connection strictly in issue order without the caller awaiting each: the next is
 * sent when the previous has finished (as node-postgres would, without its deprecated implicit queue).
 */
export function inIssueOrder(): <T>(run: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return (run) => {
    const next = chain.then(run);
    chain = next.catch(() => {});
    return next;
  };
}
