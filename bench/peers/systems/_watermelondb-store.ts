/**
 * The WatermelonDB peer's server store in PostgreSQL, shared by its sync server (_watermelondb-server.ts, its own
 * process) and the bench (which seeds W2's rows straight into it, untimed).
 *
 * One row per task and user. `last_modified` comes from a sequence and is WatermelonDB's sync cursor: a pull
 * returns the user's rows with `last_modified > lastPulledAt` and, as its timestamp, the highest `last_modified`
 * it saw. Writes of one user are serialised by a transaction-scoped advisory lock, so a user's rows commit in
 * sequence order and a pull can never skip a row that commits later with a lower number.
 */
import type pg from 'pg';

export const SCHEMA = `
CREATE SEQUENCE IF NOT EXISTS wm_change_seq START WITH 10;
CREATE TABLE IF NOT EXISTS wm_tasks (
  user_id text NOT NULL,
  id text NOT NULL,
  title text NOT NULL,
  status text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  last_modified bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  PRIMARY KEY (user_id, id)
);
CREATE INDEX IF NOT EXISTS wm_tasks_user_changes ON wm_tasks (user_id, last_modified);
`;

/** A task as WatermelonDB's sync sends it (its own `_status`/`_changed` columns are ignored). */
export interface WireTask {
  id: string;
  title: string;
  status: string;
  created_at: number;
  updated_at: number;
}

export interface PullResult {
  changes: { tasks: { created: WireTask[]; updated: WireTask[]; deleted: string[] } };
  timestamp: number;
}

const lockUser = (c: pg.PoolClient, user: string) =>
  c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [user]);

/** Upserts `rows` for `user` in one statement (unnest of column arrays), each row getting a new cursor value. */
async function upsert(c: pg.PoolClient, user: string, rows: WireTask[]) {
  if (!rows.length) return;
  await c.query(
    `INSERT INTO wm_tasks (user_id, id, title, status, created_at, updated_at, last_modified, deleted)
     SELECT $1, t.id, t.title, t.status, t.created_at, t.updated_at, nextval('wm_change_seq'), false
     FROM unnest($2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[])
       AS t(id, title, status, created_at, updated_at)
     ON CONFLICT (user_id, id) DO UPDATE SET title = excluded.title, status = excluded.status,
       created_at = excluded.created_at, updated_at = excluded.updated_at,
       last_modified = excluded.last_modified, deleted = false`,
    [
      user,
      rows.map((r) => r.id),
      rows.map((r) => r.title),
      rows.map((r) => r.status),
      rows.map((r) => r.created_at),
      rows.map((r) => r.updated_at),
    ],
  );
}

export class ConflictError extends Error {}

/**
 * WatermelonDB's push: the client's created, updated and deleted tasks since `lastPulledAt`, in one transaction.
 * Refuses the whole push (as WatermelonDB's protocol asks) if any of those rows changed on the server after the
 * client's last pull; the client then pulls and pushes again.
 */
export async function push(
  pool: pg.Pool,
  user: string,
  lastPulledAt: number,
  changes: { tasks?: { created?: WireTask[]; updated?: WireTask[]; deleted?: string[] } },
): Promise<void> {
  const created = changes.tasks?.created ?? [];
  const updated = changes.tasks?.updated ?? [];
  const deleted = changes.tasks?.deleted ?? [];
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await lockUser(c, user);
    const ids = [...created.map((r) => r.id), ...updated.map((r) => r.id), ...deleted];
    if (ids.length) {
      const conflict = await c.query(
        'SELECT 1 FROM wm_tasks WHERE user_id = $1 AND id = ANY($2::text[]) AND last_modified > $3 LIMIT 1',
        [user, ids, lastPulledAt],
      );
      if (conflict.rowCount) throw new ConflictError('changed on the server since the last pull');
    }
    await upsert(c, user, [...created, ...updated]);
    if (deleted.length)
      await c.query(
        `UPDATE wm_tasks SET deleted = true, last_modified = nextval('wm_change_seq')
         WHERE user_id = $1 AND id = ANY($2::text[])`,
        [user, deleted],
      );
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}

/**
 * WatermelonDB's pull: the user's rows changed since `lastPulledAt` (all live rows on a first pull), sent as
 * `updated` (the client syncs with `sendCreatedAsUpdated`: the server does not track which client created a row,
 * and a client's own pushed rows come back on its next pull).
 */
export async function pull(pool: pg.Pool, user: string, lastPulledAt: number | null): Promise<PullResult> {
  const { rows } = await pool.query<WireTask & { last_modified: number; deleted: boolean }>(
    `SELECT id, title, status, created_at, updated_at, last_modified, deleted FROM wm_tasks
     WHERE user_id = $1 AND last_modified > $2`,
    [user, lastPulledAt ?? 0],
  );
  const updated: WireTask[] = [];
  const deleted: string[] = [];
  let timestamp = lastPulledAt ?? 1;
  for (const r of rows) {
    if (r.last_modified > timestamp) timestamp = r.last_modified;
    if (r.deleted) {
      if (lastPulledAt !== null) deleted.push(r.id);
    } else
      updated.push({
        id: r.id,
        title: r.title,
        status: r.status,
        created_at: r.created_at,
        updated_at: r.updated_at,
      });
  }
  return { changes: { tasks: { created: [], updated, deleted } }, timestamp };
}

/** Puts `rows` on the server for `user` directly (W2's untimed seeding), in batches of 10,000. */
export async function seed(pool: pg.Pool, user: string, rows: WireTask[]): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await lockUser(c, user);
    for (let b = 0; b < rows.length; b += 10_000) await upsert(c, user, rows.slice(b, b + 10_000));
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}
