import {
  accountDeleteSchema,
  credentialsSchema,
  DEFAULT_PULL_LIMIT,
  MAX_BODY_BYTES,
  MAX_OPS_PER_PUSH,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  passwordChangeSchema,
  pushRequestSchema,
  refreshRequestSchema,
} from '@selftracker/core';
import { z } from 'zod';
import {
  errorSchema,
  NAMED_SCHEMAS,
  newPasswordRules,
  pullLimitSchema,
  signupRules,
} from './openapi-schemas.ts';

/**
 * The OpenAPI 3.1 document of the sync API (PROTOCOL.md), served at `GET /v1/openapi.json`. Its schemas are
 * generated with Zod's `z.toJSONSchema`: request bodies from the very schemas the server validates with
 * (`@selftracker/core`), narrowed where a service checks more (email, password lengths: a `400` either way);
 * responses from `openapi-schemas.ts`. `openapi.test.ts` checks every route of the app against it and every
 * response the tests provoke against its schema; `npm run fuzz:api` lets Schemathesis loose on it.
 */
export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, OperationObject>>;
  components: {
    schemas: Record<string, unknown>;
    responses: Record<string, unknown>;
    parameters: Record<string, unknown>;
    securitySchemes: Record<string, unknown>;
  };
};

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

type Ref = { $ref: string };
const schemaRef = (id: string): Ref => ({ $ref: `#/components/schemas/${id}` });
const responseRef = (id: string): Ref => ({ $ref: `#/components/responses/${id}` });

/** The error responses: status → [component id, codes, description, required header]. */
const ERRORS = {
  Error400: [400, ['invalid_request'], 'Malformed JSON, wrong shape, unknown field or bad query parameter.'],
  Unauthorized: [401, ['unauthorized'], 'Missing, malformed, expired or forged token.', 'WWW-Authenticate'],
  InvalidCredentials: [401, ['invalid_credentials'], 'Unknown email or wrong password (the same answer).'],
  PasswordRefused: [
    401,
    ['unauthorized', 'invalid_credentials'],
    '`invalid_credentials`: wrong password (counts as a failed login); `unauthorized` (with ' +
      '`WWW-Authenticate: Bearer`): missing, bad or expired token, or the account is gone.',
  ],
  Error408: [408, ['request_timeout'], 'The request body did not arrive within 30 s; the connection closes.'],
  Error409: [409, ['email_taken'], 'An account with this email already exists.'],
  Error410: [
    410,
    ['reset_required'],
    'The cursor is older than the tombstone horizon, or ahead of the account: pull from the beginning.',
  ],
  Error413: [
    413,
    ['payload_too_large'],
    `Body over ${MAX_BODY_BYTES} bytes, or more than ${MAX_OPS_PER_PUSH} operations in one push.`,
  ],
  Error415: [415, ['unsupported_media_type'], 'The body is not `application/json` (in UTF-8).'],
  Error426: [426, ['upgrade_required'], `This server speaks protocol ${PROTOCOL_VERSION} only.`],
  Error429: [429, ['rate_limited'], 'Too many requests: retry after `Retry-After` seconds.', 'Retry-After'],
  Error500: [500, ['internal'], 'Anything unexpected; logged on the server with the request id.'],
} as const satisfies Record<string, readonly [number, readonly [string, ...string[]], string, string?]>;
type ErrorId = keyof typeof ERRORS;

const HEADERS = {
  'WWW-Authenticate': { description: 'Always `Bearer`.', schema: { type: 'string', const: 'Bearer' } },
  'Retry-After': {
    description: 'Seconds until a retry may succeed.',
    schema: { type: 'string', pattern: '^[1-9][0-9]*$' },
  },
} as const;

/** Every body-reading endpoint can answer these besides its own. */
const BODY_ERRORS: ErrorId[] = [
  'Error400',
  'Error408',
  'Error413',
  'Error415',
  'Error426',
  'Error429',
  'Error500',
];

const json = (schema: unknown) => ({ 'application/json': { schema } });
const body = (id: string, description?: string) => ({
  required: true,
  ...(description ? { description } : {}),
  content: json(schemaRef(id)),
});
const ok = (description: string, id: string, links?: Record<string, unknown>) => ({
  description,
  content: json(schemaRef(id)),
  ...(links ? { links } : {}),
});
const noContent = (description: string) => ({ description });
const errors = (...ids: ErrorId[]) =>
  Object.fromEntries(ids.map((id) => [String(ERRORS[id][0]), responseRef(id)]));

