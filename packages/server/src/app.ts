import {
  accountDeleteSchema,
  credentialsSchema,
  DEFAULT_PULL_LIMIT,
  isPushRequest,
  MAX_OPS_PER_PUSH,
  MAX_PULL_LIMIT,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  ProtocolError,
  passwordChangeSchema,
  pushRequestSchema,
  refreshRequestSchema,
  toError,
} from '@selftracker/core';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import type { AuthOptions, Clock, LimitOptions, Logger, SyncOptions } from './context.ts';
import { silentLogger, systemClock } from './context.ts';
import type { Database } from './db/database.ts';
import { BODY_TIMEOUT_VAR, ClientGone, limitBody, readJson, readJsonAsSent, singleQuery } from './http.ts';
import { openApiDocument } from './openapi.ts';
import { type AuthService, createAuthService } from './services/auth.ts';
import { decodeCursor } from './services/cursor.ts';
import { openEventStream } from './services/events.ts';
import { createPokeHub } from './services/pokes.ts';
import { type PruneResult, prune } from './services/prune.ts';
import { createSyncService, type SyncService } from './services/sync.ts';
import { createUserLimits } from './services/user-limits.ts';

export interface ServerDeps {
  db: Database;
  auth: AuthOptions;
  clock?: Clock;
  log?: Logger;
  limits?: LimitOptions;
  sync?: SyncOptions;
  /** The caller's network address, for per-address rate limits (the runnable reads it from the socket). */
  clientAddress?: (c: Context) => string;
  /**
   * Origins other than the server's own whose pages may call `/v1/*` (CORS): the desktop app's webview
   * (`tauri://localhost`), the mobile app's web build. Default `DEFAULT_CORS_ORIGINS`. Tokens travel in the
   * Authorization header, never in cookies, so an allowed origin gains nothing without the user's token.
   */
  corsOrigins?: readonly string[];
}

/** The desktop app's webview origins (Linux/macOS, Windows): allowed unless the runnable says otherwise. */
export const DEFAULT_CORS_ORIGINS: readonly string[] = ['tauri://localhost', 'http://tauri.localhost'];

export interface SelfTrackerServer {
  /** The Hono app serving `/v1/*`. */
  readonly app: Hono<Env>;
  readonly authService: AuthService;
  readonly syncService: SyncService;
  /** Prunes tombstones, ledger entries past the horizon and expired refresh tokens. */
  prune(): Promise<PruneResult>;
  /**
   * Starts a graceful shutdown: `/v1/ready` answers 503 from now on (a load balancer stops routing here) and
   * every open event stream ends, so its client reconnects to another instance. Requests in flight finish.
   */
  drain(): void;
  /** Ends open event streams and stops listening; does not close the database. */
  close(): Promise<void>;
}

type Env = {
  Variables: { userId: string; tokenExpiresAt: number; requestId: string; [BODY_TIMEOUT_VAR]: number };
};

