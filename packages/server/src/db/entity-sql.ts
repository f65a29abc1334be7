import { ENTITIES, ENTITY_NAMES, type EntityName, type EntitySpec, type FieldKind } from '@selftracker/core';

/**
 * SQL for the entity tables, generated once from the entity registry: table and column names never come
 * from a request. Statements use unnest() over array parameters so a batch of rows is one statement.
 */
export interface EntitySql {
  readonly spec: EntitySpec;
  /** $1 user_id, $2 uuid[] ids → id, version, deleted, deleted_at, hlc, fields… */
  readonly selectByIds: string;
  /** $1 user_id, then one array per column: id, version, deleted, deleted_at, hlc, fields… */
  readonly upsert: string;
  /** Subquery of pull/checksum rows: entity, id, version, deleted, data (json array of the fields, or null). */
  readonly changes: (where: string, tail: string) => string;
}

const PG_TYPE: Record<FieldKind, string> = { text: 'text', boolean: 'boolean', integer: 'bigint', uuid: 'uuid' };
const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

function build(name: EntityName): EntitySql {
  const spec = ENTITIES[name];
  const cols = spec.fieldNames.map(q);
  const table = q(name);
  const meta = [
    ['id', 'uuid'],
    ['version', 'bigint'],
    ['deleted', 'boolean'],
    ['deleted_at', 'bigint'],
    ['hlc', 'jsonb'],
  ] as const;
  const all = [...meta.map(([c, t]) => [q(c), t] as const), ...spec.fields.map((f) => [q(f.name), PG_TYPE[f.kind]] as const)];
  const arrays = all.map(([, t], i) => `$${i + 2}::${t}[]`).join(', ');
  const setList = all
    .filter(([c]) => c !== '"id"')
    .map(([c]) => `${c} = excluded.${c}`)
    .join(', ');
  return {
    spec,
    selectByIds: `SELECT id, version, deleted, deleted_at, hlc, ${cols.join(', ')} FROM ${table} WHERE user_id = $1 AND id = ANY($2::uuid[])`,
    upsert:
      `INSERT INTO ${table} (user_id, ${all.map(([c]) => c).join(', ')}) ` +
      `SELECT $1::uuid, * FROM unnest(${arrays}) ` +
      `ON CONFLICT (user_id, id) DO UPDATE SET ${setList}`,
    changes: (where, tail) =>
      `(SELECT '${name}'::text AS entity, id, version, deleted, ` +
      `CASE WHEN deleted THEN NULL ELSE json_build_array(${cols.join(', ')}) END AS data ` +
      `FROM ${table} WHERE ${where} ${tail})`,
  };
}

export const ENTITY_SQL: Readonly<Record<EntityName, EntitySql>> = Object.fromEntries(
  ENTITY_NAMES.map((n) => [n, build(n)]),
) as Record<EntityName, EntitySql>;

/** A row of the `changes` subquery. */
export interface ChangeRow {
  entity: EntityName;
  id: string;
  version: number;
  deleted: boolean;
  data: unknown[] | null;
}