const BEARER = [{ bearer: [] }];
const PROTOCOL = { $ref: '#/components/parameters/Protocol' };

/**
 * OpenAPI links from a token pair to what it unlocks (Schemathesis' stateful phase follows them): the access
 * token as the bearer of push, pull, checksum and the account endpoints, the refresh token to refresh and
 * sign out. `password` is the request's password (signup and login send one).
 */
function tokenLinks(password?: string) {
  const auth = { 'header.Authorization': 'Bearer {$response.body#/access_token}' };
  const refresh = { refresh_token: '$response.body#/refresh_token' };
  return {
    push: { operationId: 'push', parameters: auth, description: 'Push with the new access token.' },
    pull: { operationId: 'pull', parameters: auth, description: 'Pull with the new access token.' },
    checksum: { operationId: 'checksum', parameters: auth },
    refresh: { operationId: 'refresh', requestBody: refresh },
    logout: { operationId: 'logout', requestBody: refresh },
    ...(password
      ? {
          changePassword: {
            operationId: 'changePassword',
            parameters: auth,
            requestBody: { current_password: password },
          },
          deleteAccount: { operationId: 'deleteAccount', parameters: auth, requestBody: { password } },
        }
      : {}),
  };
}

function operations(): Record<string, Record<string, OperationObject>> {
  const authErrors = errors(...BODY_ERRORS);
  return {
    '/v1/health': {
      get: {
        operationId: 'health',
        summary: 'Liveness',
        description:
          'No auth, no protocol header. Answers while the process runs, whatever the database does.',
        tags: ['meta'],
        security: [],
        responses: { '200': ok('The server is up.', 'Health'), ...errors('Error500') },
      },
    },
    '/v1/ready': {
      get: {
        operationId: 'ready',
        summary: 'Readiness, for a load balancer',
        description:
          'No auth, no protocol header. 200 while the instance can serve: the database answers `select 1` within 2 s ' +
          'and no graceful shutdown is under way; 503 otherwise (route requests elsewhere).',
        tags: ['meta'],
        security: [],
        responses: {
          '200': ok('The instance can serve requests.', 'Ready'),
          '503': {
            description: 'The database does not answer, or the instance is shutting down.',
            headers: {
              'Retry-After': { description: 'Seconds before asking again.', schema: { type: 'string' } },
            },
            content: json({ $ref: '#/components/schemas/NotReady' }),
          },
          ...errors('Error500'),
        },
      },
    },
    '/v1/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        description: 'No auth, no protocol header. A readable rendering is served at `/docs`.',
        tags: ['meta'],
        security: [],
        responses: {
          '200': { description: 'The OpenAPI 3.1 document.', content: json({ type: 'object' }) },
          ...errors('Error500'),
        },
      },
    },
    '/v1/auth/signup': {
      post: {
        operationId: 'signup',
        summary: 'Create an account',
        tags: ['auth'],
        security: [],
        parameters: [PROTOCOL],
        requestBody: body('SignupRequest', 'Emails compare case-insensitively.'),
        responses: {
          '201': ok('The account and its first sign-in.', 'TokenPair', {
            ...tokenLinks('$request.body#/password'),
            login: {
              operationId: 'login',
              requestBody: { email: '$request.body#/email', password: '$request.body#/password' },
            },
          }),
          ...errors('Error409'),
          ...authErrors,
        },
      },
    },
    '/v1/auth/login': {
      post: {
        operationId: 'login',
        summary: 'Sign in',
        description:
          'From the 11th failure for an email within 15 minutes, every login for it is `429` until the ' +
          'window passes.',
        tags: ['auth'],
        security: [],
        parameters: [PROTOCOL],
        requestBody: body('Credentials'),
        responses: {
          '200': ok('A new sign-in.', 'TokenPair', tokenLinks('$request.body#/password')),
          ...errors('InvalidCredentials'),
          ...authErrors,
        },
      },
    },
    '/v1/auth/refresh': {
      post: {
        operationId: 'refresh',
        summary: 'Rotate a refresh token',
        description:
          'The old refresh token stops working. Presenting one that was already rotated ends the whole sign-in.',
        tags: ['auth'],
        security: [],
        parameters: [PROTOCOL],
        requestBody: body('RefreshRequest'),
        responses: {
          '200': ok('The next token pair of the sign-in.', 'TokenPair', tokenLinks()),
          ...errors('Unauthorized'),
          ...authErrors,
        },
      },
    },
    '/v1/auth/logout': {
      post: {
        operationId: 'logout',
        summary: 'Sign out',
        description: 'Ends the sign-in of this refresh token (an unknown token also gets `204`).',
        tags: ['auth'],
        security: [],
        parameters: [PROTOCOL],
        requestBody: body('RefreshRequest'),
        responses: { '204': noContent('Signed out.'), ...authErrors },
      },
    },
    '/v1/auth/password': {
      post: {
        operationId: 'changePassword',
        summary: 'Change the password',
        description: 'Every other refresh token of the user stops working; the answer is a fresh token pair.',
        tags: ['account'],
        security: BEARER,
        parameters: [PROTOCOL],
        requestBody: body('PasswordChangeRequest'),
        responses: {
          '200': ok('The password is changed.', 'TokenPair', tokenLinks('$request.body#/new_password')),
          ...errors('PasswordRefused'),
          ...authErrors,
        },
      },
    },
    '/v1/account': {
      delete: {
        operationId: 'deleteAccount',
        summary: 'Delete the account',
        description:
          'The user, every row, tombstone, ledger entry and token are gone; open event streams close. The ' +
          'email can sign up again and starts empty.',
        tags: ['account'],
        security: BEARER,
        parameters: [PROTOCOL],
        requestBody: body('AccountDeleteRequest', 'The password confirms the deletion.'),
        responses: { '204': noContent('Deleted.'), ...errors('PasswordRefused'), ...authErrors },
      },
    },
    '/v1/sync/push': {
      post: {
        operationId: 'push',
        summary: 'Push operations',
        description:
          'Applied in one transaction, in array order, exactly once per `op_id`. An operation that breaks the ' +
          'rules of `Operation` is `rejected` in the results, not a `400`.',
        tags: ['sync'],
        security: BEARER,
        parameters: [PROTOCOL],
        requestBody: body('PushRequest'),
        responses: {
          '200': ok('One result per operation.', 'PushResponse', {
            pull: { operationId: 'pull', description: 'Pull what the push changed.' },
            checksum: { operationId: 'checksum' },
          }),
          ...errors('Unauthorized'),
          ...authErrors,
        },
      },
    },
    '/v1/sync/pull': {
      get: {
        operationId: 'pull',
        summary: 'Pull changed rows',
        description: 'Rows whose version is greater than the cursor, in version order, tombstones included.',
        tags: ['sync'],
        security: BEARER,
        parameters: [
          {
            name: 'cursor',
            in: 'query',
            required: false,
            description: 'Opaque, from the previous page; none: from the beginning.',
            schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,40}$' },
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: `Rows per page (default ${DEFAULT_PULL_LIMIT}).`,
            schema: jsonSchema(pullLimitSchema),
          },
          PROTOCOL,
        ],
        responses: {
          '200': ok('A page of changes.', 'PullPage', {
            next: {
              operationId: 'pull',
              parameters: { 'query.cursor': '$response.body#/cursor' },
              description: 'The next page.',
            },
          }),
          ...errors('Error400', 'Unauthorized', 'Error410', 'Error426', 'Error429', 'Error500'),
        },
      },
    },
    '/v1/sync/checksum': {
      get: {
        operationId: 'checksum',
        summary: 'Per-entity checksums',
        description: 'Counts and checksums of the user’s rows (tombstones included) at `version`.',
        tags: ['sync'],
        security: BEARER,
        parameters: [PROTOCOL],
        responses: {
          '200': ok('The sums.', 'Checksum'),
          ...errors('Unauthorized', 'Error426', 'Error429', 'Error500'),
        },
      },
    },
    '/v1/sync/events': {
      get: {
        operationId: 'events',
        summary: 'Server-Sent Events: pokes',
        description:
          'After each commit that changes the user’s data, `event: poke` with `data: {"version": "<new ' +
          'version>"}`; a comment line at least every 25 s. The stream ends when the access token expires.',
        tags: ['sync'],
        security: BEARER,
        parameters: [PROTOCOL],
        responses: {
          '200': {
            description: 'The event stream (it does not end by itself).',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errors('Unauthorized', 'Error426', 'Error500'),
        },
      },
    },
  };
}