/** Builds the sync server from injected storage, auth settings, clock and logger. Never reads env, never listens. */
export async function createServer(deps: ServerDeps): Promise<SelfTrackerServer> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? silentLogger;
  const horizonMs = deps.sync?.horizonMs ?? 90 * 24 * 3600 * 1000;
  const authService = createAuthService(deps.db, clock, deps.auth, deps.limits ?? {});
  const syncService = createSyncService(deps.db, clock, deps.sync?.copyAbove);
  const userLimits = createUserLimits(deps.db, clock, deps.limits ?? {});
  const hub = await createPokeHub(deps.db);
  const streams = new Set<() => void>();
  const streamsByUser = new Map<string, (() => void)[]>();
  const address = deps.clientAddress ?? (() => 'unknown');
  const app = new Hono<Env>();

  app.use(requestId());
  const bodyTimeoutMs = deps.sync?.bodyTimeoutMs ?? 30_000;
  app.use(async (c, next) => {
    c.set(BODY_TIMEOUT_VAR, bodyTimeoutMs);
    await next();
  });
  const origins = new Set(deps.corsOrigins ?? DEFAULT_CORS_ORIGINS);
  app.use(
    '/v1/*',
    cors({
      origin: (origin) => (origins.has(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', PROTOCOL_HEADER],
      exposeHeaders: ['Date', 'Retry-After', 'WWW-Authenticate'],
      maxAge: 600,
    }),
  );
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    log.info(
      {
        req_id: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        user_id: c.get('userId'),
      },
      'request',
    );
  });
  app.onError((err, c) => {
    if (ProtocolError.is(err)) {
      if (err.code === 'unauthorized') c.header('WWW-Authenticate', 'Bearer');
      if (err.retryAfter !== undefined) c.header('Retry-After', String(err.retryAfter));
      // The rest of an oversized body may still be arriving: close the connection instead of letting the
      // client reuse a socket the server is about to tear down.
      if (err.code === 'payload_too_large' || err.code === 'request_timeout') c.header('Connection', 'close');
      return c.json({ error: { code: err.code, message: err.message } }, err.status as 400);
    }
    if (err instanceof ClientGone) {
      // Nobody is left to answer: 499 (nginx's "client closed request") for the request log, and no alarm.
      log.info({ req_id: c.get('requestId'), method: c.req.method, path: c.req.path }, err.message);
      return c.body(null, 499 as never);
    }
    log.error({ req_id: c.get('requestId'), err: toError(err) }, 'unhandled error');
    return c.json(
      { error: { code: 'internal', message: `internal error (request ${c.get('requestId')})` } },
      500,
    );
  });
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );

  // Liveness: the process answers. Readiness: it can serve, i.e. the database answers and no shutdown is under way.
  app.get('/v1/health', (c) => c.json({ status: 'ok' }));
  let draining = false;
  const readyTimeoutMs = deps.sync?.readyTimeoutMs ?? 2000;
  app.get('/v1/ready', async (c) => {
    const unavailable = (reason: string) => {
      c.header('Retry-After', '1');
      c.header('Cache-Control', 'no-store');
      return c.json({ status: 'unavailable' as const, reason }, 503);
    };
    if (draining) return unavailable('shutting down');
    const failure = await databaseAnswers(deps.db, readyTimeoutMs);
    if (failure) {
      // The detail (host, port, driver message) goes to the log, not to an unauthenticated caller.
      log.warn({ req_id: c.get('requestId'), err: failure }, 'not ready: the database does not answer');
      return unavailable('database unavailable');
    }
    c.header('Cache-Control', 'no-store');
    return c.json({ status: 'ready' as const });
  });
  // The API's description, like health readable by a client of any protocol version.
  app.get('/v1/openapi.json', (c) => c.json(openApiDocument()));

  app.use('/v1/*', async (c, next) => {
    const v = c.req.header(PROTOCOL_HEADER);
    if (v !== undefined && v.trim() !== String(PROTOCOL_VERSION)) {
      throw new ProtocolError('upgrade_required', `this server speaks protocol ${PROTOCOL_VERSION}`);
    }
    await next();
  });

  // Auth
  app.post('/v1/auth/signup', limitBody, async (c) => {
    const { email, password } = await readJson(c, credentialsSchema);
    return c.json(await authService.signup(email, password, address(c)), 201);
  });
  app.post('/v1/auth/login', limitBody, async (c) => {
    const { email, password } = await readJson(c, credentialsSchema);
    return c.json(await authService.login(email, password, address(c)));
  });
  app.post('/v1/auth/refresh', limitBody, async (c) => {
    const { refresh_token } = await readJson(c, refreshRequestSchema);
    return c.json(await authService.refresh(refresh_token, address(c)));
  });
  app.post('/v1/auth/logout', limitBody, async (c) => {
    const { refresh_token } = await readJson(c, refreshRequestSchema);
    await authService.logout(refresh_token, address(c));
    return c.body(null, 204);
  });

  // Everything below needs a Bearer access token.
  const bearer: MiddlewareHandler<Env> = async (c, next) => {
    const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(c.req.header('authorization') ?? '');
    if (!m) throw new ProtocolError('unauthorized', 'missing or malformed bearer token');
    const session = await authService.session(m[1]!);
    c.set('userId', session.userId);
    c.set('tokenExpiresAt', session.expiresAt);
    await next();
  };

  // Account (PROTOCOL.md Account)
  app.post('/v1/auth/password', bearer, limitBody, async (c) => {
    const { current_password, new_password } = await readJson(c, passwordChangeSchema);
    return c.json(
      await authService.changePassword(c.get('userId'), current_password, new_password, address(c)),
    );
  });
  app.delete('/v1/account', bearer, limitBody, async (c) => {
    const { password } = await readJson(c, accountDeleteSchema);
    await authService.deleteAccount(c.get('userId'), password, address(c));
    return c.body(null, 204);
  });

  // Sync
  app.use('/v1/sync/*', bearer);
  app.post('/v1/sync/push', limitBody, async (c) => {
    // `?pull_cursor=` (and `pull_limit`): the answer also carries the pull page from that cursor, read after the
    // push committed, so a round that pushed costs one round trip (packages/server/README.md). Checked before
    // anything is written; other query parameters are ignored, as before this addition.
    const { pull_cursor, pull_limit } = singleQuery(c);
    const alsoPull = pull_cursor !== undefined;
    const after = pull_cursor === '' ? undefined : pull_cursor;
    if (alsoPull) decodeCursor(after);
    const n = pullLimit(pull_limit, 'pull_limit');
    const req = await readJsonAsSent(c, pushRequestSchema, isPushRequest);
    if (req.ops.length > MAX_OPS_PER_PUSH) {
      throw new ProtocolError('payload_too_large', `at most ${MAX_OPS_PER_PUSH} operations per push`);
    }
    const userId = c.get('userId');
    await userLimits.push(userId, req);
    const result = await syncService.push(userId, req);
    if (!alsoPull) return c.json(result);
    let page: string | undefined;
    try {
      // Counted once, as the push it rides on: the page saves the client a request, it does not add one.
      page = await syncService.pull(userId, after, n);
    } catch (e: unknown) {
      // The push is committed and must be answered: without `pull` the client pulls on its own, and meets the
      // 410 or 429 there.
      if (!ProtocolError.is(e))
        log.warn({ req_id: c.get('requestId'), err: toError(e) }, 'push: the pull part failed');
    }
    if (page === undefined) return c.json(result);
    const head = JSON.stringify(result);
    return c.body(`${head.slice(0, -1)},"pull":${page}}`, 200, { 'content-type': 'application/json' });
  });
  app.get('/v1/sync/pull', async (c) => {
    const { cursor, limit, ...rest } = singleQuery(c);
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined)
      throw new ProtocolError('invalid_request', `${unknown}: unknown query parameter`);
    const n = pullLimit(limit, 'limit');
    await userLimits.pull(c.get('userId'));
    const body = await syncService.pull(c.get('userId'), cursor, n);
    return c.body(body, 200, { 'content-type': 'application/json' });
  });
  app.get('/v1/sync/checksum', async (c) => {
    await userLimits.pull(c.get('userId'));
    return c.json(await syncService.checksum(c.get('userId')));
  });
  app.get('/v1/sync/events', async (c) => {
    // A deleted account's access token is still validly signed until it expires: no stream for it.
    if (!(await authService.exists(c.get('userId'))))
      throw new ProtocolError('unauthorized', 'account no longer exists');
    return openEventStream({
      hub,
      userId: c.get('userId'),
      signal: c.req.raw.signal,
      keepAliveMs: deps.sync?.keepAliveMs ?? 25_000,
      streams,
      closeInMs: c.get('tokenExpiresAt') - clock.now(),
      maxPerUser: deps.sync?.maxStreamsPerUser ?? 10,
      byUser: streamsByUser,
    });
  });

  return {
    app,
    authService,
    syncService,
    prune: () => prune(deps.db, clock.now(), horizonMs, deps.limits?.loginWindowMs),
    drain() {
      draining = true;
      for (const end of [...streams]) end();
    },
    async close() {
      draining = true;
      for (const end of [...streams]) end();
      await hub.close();
    },
  };
}

/** The page size of a pull (`limit`, or a push's `pull_limit`): an integer 1..MAX_PULL_LIMIT, default 1000. */
function pullLimit(limit: string | undefined, name: string): number {
  if (limit === undefined) return DEFAULT_PULL_LIMIT;
  const n = /^\d{1,5}$/.test(limit) ? Number(limit) : 0;
  if (n < 1 || n > MAX_PULL_LIMIT) {
    throw new ProtocolError('invalid_request', `${name}: must be an integer 1..${MAX_PULL_LIMIT}`);
  }
  return n;
}

/** Undefined when `select 1` answers within `timeoutMs`, else the error (for the readiness endpoint). */
async function databaseAnswers(db: Database, timeoutMs: number): Promise<Error | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Error>((resolve) => {
    timer = setTimeout(() => resolve(new Error(`no answer to select 1 within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([
      db.query('select 1').then(
        () => undefined,
        (e: unknown) => toError(e),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
