import { type CreateInput, hlcWall } from '@selftracker/core';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { SqliteExecutor } from './driver.ts';
import { ClientError } from './errors.ts';
import { localDb } from './local-db.ts';
import { type LocalRow, readRow } from './local-store.ts';
import { timersTable } from './local-tables.ts';
import { Repository, type Timer, type WriteContext } from './repositories.ts';

/** What starting a timer takes: what it is for (all optional). */
export interface StartTimerInput {
  task_id?: string | null;
  project_id?: string | null;
  note?: string | null;
}

/** Timers: a repository plus start/stop. Starting a timer stops this device's running timer. */
export class Timers extends Repository<'timers'> {
  constructor(private readonly wctx: WriteContext) {
    super(wctx, 'timers');
  }

  /** The running timers (normally at most one). */
  running(): Promise<Timer[]> {
    return this.list({ filter: { running: true } });
  }

  /**
   * Starts a timer (on a task and/or project, with a note); stops the running one in the same transaction.
   * The running timers are read inside that transaction, so concurrent starts still leave exactly one running.
   */
  async start(input: StartTimerInput = {}): Promise<Timer> {
    const now = this.wctx.now();
    const data: CreateInput<'timers'> = {
      ...input,
      started_at: now,
      stopped_at: null,
    };
    let stoppedCount = 0;
    const created = await this.wctx.driver.transaction(async (tx) => {
      stoppedCount = (await this.#stopRunning(tx, now)).length;
      return this.createIn(tx, data); // a bad input throws here and rolls the stop back too
    });
    this.wctx.committed(['timers'], 1 + stoppedCount);
    return created;
  }

  /** Stops the running timer(s) in one transaction; returns what was stopped. */
  async stop(): Promise<Timer[]> {
    const now = this.wctx.now();
    const stopped = await this.wctx.driver.transaction(async (tx) => {
      const rows = await this.#stopRunning(tx, now);
      if (rows.length === 0) throw new ClientError('not_found', 'no timer is running');
      return rows;
    });
    this.wctx.committed(['timers'], stopped.length);
    return stopped.map((r) => ({ id: r.id, ...r.data, synced: false }) as Timer);
  }

  async #stopRunning(tx: SqliteExecutor, now: number): Promise<LocalRow[]> {
    const t = timersTable;
    const ids = await localDb(tx)
      .select({ id: t.id })
      .from(t)
      .where(and(eq(t.deleted, false), isNull(t.stopped_at)))
      .orderBy(asc(t.started_at), asc(t.id));
    const out: LocalRow[] = [];
    for (const { id } of ids) {
      const cur = await readRow(tx, 'timers', id);
      if (!cur) continue;
      const hlc = this.wctx.tick();
      const patch = { stopped_at: Math.max(now, Number(cur.data.started_at)), updated_at: hlcWall(hlc) };
      const next = { ...cur, data: { ...cur.data, ...patch } };
      await this.write(tx, id, 'UPDATE', patch, next, hlc);
      out.push(next);
    }
    return out;
  }
}