/** A Zod schema as plain JSON Schema (no `$schema` of its own: the document's dialect applies). */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}

/** `properties` of an object schema with extra keywords merged into some of them. */
function narrow(schema: Record<string, unknown>, extra: Record<string, Record<string, unknown>>) {
  const props = schema.properties as Record<string, Record<string, unknown>>;
  return {
    ...schema,
    properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, { ...v, ...extra[k] }])),
  };
}

/** `components.schemas`: every schema with an id, `$ref`s between them pointing into the document. */
function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  const add = (id: string, s: z.ZodType) => registry.add(s, { id });
  // The schemas the server validates with, as they are.
  add('Credentials', credentialsSchema);
  add('RefreshRequest', refreshRequestSchema);
  add('PasswordChangeRequest', passwordChangeSchema);
  add('AccountDeleteRequest', accountDeleteSchema);
  add('PushRequest', pushRequestSchema);
  for (const [id, s] of Object.entries(NAMED_SCHEMAS)) add(id, s);
  for (const [id, [, codes]] of Object.entries(ERRORS)) add(id, errorSchema(codes));
  const out = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
  }).schemas as Record<string, Record<string, unknown>>;
  const schemas: Record<string, Record<string, unknown>> = {};
  for (const [id, s] of Object.entries(out)) {
    const { $schema: _s, $id: _i, ...rest } = s;
    schemas[id] = rest;
  }
  // The auth service's rules on top of the body's shape.
  schemas.SignupRequest = narrow(schemas.Credentials!, signupRules);
  schemas.PasswordChangeRequest = narrow(schemas.PasswordChangeRequest!, { new_password: newPasswordRules });
  // A push item: any object with a string op_id passes the envelope; `Operation` says what is valid.
  const push = schemas.PushRequest as { properties: { ops: Record<string, unknown> } };
  push.properties.ops = {
    ...push.properties.ops,
    maxItems: MAX_OPS_PER_PUSH,
    items: { ...(push.properties.ops.items as object), ...schemaRef('Operation') },
  };
  return schemas;
}

