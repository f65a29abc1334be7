import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * The API at `/v1/*` and, when the web app has been built, the app itself at `/` (SPA fallback,
 * immutable caching for hashed assets, no caching for index.html and the service worker).
 */
export function createWebRoutes(
  api: { fetch: (req: Request, env?: unknown) => Response | Promise<Response> },
  webDir: string | undefined,
  log: { info(o: object, m: string): void },
) {
  const root = new Hono();
  // The API keeps its own middleware, error handler and JSON 404s.
  root.all('/v1/*', (c) => api.fetch(c.req.raw, c.env));
  const dir = webDir ?? DEFAULT_WEB_DIR;
  if (!existsSync(dir)) {
    root.get('/', (c) =>
      c.text('SelfTracker sync server. The web app has not been built; the API lives under /v1.\n'),
    );
    return root;
  }
  log.info({ dir }, 'serving the web app');
  root.use(
    '/assets/*',
    serveStatic({
      root: dir,
      onFound: (_path, c) => {
        c.header('Cache-Control', 'public, max-age=31536000, immutable');
      },
    }),
  );
  // A hashed asset that is not there must not fall through to index.html (a cache would keep HTML as JS).
  root.get('/assets/*', (c) => c.text('Not found\n', 404));
  root.use(
    '*',
    serveStatic({
      root: dir,
      onFound: (_path, c) => {
        c.header('Cache-Control', 'no-cache');
      },
    }),
  );
  root.get(
    '*',
    serveStatic({ root: dir, path: 'index.html', onFound: (_p, c) => c.header('Cache-Control', 'no-cache') }),
  );
  return root;
}
