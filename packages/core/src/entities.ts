import { z } from 'zod';

/**
 * The entity registry: the one place that knows SelfTracker's tables, their fields, types,
 * limits and defaults (PROTOCOL.md "Entities"). Servers, clients and storage layers derive their
 * schemas, SQL column lists and validation from it; table and column names never come from a request.
 */

export type FieldKind = 'text' | 'boolean' | 'integer' | 'uuid';
export type FieldValue = string | number | boolean | null;
export type EntityData = Record<string, FieldValue>;

export interface FieldSpec {
  readonly name: string;
  /** Storage kind: decides the SQL column type and how values are read back. */
  readonly kind: FieldKind;
  readonly nullable: boolean;
  /** Must be present in a CREATE. */
  readonly required: boolean;
  /** Value a CREATE gets when it leaves the field out (only for fields that are not required). */
  readonly default: FieldValue;
  /** Validates one value of this field (and words what is wrong). */
  readonly schema: z.ZodType<FieldValue>;
  /** Exactly `schema.safeParse(v).success`, without Zod: the hot path of every pushed or written operation. */
  readonly accepts: (v: unknown) => boolean;
}

export interface EntitySpec {
  readonly name: EntityName;
  readonly fields: readonly FieldSpec[];
  readonly fieldNames: readonly string[];
  readonly byName: ReadonlyMap<string, FieldSpec>;
  /** Cross-field rule checked against the row as it would be after an operation; returns a message or null. */
  readonly check: (row: Readonly<Record<string, FieldValue>>) => string | null;
}

export const ENTITY_NAMES = ['projects', 'tasks', 'timers'] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];
export const TASK_STATUSES = ['todo', 'in-progress', 'done'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Counts Unicode code points (PROTOCOL.md: string lengths count code points). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `UUID_RE` as a JSON Schema pattern (no flags there): any version, either case. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && s.length === 36 && UUID_RE.test(s);
}

/**
 * A name taken from a request, made safe to quote in an error message that is stored (the server's ledger keeps
 * rejections as jsonb, which refuses NUL and lone surrogates) and shown: cut after 100 UTF-16 units (never
 * inside a surrogate pair) and marked with "…".
 */
export function quotable(name: string): string {
  let short = name;
  if (name.length > 100) {
    const c = name.charCodeAt(99);
    short = `${name.slice(0, c >= 0xd800 && c <= 0xdbff ? 99 : 100)}…`;
  }
  return short.toWellFormed().replaceAll('\u0000', '\ufffd');
}

/** Text that PostgreSQL and SQLite store unchanged: no NUL, no lone surrogate. */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && s.isWellFormed();
}

/** A field type: the Zod schema that words problems, and the same rule as a plain predicate. */
interface FieldType<T extends string | number | boolean = string | number | boolean> {
  schema: z.ZodType<T>;
  accepts: (v: unknown) => boolean;
}

