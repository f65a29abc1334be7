import {
  ENTITIES,
  type EntityData,
  type EntityName,
  type EntitySpec,
  type FieldValue,
  hlcWall,
  type OperationKind,
  uuidv7,
  validateData,
  withDefaults,
} from '@selftracker/core';
import type { SqliteDriver, SqliteExecutor, SqlValue } from './driver.ts';
import { ClientError } from './errors.ts';
import {
  decodeRow,
  enqueue,
  enqueueMany,
  type LocalRow,
  readRow,
  toSql,
  writeRow,
  writeRows,
} from './local-store.ts';

/** What repositories need from the engine: storage, time, HLCs and a hook after each commit. */
export interface WriteContext {
  readonly driver: SqliteDriver;
  now(): number;
  /**
   * Advances the HLC for one operation. Its wall (never behind `now()`) becomes the row's `updated_at`
   * (and a new row's `created_at`): pulls carry no HLCs, so a device that pulls the row orders its next
   * write after this one by the `updated_at` it sees (syncer `wallSeen`), even when its own clock is behind.
   */
  tick(): string;
  /** Called after a write transaction committed, with the tables it touched and how many operations it queued. */
  committed(tables: readonly EntityName[], ops: number): void;
}

/** A row as repositories return it: the entity's fields, its `id`, and whether it is synced. */
export type Entity<T = EntityData> = T & { id: string; synced: boolean };

export interface ListOptions {
  where?: Record<string, FieldValue>;
  /** Extra SQL condition over the entity's columns with its parameters (built by typed helpers, never user text). */
  condition?: { sql: string; params: SqlValue[] };
  orderBy?: string;
  limit?: number;
}

const ORDER: Record<EntityName, string> = {
  projects: 'name COLLATE NOCASE, id',
  tasks: 'created_at, id',
  timers: 'started_at DESC, id',
};

/** A write's `updated_at`: its HLC's wall, or a later time the caller gave (an earlier one would order the write wrong). */
function stampedAt(given: EntityData[string] | undefined, hlc: string): EntityData[string] {
  const wall = hlcWall(hlc);
  return given === undefined ? wall : typeof given === 'number' ? Math.max(given, wall) : given;
}

export class Repository {
  readonly spec: EntitySpec;
  constructor(
    private readonly ctx: WriteContext,
    readonly entity: EntityName,
  ) {
    this.spec = ENTITIES[entity];
  }