function componentResponses(): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(ERRORS).map(([id, [, , description, header]]) => [
      id,
      {
        description,
        ...(header ? { headers: { [header]: { required: true, ...HEADERS[header] } } } : {}),
        content: json(schemaRef(id)),
      },
    ]),
  );
}

let cached: OpenApiDocument | undefined;

/** The document (built once; treat it as read-only). */
export function openApiDocument(): OpenApiDocument {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'SelfTracker sync API',
      version: String(PROTOCOL_VERSION),
      description:
        'The wire protocol of SelfTracker (PROTOCOL.md, version 1): JSON over HTTP, times in ms since the ' +
        'epoch, versions as decimal strings, cursors opaque. Every error is `{"error": {"code", "message"}}`. ' +
        `Requests under \`/v1\` may send \`${PROTOCOL_HEADER}: ${PROTOCOL_VERSION}\` (missing means 1); another ` +
        'version gets `426 upgrade_required`.',
    },
    tags: [
      { name: 'auth', description: 'Accounts and token pairs.' },
      { name: 'account', description: 'Password change and account deletion (Bearer).' },
      { name: 'sync', description: 'Push, pull, checksums and pokes (Bearer).' },
      { name: 'meta', description: 'Health and this document.' },
    ],
    paths: operations(),
    components: {
      schemas: componentSchemas(),
      responses: componentResponses(),
      parameters: {
        Protocol: {
          name: PROTOCOL_HEADER,
          in: 'header',
          required: false,
          description: 'The protocol version the client speaks (missing means 1).',
          schema: { type: 'string', enum: [String(PROTOCOL_VERSION)] },
        },
      },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The `access_token` of a token pair (short-lived).',
        },
      },
    },
  };
  return cached;
}