function text(min: number, max: number): FieldType<string> {
  const lengthOk = (s: string) => {
    const n = s.length < min || s.length > max * 2 ? -1 : codePointLength(s);
    return n >= min && n <= max;
  };
  return {
    schema: z
      .string({ error: 'must be a string' })
      .refine((s) => isStorableText(s), 'must not contain NUL or unpaired surrogates')
      .refine(lengthOk, `must be ${min}..${max} characters`)
      // JSON Schema's lengths count code points too (the OpenAPI document is generated from these schemas).
      .meta({ minLength: min, maxLength: max }),
    accepts: (v) => typeof v === 'string' && isStorableText(v) && lengthOk(v),
  };
}
const integer: FieldType<number> = {
  schema: z
    .number({ error: 'must be an integer' })
    .refine((n) => Number.isSafeInteger(n), 'must be an integer')
    .meta({ type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
  accepts: (v) => Number.isSafeInteger(v),
};
const epoch: FieldType<number> = {
  schema: integer.schema
    .refine((n) => n >= 0, 'must be a non-negative ms epoch')
    .meta({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  accepts: (v) => Number.isSafeInteger(v) && (v as number) >= 0,
};
const uuid: FieldType<string> = {
  schema: z
    .string({ error: 'must be a UUID' })
    .refine((s) => isUuid(s), 'must be a UUID')
    .meta({ pattern: UUID_PATTERN }),
  accepts: isUuid,
};
const COLOR_RE = /^#[0-9a-fA-F]{6}$/;
const color: FieldType<string> = {
  schema: z
    .string({ error: 'must be a #rrggbb colour' })
    .refine((s) => COLOR_RE.test(s), 'must be a #rrggbb colour')
    .meta({ pattern: COLOR_RE.source }),
  accepts: (v) => typeof v === 'string' && COLOR_RE.test(v),
};
const boolean: FieldType<boolean> = {
  schema: z.boolean({ error: 'must be a boolean' }),
  accepts: (v) => typeof v === 'boolean',
};
function oneOf<const V extends readonly [string, ...string[]]>(values: V): FieldType<V[number]> {
  return {
    schema: z.enum(values, { error: `must be one of ${values.join(', ')}` }) as z.ZodType<V[number]>,
    accepts: (v) => typeof v === 'string' && values.includes(v),
  };
}

/** How the registry declares one field; `as const` keeps its flags literal so the row types can be inferred. */
interface FieldDef {
  readonly kind: FieldKind;
  readonly type: FieldType;
  readonly nullable?: boolean;
  readonly required?: boolean;
  readonly default?: FieldValue;
}

/** The fields every entity has after its own. */
const TIMESTAMPS = {
  created_at: { kind: 'integer', type: epoch, required: true },
  updated_at: { kind: 'integer', type: epoch, required: true },
} as const satisfies Record<string, FieldDef>;

/**
 * The declarations of every entity's own fields. The runtime registry (`ENTITIES`) and the static row types
 * (`Row`, `CreateInput`, `Patch`) are both derived from this one object.
 */
const ENTITY_DEFS = {
  projects: {
    name: { kind: 'text', type: text(1, 200), required: true },
    color: { kind: 'text', type: color, nullable: true },
    archived: { kind: 'boolean', type: boolean, default: false },
  },
  tasks: {
    title: { kind: 'text', type: text(1, 500), required: true },
    description: { kind: 'text', type: text(0, 10_000), nullable: true },
    status: { kind: 'text', type: oneOf(TASK_STATUSES), default: 'todo' },
    project_id: { kind: 'uuid', type: uuid, nullable: true },
    due_at: { kind: 'integer', type: integer, nullable: true },
  },
  timers: {
    task_id: { kind: 'uuid', type: uuid, nullable: true },
    project_id: { kind: 'uuid', type: uuid, nullable: true },
    note: { kind: 'text', type: text(0, 1_000), nullable: true },
    started_at: { kind: 'integer', type: epoch, required: true },
    stopped_at: { kind: 'integer', type: epoch, nullable: true },
  },
} as const satisfies Record<EntityName, Record<string, FieldDef>>;

type Defs<E extends EntityName> = (typeof ENTITY_DEFS)[E] & typeof TIMESTAMPS;
type ValueOf<D> = D extends { type: FieldType<infer T> }
  ? D extends { nullable: true }
    ? T | null
    : T
  : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The names of an entity's fields (its columns besides `id`). */
export type FieldName<E extends EntityName> = keyof Defs<E> & string;

/** An entity's fields as stored: every field present, typed by the registry (nullable fields may be null). */
export type Fields<E extends EntityName> = Simplify<{ -readonly [K in FieldName<E>]: ValueOf<Defs<E>[K]> }>;

/** A live row as it is read (like Drizzle's `$inferSelect`): its `id` and every field. */
export type Row<E extends EntityName> = Simplify<{ id: string } & Fields<E>>;

type RequiredKeys<E extends EntityName> = {
  [K in FieldName<E>]: Defs<E>[K] extends { required: true } ? K : never;
}[FieldName<E>];

/**
 * What a CREATE takes (like Drizzle's `$inferInsert`): required fields must be there, the others fall back to
 * their defaults. `created_at`/`updated_at` are required on the wire; repositories fill them in.
 */
export type CreateInput<E extends EntityName> = Simplify<
  { [K in Exclude<RequiredKeys<E>, keyof typeof TIMESTAMPS>]: Fields<E>[K] } & {
    [K in Exclude<FieldName<E>, Exclude<RequiredKeys<E>, keyof typeof TIMESTAMPS>>]?: Fields<E>[K];
  }
>;

/** What an UPDATE takes: any fields but `created_at` (`null` clears a nullable one). */
export type Patch<E extends EntityName> = Simplify<{
  [K in Exclude<FieldName<E>, 'created_at'>]?: Fields<E>[K];
}>;

function defineEntity(
  name: EntityName,
  defs: Readonly<Record<string, FieldDef>>,
  check: EntitySpec['check'] = () => null,
): EntitySpec {
  const all: Record<string, FieldDef> = { ...defs, ...TIMESTAMPS };
  const fields = Object.entries(all).map(([fname, d]): FieldSpec => {
    const nullable = d.nullable ?? false;
    return {
      name: fname,
      kind: d.kind,
      nullable,
      required: d.required ?? false,
      default: d.default ?? null,
      schema: (nullable ? d.type.schema.nullable() : d.type.schema) as z.ZodType<FieldValue>,
      accepts: nullable ? (v) => v === null || d.type.accepts(v) : d.type.accepts,
    };
  });
  return {
    name,
    fields,
    fieldNames: fields.map((f) => f.name),
    byName: new Map(fields.map((f) => [f.name, f])),
    check,
  };
}

export const ENTITIES: Readonly<Record<EntityName, EntitySpec>> = {
  projects: defineEntity('projects', ENTITY_DEFS.projects),
  tasks: defineEntity('tasks', ENTITY_DEFS.tasks),
  timers: defineEntity('timers', ENTITY_DEFS.timers, (row) => {
    const { started_at: s, stopped_at: e } = row;
    return typeof s === 'number' && typeof e === 'number' && e < s
      ? 'stopped_at: must be >= started_at'
      : null;
  }),
};

/** The registry entry for `name`, or undefined for anything that is not an entity (safe against `__proto__`). */
export function getEntity(name: unknown): EntitySpec | undefined {
  return typeof name === 'string' && Object.hasOwn(ENTITIES, name) ? ENTITIES[name as EntityName] : undefined;
}

/**
 * Validates the `data` of an operation: a CREATE must carry every required field, an UPDATE is a patch.
 * Returns the first problem as `field: message`, or null.
 */
export function validateData(spec: EntitySpec, data: unknown, mode: 'create' | 'update'): string | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'data: must be an object';
  const obj = data as Record<string, unknown>;
  const keys = Object.keys(obj);
  // Fast path: plain predicates. Zod below only runs to word the first problem.
  // An undefined value (never in JSON) counts as left out, as Zod's optional fields have it.
  let ok = true;
  for (const key of keys) {
    const f = spec.byName.get(key);
    const v = obj[key];
    if (!f || (v !== undefined && !f.accepts(v))) {
      ok = false;
      break;
    }
  }
  if (ok && mode === 'create') {
    for (const f of spec.fields) if (f.required && obj[f.name] === undefined) ok = false;
  }
  if (ok) return null;
  for (const key of keys) {
    const f = spec.byName.get(key);
    if (!f) return `${quotable(key)}: unknown field`;
    const r = f.schema.safeParse(obj[key]);
    if (!r.success) return `${key}: ${r.error.issues[0]?.message ?? 'invalid value'}`;
  }
  if (mode === 'create') {
    for (const f of spec.fields) if (f.required && !(f.name in obj)) return `${f.name}: required`;
  }
  return null;
}

/** A complete row's data (every field, nulls included) from a CREATE's data and the defaults. */
export function withDefaults(spec: EntitySpec, data: EntityData): EntityData {
  const out: EntityData = {};
  for (const f of spec.fields) out[f.name] = Object.hasOwn(data, f.name) ? data[f.name]! : f.default;
  return out;
}