  #invalid(problem: string): never {
    throw new ClientError('invalid_input', `${this.entity}: ${problem}`);
  }

  #toEntity(row: LocalRow, synced: boolean): Entity {
    return { id: row.id, ...row.data, synced };
  }

  /** Writes one operation, stamped `hlc`, and its outbox entry in the given transaction. */
  async write(
    tx: SqliteExecutor,
    id: string,
    operation: OperationKind,
    opData: EntityData | null,
    row: LocalRow,
    hlc: string,
  ) {
    await writeRow(tx, this.entity, row);
    await enqueue(tx, {
      op_id: uuidv7(),
      entity: this.entity,
      entity_id: id,
      operation,
      data: opData,
      hlc,
      created_at: this.ctx.now(),
    });
  }

  #prepareCreate(input: EntityData): { id: string; data: EntityData; row: LocalRow; hlc: string } {
    const now = this.ctx.now();
    const hlc = this.ctx.tick();
    const data: EntityData = {
      ...input,
      created_at: input.created_at ?? hlcWall(hlc),
      updated_at: stampedAt(input.updated_at, hlc),
    };
    const problem = validateData(this.spec, data, 'create');
    if (problem) this.#invalid(problem);
    const full = withDefaults(this.spec, data);
    const cross = this.spec.check(full);
    if (cross) this.#invalid(cross);
    const id = uuidv7(now);
    return { id, data, row: { id, deleted: false, data: full }, hlc };
  }

  /** Creates a row; `input` carries the entity's fields (created_at/updated_at default to now). */
  async create(input: EntityData): Promise<Entity> {
    const created = await this.ctx.driver.transaction((tx) => this.createIn(tx, input));
    this.ctx.committed([this.entity], 1);
    return created;
  }

  /** Creates a row inside a transaction the caller runs (for writes that span several rows). */
  async createIn(tx: SqliteExecutor, input: EntityData): Promise<Entity> {
    const p = this.#prepareCreate(input);
    await this.write(tx, p.id, 'CREATE', p.data, p.row, p.hlc);
    return this.#toEntity(p.row, false);
  }

  /** Creates many rows in one transaction: all or nothing, validated before anything is written. */
  async bulkCreate(inputs: readonly EntityData[]): Promise<Entity[]> {
    const prepared = inputs.map((i) => this.#prepareCreate(i));
    const now = this.ctx.now();
    const ops = prepared.map((p) => ({
      op_id: uuidv7(now),
      entity: this.entity,
      entity_id: p.id,
      operation: 'CREATE' as const,
      data: p.data,
      hlc: p.hlc,
      created_at: now,
    }));
    await this.ctx.driver.transaction(async (tx) => {
      await writeRows(
        tx,
        this.entity,
        prepared.map((p) => p.row),
      );
      await enqueueMany(tx, ops);
    });
    this.ctx.committed([this.entity], prepared.length);
    return prepared.map((p) => this.#toEntity(p.row, false));
  }

  /** Patches a row (`null` clears a nullable field); `updated_at` is set to now (the write's HLC wall). */
  async update(id: string, patch: EntityData): Promise<Entity> {
    for (const k of ['id', 'created_at']) if (k in patch) this.#invalid(`${k}: cannot be changed`);
    const problem = validateData(
      this.spec,
      { ...patch, updated_at: patch.updated_at ?? this.ctx.now() },
      'update',
    );
    if (problem) this.#invalid(problem);
    const row = await this.ctx.driver.transaction(async (tx) => {
      const cur = await readRow(tx, this.entity, id);
      if (!cur || cur.deleted) throw new ClientError('not_found', `${this.entity} ${id} not found`);
      // Stamped in the transaction: the outbox order of this row's operations is their HLC order.
      const hlc = this.ctx.tick();
      const data: EntityData = { ...patch, updated_at: stampedAt(patch.updated_at, hlc) };
      const next: LocalRow = { ...cur, data: { ...cur.data, ...data } };
      const cross = this.spec.check(next.data);
      if (cross) this.#invalid(cross);
      await this.write(tx, id, 'UPDATE', data, next, hlc);
      return next;
    });
    this.ctx.committed([this.entity], 1);
    return this.#toEntity(row, false);
  }

  /** Deletes a row: it becomes a tombstone here at once and everywhere after sync. */
  async delete(id: string): Promise<void> {
    await this.ctx.driver.transaction(async (tx) => {
      const cur = await readRow(tx, this.entity, id);
      if (!cur || cur.deleted) throw new ClientError('not_found', `${this.entity} ${id} not found`);
      await this.write(tx, id, 'DELETE', null, { id, deleted: true, data: {} }, this.ctx.tick());
    });
    this.ctx.committed([this.entity], 1);
  }

  async get(id: string): Promise<Entity | undefined> {
    const [r] = await this.#select('t.id = ? AND t.deleted = 0', [id], '', 1);
    return r;
  }

  async list(opts: ListOptions = {}): Promise<Entity[]> {
    const conds = ['t.deleted = 0'];
    const params: SqlValue[] = [];
    for (const [k, v] of Object.entries(opts.where ?? {})) {
      if (!this.spec.byName.has(k)) throw new Error(`unknown field ${k}`); // programmer error
      if (v === null) conds.push(`t.${k} IS NULL`);
      else {
        conds.push(`t.${k} = ?`);
        params.push(toSql(v));
      }
    }
    if (opts.condition) {
      conds.push(`(${opts.condition.sql})`);
      params.push(...opts.condition.params);
    }
    return this.#select(conds.join(' AND '), params, opts.orderBy ?? ORDER[this.entity], opts.limit);
  }

  /** The full id of the live row whose id starts with `prefix` (at least 4 characters, unique). */
  async resolveId(prefix: string): Promise<string> {
    const p = prefix.trim().toLowerCase();
    if (!/^[0-9a-f-]{4,36}$/.test(p)) {
      throw new ClientError('invalid_input', `"${prefix}" is not an id (give at least 4 characters of it)`);
    }
    const rows = await this.ctx.driver.query<{ id: string }>(
      `SELECT id FROM ${this.entity} WHERE deleted = 0 AND id >= ? AND id < ? LIMIT 2`,
      [p, `${p}\uffff`],
    );
    if (rows.length === 0)
      throw new ClientError('not_found', `no ${this.entity.slice(0, -1)} with id ${prefix}`);
    if (rows.length > 1)
      throw new ClientError('ambiguous_id', `id ${prefix} matches several ${this.entity}: give more of it`);
    return rows[0]!.id;
  }

  async #select(where: string, params: SqlValue[], orderBy: string, limit?: number): Promise<Entity[]> {
    const rows = await this.ctx.driver.query<Record<string, unknown>>(
      `SELECT t.*, NOT EXISTS (SELECT 1 FROM sync_queue q WHERE q.entity = '${this.entity}' AND q.entity_id = t.id) AS synced ` +
        `FROM ${this.entity} t WHERE ${where}${orderBy ? ` ORDER BY ${orderBy}` : ''}` +
        `${limit ? ` LIMIT ${Math.floor(limit)}` : ''}`,
      params,
    );
    return rows.map((r) => this.#toEntity(decodeRow(this.spec, r), Boolean(r.synced)));
  }
}
