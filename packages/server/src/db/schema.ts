import { ENTITIES, ENTITY_NAMES, type EntityName, type FieldSpec } from '@selftracker/core';
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  type PgColumnBuilderBase,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The one Drizzle schema of the sync server. Entity tables are derived from the entity registry, so a
 * field added there becomes a column (after `npm run db:generate`). Migrations live in ../../drizzle.
 */

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    /** The user's version counter; its row lock serializes version assignment (no skipped changes). */
    version: bigint('version', { mode: 'number' }).notNull().default(0),
    /** Highest version of a tombstone pruned for this user: older cursors must reset. */
    prunedVersion: bigint('pruned_version', { mode: 'number' }).notNull().default(0),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('users_email_idx').on(t.email)],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    /** The sign-in this token descends from: every rotation issues the next token of the same family. */
    family: text('family').notNull(),
    /** When the token was exchanged for the next one; presenting it again revokes the whole family. */
    rotatedAt: bigint('rotated_at', { mode: 'number' }),
  },
  (t) => [
    index('refresh_tokens_user_idx').on(t.userId),
    index('refresh_tokens_expires_idx').on(t.expiresAt),
    index('refresh_tokens_family_idx').on(t.family),
  ],
);

/** Every processed op_id per user with a hash of its content and its result (exactly-once). */
export const opLedger = pgTable(
  'op_ledger',
  {
    userId: uuid('user_id').notNull(),
    opId: uuid('op_id').notNull(),
    contentHash: text('content_hash').notNull(),
    /** null when applied; `{code, message}` when rejected. */
    result: jsonb('result'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.opId] }),
    // BRIN: entries arrive in time order, so pruning finds old ones while inserts pay almost nothing.
    index('op_ledger_created_idx').using('brin', t.createdAt),
  ],
);

/**
 * Fixed-window request counters (auth per address, failed logins per email), in the database so that every
 * server instance on it shares one budget. `key` is `<scope>:<subject>` (long subjects hashed).
 */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text('key').primaryKey(),
    windowStart: bigint('window_start', { mode: 'number' }).notNull(),
    count: integer('count').notNull(),
  },
  (t) => [index('rate_limits_window_idx').on(t.windowStart)],
);

function column(f: FieldSpec): PgColumnBuilderBase {
  switch (f.kind) {
    case 'text':
      return text(f.name);
    case 'boolean':
      return boolean(f.name);
    case 'integer':
      return bigint(f.name, { mode: 'number' });
    case 'uuid':
      return uuid(f.name);
  }
}

function entityTable(name: EntityName) {
  const fields = Object.fromEntries(ENTITIES[name].fields.map((f) => [f.name, column(f)]));
  return pgTable(
    name,
    {
      userId: uuid('user_id').notNull(),
      id: uuid('id').notNull(),
      version: bigint('version', { mode: 'number' }).notNull(),
      deleted: boolean('deleted').notNull().default(false),
      deletedAt: bigint('deleted_at', { mode: 'number' }),
      /**
       * Per-field HLCs as JSON text `{field: hlc}`; a field without one holds its default. Text, not jsonb:
       * only the server reads it, and text is ~40% cheaper to write in bulk.
       */
      hlc: text('hlc').notNull().default('{}'),
      /**
       * The highest HLC among the row's stored fields (and its delete, for a tombstone): a pull change's `hlc`.
       * Kept beside `hlc` so that a pull never parses it.
       */
      maxHlc: text('max_hlc').notNull(),
      ...fields,
    },
    (t) => [
      primaryKey({ columns: [t.userId, t.id] }),
      index(`${name}_user_version_idx`).on(t.userId, t.version),
      index(`${name}_tombstone_idx`).on(t.deletedAt).where(sql`deleted`),
    ],
  );
}

export const projects = entityTable('projects');
export const tasks = entityTable('tasks');
export const timers = entityTable('timers');

/** Entity tables by name, for code that must not take a table name from a request. */
export const entityTables = { projects, tasks, timers } as const;
export const ENTITY_TABLE_NAMES: readonly EntityName[] = ENTITY_NAMES;
