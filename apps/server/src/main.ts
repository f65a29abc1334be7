import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { clientAddress, createServer, keepConnectionsAlive, openDatabase } from '@selftracker/server';
import pino from 'pino';
import { loadConfig } from './config.ts';
import { createWebRoutes } from './web.ts';

const PRUNE_EVERY_MS = 60 * 60 * 1000;

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
  const http = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
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
    await server.close();
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      (http as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    });
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
