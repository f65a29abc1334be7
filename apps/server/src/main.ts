import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { clientAddress, createServer, keepConnectionsAlive, openDatabase } from '@selftracker/server';
import pino from 'pino';
import { loadConfig } from './config.ts';
import { createWebRoutes } from './web.ts';

const PRUNE_EVERY_MS = 60 * 60 * 1000;
/** How long a graceful shutdown waits for requests in flight. */
const DRAIN_MS = 10_000;

async function main() {
  // Everything the server writes (the JWT secret, PGlite's data directory) is for its own user alone.
  process.umask(0o077);
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info', base: null });
  const config = loadConfig();
  const pgliteDir = join(config.dataDir, 'pglite');
  const dbLabel = config.databaseUrl
    ? `PostgreSQL at ${redact(config.databaseUrl)}`
    : `PGlite in ${pgliteDir}`;
  const db = await openDatabase({ url: config.databaseUrl, dataDir: pgliteDir, log });
  const server = await createServer({
    db,
    auth: { jwtSecret: config.jwtSecret },
    limits: config.limits,
    log,
    clientAddress: (c) =>
      clientAddress(getConnInfo(c).remote.address, c.req.header('x-forwarded-for'), config.trustProxy),
    ...(config.corsOrigins ? { corsOrigins: config.corsOrigins } : {}),
  });
  const app = createWebRoutes(server.app, config.webDir, log);
  // Requests being handled: a shutdown waits for them even when their client has gone (the socket is closed,
  // the handler still runs), so the database is never closed under one.
  let handling = 0;
  let settled: (() => void) | undefined;
  const fetch = async (req: Request, env: unknown) => {
    handling++;
    try {
      return await app.fetch(req, env);
    } finally {
      if (--handling === 0) settled?.();
    }
  };
  const http = serve({ fetch, port: config.port, hostname: config.host }, (info) => {
    log.info(
      { port: info.port, database: db.kind },
      `SelfTracker listening on http://localhost:${info.port} (database: ${dbLabel})`,
    );
  });
  keepConnectionsAlive(http);
  const pruneTimer = setInterval(() => {
    server.prune().then(
      (r) => log.info(r, 'pruned tombstones and ledger entries past the horizon'),
      (e: unknown) => log.error({ err: e }, 'prune failed'),
    );
  }, PRUNE_EVERY_MS);
  pruneTimer.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    clearInterval(pruneTimer);
    // Graceful: not ready any more, event streams end (their clients reconnect to another instance), no new
    // connections; requests in flight finish within DRAIN_MS, then whatever is left is cut.
    server.drain();
    const conns = http as unknown as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
    const drained = new Promise<boolean>((resolve) => {
      http.close(() => {
        if (handling === 0) resolve(true);
        else settled = () => resolve(true);
      });
      conns.closeIdleConnections?.();
    });
    const idleSweep = setInterval(() => conns.closeIdleConnections?.(), 100);
    const inTime = await Promise.race([
      drained,
      new Promise<false>((r) => setTimeout(() => r(false), DRAIN_MS)),
    ]);
    clearInterval(idleSweep);
    if (!inTime) {
      log.warn(
        { drain_ms: DRAIN_MS },
        'requests still running after the drain time: closing their connections',
      );
      conns.closeAllConnections?.();
    }
    await server.close();
    await db.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

main().catch((e: unknown) => {
  console.error(`selftracker server failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
