import {
  ENTITIES,
  type EntityName,
  type FieldKind,
  type FieldName,
  type Fields,
  type OperationKind,
} from '@selftracker/core';
import { type $Type, sql } from 'drizzle-orm';
import {
  type IndexBuilder,
  index,
  integer,
  type SQLiteBooleanBuilderInitial,
  type SQLiteColumn,
  type SQLiteColumnBuilderBase,
  type SQLiteIntegerBuilderInitial,
  type SQLiteTextBuilderInitial,
  sqliteTable,
  text,
} from 'drizzle-orm/sqlite-core';

/**
 * The local entity tables as Drizzle `sqlite-core` tables, derived from the entity registry: `id`, the
 * tombstone flag `deleted`, then one column per field. Every field column is nullable in SQLite (a tombstone
 * keeps no data); the TypeScript type of a column is the registry's. The SQL that creates them is the
 * versioned migrations in local-schema.ts; local-schema.test.ts checks that both agree.
 */

type TextColumn = SQLiteTextBuilderInitial<'', [string, ...string[]], undefined>;
type ColumnFor<V> = [NonNullable<V>] extends [boolean]
  ? $Type<SQLiteBooleanBuilderInitial<''>, V>
  : [NonNullable<V>] extends [number]
    ? $Type<SQLiteIntegerBuilderInitial<''>, V>
    : $Type<TextColumn, V>;

/** The Drizzle columns of one entity table. */
export type LocalColumns<E extends EntityName> = {
  id: ReturnType<typeof idColumn>;
  deleted: ReturnType<typeof deletedColumn>;
} & { [K in FieldName<E>]: ColumnFor<Fields<E>[K]> };

const idColumn = () => text('id').primaryKey();
const deletedColumn = () => integer('deleted', { mode: 'boolean' }).notNull().default(false);

function fieldColumn(name: string, kind: FieldKind): SQLiteColumnBuilderBase {
  if (kind === 'boolean') return integer(name, { mode: 'boolean' });
  return kind === 'integer' ? integer(name) : text(name);
}

/** Indexes of the local tables (migration 2), only over live rows. */
const INDEXES: { [E in EntityName]: (t: { [K in FieldName<E>]: SQLiteColumn }) => IndexBuilder[] } = {
  projects: () => [],
  tasks: (t) => [
    index('tasks_status_idx').on(t.status, t.created_at).where(sql`deleted = 0`),
    index('tasks_project_idx').on(t.project_id).where(sql`deleted = 0`),
  ],
  timers: (t) => [
    index('timers_started_idx').on(t.started_at).where(sql`deleted = 0`),
    index('timers_running_idx').on(t.stopped_at).where(sql`deleted = 0 AND stopped_at IS NULL`),
  ],
};

function localTable<E extends EntityName>(entity: E) {
  const fields = Object.fromEntries(
    ENTITIES[entity].fields.map((f) => [f.name, fieldColumn(f.name, f.kind)]),
  );
  const columns = { id: idColumn(), deleted: deletedColumn(), ...fields } as unknown as LocalColumns<E>;
  return sqliteTable(entity, columns, (t) => INDEXES[entity](t as never));
}

/** The local `projects` table. */
export const projectsTable = localTable('projects');
/** The local `tasks` table. */
export const tasksTable = localTable('tasks');
/** The local `timers` table. */
export const timersTable = localTable('timers');

/** The local tables by entity name. */
export const LOCAL_TABLES = { projects: projectsTable, tasks: tasksTable, timers: timersTable } as const;
/** The Drizzle table of one entity. */
export type LocalTable<E extends EntityName> = (typeof LOCAL_TABLES)[E];

/**
 * The full-text index of tasks (migration 4, only where SQLite has FTS5): an FTS5 table over `tasks`' title and
 * description, keyed by the tasks' rowid. Only named in search queries (`MATCH`, `bm25`); see search.ts.
 */
export const tasksFtsTable = sqliteTable('tasks_fts', {
  title: text('title'),
  description: text('description'),
});

/** The outbox: operations waiting to be pushed, in `seq` order (`data` is the operation's JSON). */
export const syncQueueTable = sqliteTable('sync_queue', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  op_id: text('op_id').notNull(),
  entity: text('entity').$type<EntityName>().notNull(),
  entity_id: text('entity_id').notNull(),
  operation: text('operation').$type<OperationKind>().notNull(),
  data: text('data'),
  hlc: text('hlc').notNull(),
  created_at: integer('created_at').notNull(),
  attempts: integer('attempts').notNull().default(0),
  last_error: text('last_error'),
});
