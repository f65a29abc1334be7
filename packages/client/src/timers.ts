import type { EntityData } from '@selftracker/core';
import { ClientError } from './errors.ts';
import { readRow } from './local-store.ts';
import { type Entity, Repository, type WriteContext } from './repositories.ts';

/** Timers: a repository plus start/stop. Starting a timer stops this device's running timer. */
export class Timers extends Repository {
  constructor(private readonly wctx: WriteContext) {
    super(wctx, 'timers');
  }

  running(): Promise<Entity[]> {
    return this.list({ where: { stopped_at: null } });
  }

  /** Starts a timer (on a task and/or project, with a note); stops the running one in the same transaction. */
  async start(input: { task_id?: string | null; project_id?: string | null; note?: string | null } = {}): Promise<Entity> {
    const now = this.wctx.now();
    const data: EntityData = { ...input, started_at: now, stopped_at: null, created_at: now, updated_at: now };
    const running = await this.running();
    const created = await this.wctx.driver.transaction(async (tx) => {
      for (const t of running) {
        const cur = await readRow(tx, 'timers', t.id);
        if (!cur || cur.deleted || cur.data.stopped_at !== null) continue;
        const patch = { stopped_at: Math.max(now, Number(cur.data.started_at)), updated_at: now };
        await this.write(tx, t.id, 'UPDATE', patch, { ...cur, data: { ...cur.data, ...patch } });
      }
      return this.createIn(tx, data);
    });
    this.wctx.committed(['timers']);
    return created;
  }

  /** Stops the running timer(s); returns what was stopped. */
  async stop(): Promise<Entity[]> {
    const running = await this.running();
    if (running.length === 0) throw new ClientError('not_found', 'no timer is running');
    const now = this.wctx.now();
    return Promise.all(
      running.map((t) => this.update(t.id, { stopped_at: Math.max(now, Number(t.started_at)), updated_at: now })),
    );
  }
}
