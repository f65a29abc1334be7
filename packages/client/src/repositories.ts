import {
  type CreateInput,
  ENTITIES,
  type EntityData,
  type EntityName,
  type EntitySpec,
  type Fields,
  hlcWall,
  isUuid,
  type OperationKind,
  type Patch,
  type Row,
  uuidv7,
  validateData,
  withDefaults,
} from '@selftracker/core';
import { and, eq, getTableColumns, gte, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { SqliteDriver, SqliteExecutor, SqlValue } from './driver.ts';
import { ClientError } from './errors.ts';
import { type Filter, filterSql, SORT_ORDERS } from './filters.ts';
import { localDb } from './local-db.ts';
import {
  decodeRow,
  enqueue,
  enqueueMany,
  type LocalRow,
  readRow,
  writeRow,
  writeRows,
} from './local-store.ts';
import { LOCAL_TABLES, type LocalTable } from './local-tables.ts';

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

/** A row as repositories return it: its `id`, the entity's fields, and whether it is synced. */
export type Entity<E extends EntityName = EntityName> = E extends EntityName
  ? Row<E> & { synced: boolean }
  : never;
/** Rows of the three entities, as the screens use them. */
export type Project = Entity<'projects'>;
export type Task = Entity<'tasks'>;
export type Timer = Entity<'timers'>;

/** What `list` selects: live rows, by equal fields and/or the entity's typed filter, in the entity's order. */
export interface ListOptions<E extends EntityName = EntityName> {
  /** Fields equal to these values (`null`: the field is null). */
  where?: Partial<Fields<E>>;
  filter?: Filter<E>;
  limit?: number;
}

/** A write's `updated_at`: its HLC's wall, or a later time the caller gave (an earlier one would order the write wrong). */
function stampedAt(given: EntityData[string] | undefined, hlc: string): EntityData[string] {
  const wall = hlcWall(hlc);
  return given === undefined ? wall : typeof given === 'number' ? Math.max(given, wall) : given;
}

/** The typed reads and writes of one entity: each write updates the row and queues its operation in one transaction. */
export class Repository<E extends EntityName = EntityName> {
  readonly spec: EntitySpec;
  readonly #table: LocalTable<EntityName>;
  constructor(
    private readonly ctx: WriteContext,
    readonly entity: E,
  ) {
    this.spec = ENTITIES[entity];
    this.#table = LOCAL_TABLES[entity];
  }

  #invalid(problem: string): never {
    throw new ClientError('invalid_input', `${this.entity}: ${problem}`);
  }

  #toEntity(row: LocalRow, synced: boolean): Entity<E> {
    return { id: row.id, ...row.data, synced } as Entity<E>;
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
      op_id: uuidv7(this.ctx.now()),
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
  async create(input: CreateInput<E>): Promise<Entity<E>> {
    const created = await this.ctx.driver.transaction((tx) => this.createIn(tx, input));
    this.ctx.committed([this.entity], 1);
    return created;
  }

  /** Creates a row inside a transaction the caller runs (for writes that span several rows). */
  async createIn(tx: SqliteExecutor, input: CreateInput<E>): Promise<Entity<E>> {
    const p = this.#prepareCreate(input as EntityData);
    await this.write(tx, p.id, 'CREATE', p.data, p.row, p.hlc);
    return this.#toEntity(p.row, false);
  }

  /** Creates many rows in one transaction: all or nothing, validated before anything is written. */
  async bulkCreate(inputs: readonly CreateInput<E>[]): Promise<Entity<E>[]> {
    const prepared = inputs.map((i) => this.#prepareCreate(i as EntityData));
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

  /**
   * Writes rows under their own ids in the caller's transaction (an import). A row this device lacks, or holds
   * with an older `updated_at`, is written whole and queued as a CREATE carrying every field (the server merges
   * a CREATE of a row it has like an update: PROTOCOL.md Push); a row held here as new or newer, or deleted, is
   * left alone. Every row is validated first: one invalid row throws `invalid_input`. Returns how many it wrote.
   */
  async putIn(tx: SqliteExecutor, rows: readonly Row<E>[]): Promise<number> {
    const checked = rows.map((r) => {
      const { id, ...input } = r as unknown as { id: unknown } & EntityData;
      if (!isUuid(id)) this.#invalid(`id: ${JSON.stringify(id)} is not a UUID`);
      const problem = validateData(this.spec, input, 'create');
      if (problem) this.#invalid(`${id}: ${problem}`);
      const cross = this.spec.check(withDefaults(this.spec, input));
      if (cross) this.#invalid(`${id}: ${cross}`);
      return { id: id.toLowerCase(), input };
    });
    let written = 0;
    for (const { id, input } of checked) {
      const cur = await readRow(tx, this.entity, id);
      if (cur && (cur.deleted || Number(cur.data.updated_at) >= Number(input.updated_at))) continue;
      const hlc = this.ctx.tick();
      const data = { ...withDefaults(this.spec, input), updated_at: stampedAt(input.updated_at, hlc) };
      await this.write(tx, id, 'CREATE', data, { id, deleted: false, data }, hlc);
      written++;
    }
    return written;
  }

  /** Patches a row (`null` clears a nullable field); `updated_at` is set to now (the write's HLC wall). */
  async update(id: string, changes: Patch<E>): Promise<Entity<E>> {
    const patch = changes as EntityData;
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

  /** The live row with this id, or undefined. */
  async get(id: string): Promise<Entity<E> | undefined> {
    const [r] = await this.#select(and(eq(this.#table.deleted, false), eq(this.#table.id, id)), 1);
    return r;
  }

  /** Live rows, filtered by `where` and/or `filter`, in the entity's order (see filters.ts). */
  async list(opts: ListOptions<E> = {}): Promise<Entity<E>[]> {
    return this.#select(this.listWhere(opts), opts.limit);
  }

  /** The condition of `list(opts)`: live rows, equal fields, the typed filter. */
  protected listWhere(opts: Omit<ListOptions<E>, 'limit'>): SQL | undefined {
    const columns: Record<string, SQLiteColumn | undefined> = getTableColumns(this.#table);
    const conds: (SQL | undefined)[] = [eq(this.#table.deleted, false)];
    for (const [k, v] of Object.entries(opts.where ?? {})) {
      const col = this.spec.byName.has(k) ? columns[k] : undefined;
      if (!col) throw new Error(`unknown field ${k}`); // programmer error
      conds.push(v === null ? isNull(col) : eq(col, v));
    }
    if (opts.filter) conds.push(filterSql(this.entity, opts.filter));
    return and(...conds);
  }

  /** Live rows of a query of a subclass (a search): its condition, order and an optional joined table. */
  protected selectRows(
    where: SQL | undefined,
    opts: { limit?: number | undefined; order: SQL[]; join?: { table: SQLiteTable; on: SQL } },
  ): Promise<Entity<E>[]> {
    return this.#select(where, opts.limit, opts.order, opts.join);
  }

  /** The full id of the live row whose id starts with `prefix` (at least 4 characters, unique). */
  async resolveId(prefix: string): Promise<string> {
    const p = prefix.trim().toLowerCase();
    if (!/^[0-9a-f-]{4,36}$/.test(p)) {
      throw new ClientError('invalid_input', `"${prefix}" is not an id (give at least 4 characters of it)`);
    }
    const t = this.#table;
    const rows = await localDb(this.ctx.driver)
      .select({ id: t.id })
      .from(t)
      .where(and(eq(t.deleted, false), gte(t.id, p), lt(t.id, `${p}\uffff`)))
      .limit(2);
    if (rows.length === 0)
      throw new ClientError('not_found', `no ${this.entity.slice(0, -1)} with id ${prefix}`);
    if (rows.length > 1)
      throw new ClientError('ambiguous_id', `id ${prefix} matches several ${this.entity}: give more of it`);
    return rows[0]!.id;
  }

  /**
   * Live rows with their `synced` flag. Drizzle builds the typed query; the rows are read as objects and
   * decoded by the registry (`decodeRow`): a 10,000-row list read this way measured 20–35% faster than
   * through sqlite-proxy's array rows and Drizzle's result mapping.
   */
  async #select(
    where: SQL | undefined,
    limit?: number,
    orderBy?: SQL[],
    join?: { table: SQLiteTable; on: SQL },
  ): Promise<Entity<E>[]> {
    const { deleted: _, ...columns } = getTableColumns(this.#table);
    const t = this.#table;
    const synced = sql<boolean>`NOT EXISTS (SELECT 1 FROM sync_queue q WHERE q.entity = ${this.entity} AND q.entity_id = ${t.id})`;
    const order = orderBy ?? (SORT_ORDERS[this.entity] as (typeof SORT_ORDERS)[EntityName]).sql(t as never);
    let query = localDb(this.ctx.driver)
      .select({ ...columns, synced: synced.as('synced') })
      .from(t)
      .$dynamic();
    if (join) query = query.innerJoin(join.table, join.on);
    query = query.where(where).orderBy(...order);
    const built = (limit ? query.limit(Math.floor(limit)) : query).toSQL();
    const rows = await this.ctx.driver.query<Record<string, unknown>>(built.sql, built.params as SqlValue[]);
    return rows.map((r) => this.#toEntity(decodeRow(this.spec, r), Boolean(r.synced)));
  }
}
