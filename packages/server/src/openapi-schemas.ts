import {
  ENTITIES,
  ENTITY_NAMES,
  type EntityName,
  ERROR_CODES,
  type ErrorCode,
  MAX_PULL_LIMIT,
  UUID_PATTERN,
} from '@selftracker/core';
import { z } from 'zod';
import {
  EMAIL_MAX_LENGTH,
  EMAIL_PATTERN,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from './services/auth.ts';

/**
 * The Zod schemas of everything the server answers (and of the operations a push carries), for the OpenAPI
 * document (`openapi.ts`). The request schemas the server validates with live in `@selftracker/core`; these
 * describe the responses, and the conformance test holds every real response to them.
 *
 * Patterns are written for every JSON Schema engine (ECMA-262 and Python alike: `[0-9]`, never `\d`).
 */

/** PROTOCOL.md "Hybrid logical clock": `<wall:15>-<counter:5>-<node>`, node 1..256 code points, no control characters. */
export const HLC_PATTERN = '^[0-9]{15}-[0-9]{5}-[^\\u0000-\\u001f\\u007f-\\u009f]{1,256}$';
/** Versions are decimal strings. */
const VERSION_PATTERN = '^(0|[1-9][0-9]*)$';
/** Pull cursors are opaque, issued as base64url. */
const CURSOR_PATTERN = '^[A-Za-z0-9_-]{1,40}$';

const uuid = z.string().meta({ pattern: UUID_PATTERN });
const version = z.string().meta({ pattern: VERSION_PATTERN, description: 'A decimal string.' });
const hlc = z.string().meta({ pattern: HLC_PATTERN, description: 'An HLC, `<wall:15>-<counter:5>-<node>`.' });

/** The members of a union built from a list (Zod wants at least two, statically). */
function atLeastTwo(members: z.ZodType[]): [z.ZodType, z.ZodType, ...z.ZodType[]] {
  const [a, b, ...rest] = members;
  if (!a || !b) throw new Error('a union needs at least two members');
  return [a, b, ...rest];
}

/** Every field of an entity as stored (nulls included): a live row's `data` in a pull change. */
const rowSchemas = Object.fromEntries(
  ENTITY_NAMES.map((name) => [
    name,
    z.strictObject(Object.fromEntries(ENTITIES[name].fields.map((f) => [f.name, f.schema]))),
  ]),
) as unknown as Record<EntityName, z.ZodType>;

/** A change of one entity: a live row, or its tombstone (`data: null`). */
function changeSchemas(name: EntityName) {
  const common = { entity: z.literal(name), entity_id: uuid, version, hlc };
  return [
    z.strictObject({ ...common, deleted: z.literal(false), data: rowSchemas[name] }),
    z.strictObject({ ...common, deleted: z.literal(true), data: z.null() }),
  ];
}

/** A row state as pulls (and a rejected push result's `row`) serve it. */
export const changeSchema = z.union(atLeastTwo(ENTITY_NAMES.flatMap(changeSchemas))).meta({
  description:
    'The current state of one row: every field in `data` (null for a tombstone); `hlc` is the highest HLC ' +
    'among its stored fields and its delete (a client moves its clock past it). Servers before `hlc` ' +
    'existed leave it out.',
});

const opResultSchema = z.union([
  z.strictObject({ op_id: z.string(), status: z.enum(['applied', 'duplicate']) }),
  z.strictObject({
    op_id: z.string(),
    status: z.literal('rejected'),
    error: z.strictObject({ code: z.enum(['invalid_op', 'not_found', 'op_id_reused']), message: z.string() }),
    row: changeSchema.nullable(),
  }),
]);

export const pushResponseSchema = z
  .strictObject({ results: z.array(opResultSchema), version })
  .meta({ description: 'One result per operation, in the order of `ops`.' });

export const pullResponseSchema = z.strictObject({
  changes: z.array(changeSchema),
  cursor: z.string().meta({ pattern: CURSOR_PATTERN }),
  has_more: z.boolean(),
});

const entitySum = z.strictObject({
  count: z.int().min(0),
  checksum: z.string().meta({ pattern: '^[0-9a-f]{8}$' }),
});
export const checksumResponseSchema = z.strictObject({
  version,
  entities: z.strictObject(Object.fromEntries(ENTITY_NAMES.map((n) => [n, entitySum]))),
});

export const tokenPairSchema = z.strictObject({
  user_id: uuid,
  access_token: z.string().meta({ pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' }),
  refresh_token: z.string().min(1),
  expires_in: z.int().min(1).max(3600).meta({ description: 'Seconds the access token lives.' }),
});

export const healthSchema = z.strictObject({ status: z.literal('ok') });
export const readySchema = z.strictObject({ status: z.literal('ready') });
export const notReadySchema = z.strictObject({
  status: z.literal('unavailable'),
  reason: z.string().meta({ description: '"shutting down" or "database unavailable".' }),
});

/** The error envelope with the codes one status can carry (PROTOCOL.md "Conventions"). */
export function errorSchema(codes: readonly [ErrorCode, ...ErrorCode[]]) {
  return z.strictObject({
    error: z.strictObject({
      code: z.enum(codes),
      message: z
        .string()
        .meta({ description: 'Human text: never a stack trace, SQL or another user’s data.' }),
    }),
  });
}
/** Every code a SelfTracker server sends. */
export const anyErrorSchema = errorSchema(ERROR_CODES);

/** One entity's operations as a push item should carry them: what a valid operation looks like. */
function operationSchemas(name: EntityName) {
  const fields = ENTITIES[name].fields;
  const all = Object.fromEntries(fields.map((f) => [f.name, f.schema]));
  const create = Object.fromEntries(fields.map((f) => [f.name, f.required ? f.schema : f.schema.optional()]));
  const update = Object.fromEntries(fields.map((f) => [f.name, all[f.name]!.optional()]));
  const common = { op_id: uuid, entity: z.literal(name), entity_id: uuid, hlc };
  return [
    z.strictObject({ ...common, operation: z.literal('CREATE'), data: z.strictObject(create) }),
    z.strictObject({ ...common, operation: z.literal('UPDATE'), data: z.strictObject(update) }),
    z.strictObject({ ...common, operation: z.literal('DELETE'), data: z.null().optional() }),
  ];
}

/**
 * A valid operation (PROTOCOL.md "Push"). The push envelope only needs an object with a string `op_id` per item
 * (otherwise `400`); an item that breaks these rules is not a `400` but comes back `rejected` with `invalid_op`.
 */
export const operationSchema = z.union(atLeastTwo(ENTITY_NAMES.flatMap(operationSchemas)));

/** The rules the auth service checks beyond the body's shape (each breach is `400 invalid_request`). */
export const signupRules = {
  email: { maxLength: EMAIL_MAX_LENGTH, pattern: EMAIL_PATTERN },
  password: { minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH },
};
export const newPasswordRules = { minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH };

export const pullLimitSchema = z.int().min(1).max(MAX_PULL_LIMIT);

/**
 * The schemas the document names (`#/components/schemas/<name>`), so `$ref`s stay short and shared. Ids live
 * here, not in Zod's global registry: the document registers exactly these.
 */
export const NAMED_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  Operation: operationSchema,
  PushResponse: pushResponseSchema,
  OpResult: opResultSchema,
  Change: changeSchema,
  ProjectsRow: rowSchemas.projects,
  TasksRow: rowSchemas.tasks,
  TimersRow: rowSchemas.timers,
  PullPage: pullResponseSchema,
  Checksum: checksumResponseSchema,
  TokenPair: tokenPairSchema,
  Health: healthSchema,
  Ready: readySchema,
  NotReady: notReadySchema,
  Error: anyErrorSchema,
};
