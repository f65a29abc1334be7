import { ENTITIES, ENTITY_NAMES, type EntityName, type EntitySpec, type FieldKind } from '@selftracker/core';

/**
 * SQL for the entity tables, generated once from the entity registry: table and column names never come
 * from a request. Statements use unnest() over array parameters so a batch of rows is one statement.
 */
export interface EntitySql {
  readonly spec: EntitySpec;
  /** The quoted table name. */
  readonly table: string;
  /** Quoted columns for COPY of rows known to be new: user_id, id, version, deleted, deleted_at, hlc, max_hlc, fields… */
  readonly copyColumns: readonly string[];
  /** $1 user_id, $2 uuid[] ids → id, version, deleted, deleted_at, hlc, max_hlc, fields… */
  readonly selectByIds: string;
  /**
   * $1 user_id, $2 a JSON array of row objects keyed by column name (id, version, deleted, deleted_at, hlc,
   * max_hlc, fields…). One JSON text parameter is much cheaper to send than one array literal per column.
   */
  readonly upsert: string;
  /** The same rows as `upsert` takes, inserted: fails on a row that exists. */
  readonly insert: string;
  /**
   * Subquery of one row: `entity`, `n` (rows, tombstones included) and `s` (the sum of the rows' hashes modulo
   * 2^32) of user $1 — PROTOCOL.md "Checksums" computed by the database: it builds each row's canonical JSON
   * (`canonicalRow` in core, byte for byte) and hashes it with sha256(), so no row leaves the database.
   */
  readonly checksum: string;
  /**
   * Subquery of pull rows: `v` (version) and `j`, the change as compact JSON text built by the database
   * (`{entity, entity_id, version, deleted, hlc, data}`), so the server never parses and re-serializes rows.
   */
  readonly changeJson: (where: string, tail: string) => string;
}

const PG_TYPE: Record<FieldKind, string> = {
  text: 'text',
  boolean: 'boolean',
  integer: 'bigint',
  uuid: 'uuid',
};
const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * SQL text of a row's canonical JSON, `{"data":{…sorted fields…},"deleted":…,"entity_id":"…"}`, equal to core's
 * `canonicalRow` byte for byte: keys in JavaScript's sort order, values through to_json (same escapes as
 * JSON.stringify: \" \\ \b \f \n \r \t and \u00xx in lower case for other control characters; stored text
 * never holds NUL or lone surrogates), SQL NULL as null, a tombstone's data as null.
 */
function canonicalRowSql(spec: EntitySpec): string {
  const fields = [...spec.fieldNames]
    .sort()
    .map((n, i) => `'${i ? ',' : ''}${JSON.stringify(n)}:' || coalesce(to_json(${q(n)})::text, 'null')`);
  return (
    `'{"data":' || CASE WHEN deleted THEN 'null' ELSE '{' || ${fields.join(' || ')} || '}' END || ` +
    `',"deleted":' || CASE WHEN deleted THEN 'true' ELSE 'false' END || ',"entity_id":"' || id::text || '"}'`
  );
}

function build(name: EntityName): EntitySql {
  const spec = ENTITIES[name];
  const cols = spec.fieldNames.map(q);
  const table = q(name);
  const meta = [
    ['id', 'uuid'],
    ['version', 'bigint'],
    ['deleted', 'boolean'],
    ['deleted_at', 'bigint'],
    ['hlc', 'text'],
    ['max_hlc', 'text'],
  ] as const;
  const all = [
    ...meta.map(([c, t]) => [q(c), t] as const),
    ...spec.fields.map((f) => [q(f.name), PG_TYPE[f.kind]] as const),
  ];
  // hlc arrives as a JSON object (no string-in-string escaping) and is kept verbatim: json::text is the input text.
  const recordType = all.map(([c, t]) => `${c} ${c === '"hlc"' ? 'json' : t}`).join(', ');
  const recordCols = all.map(([c]) => (c === '"hlc"' ? 'x."hlc"::text' : `x.${c}`)).join(', ');
  const insert =
    `INSERT INTO ${table} (user_id, ${all.map(([c]) => c).join(', ')}) ` +
    `SELECT $1::uuid, ${recordCols} FROM json_to_recordset($2::json) AS x(${recordType})`;
  const setList = all
    .filter(([c]) => c !== '"id"')
    .map(([c]) => `${c} = excluded.${c}`)
    .join(', ');
  return {
    spec,
    table,
    copyColumns: ['user_id', ...all.map(([c]) => c)],
    // LATERAL … LIMIT 1 keeps the plan a primary-key lookup per id even when the table's statistics are
    // stale (a bulk upload of a new user otherwise gets a scan of all that user's rows).
    selectByIds:
      `SELECT r.* FROM unnest($2::uuid[]) AS k(id) CROSS JOIN LATERAL (SELECT id, version, deleted, deleted_at, hlc, max_hlc, ` +
      `${cols.join(', ')} FROM ${table} WHERE user_id = $1 AND id = k.id LIMIT 1) r`,
    upsert: `${insert} ON CONFLICT (user_id, id) DO UPDATE SET ${setList}`,
    insert,
    checksum:
      `(SELECT '${name}'::text AS entity, count(*) AS n, coalesce(sum(('x' || encode(substr(sha256(convert_to(` +
      `${canonicalRowSql(spec)}, 'UTF8')), 1, 4), 'hex'))::bit(32)::bigint), 0) % 4294967296 AS s ` +
      `FROM ${table} WHERE user_id = $1)`,
    changeJson: (where, tail) =>
      `(SELECT t.version AS v, row_to_json(c)::text AS j FROM ${table} t, LATERAL (SELECT '${name}'::text AS entity, ` +
      `t.id AS entity_id, t.version::text AS version, t.deleted AS deleted, t.max_hlc AS hlc, CASE WHEN t.deleted THEN NULL ELSE ` +
      `(SELECT row_to_json(d) FROM (SELECT ${cols.map((c) => `t.${c}`).join(', ')}) d) END AS data) c ` +
      `WHERE ${where} ${tail})`,
  };
}

export const ENTITY_SQL: Readonly<Record<EntityName, EntitySql>> = Object.fromEntries(
  ENTITY_NAMES.map((n) => [n, build(n)]),
) as Record<EntityName, EntitySql>;

/** A row of the `checksum` subquery. */
export interface ChecksumRow {
  entity: EntityName;
  n: number;
  s: number | string;
}
