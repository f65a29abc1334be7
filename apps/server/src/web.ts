import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { API_DOCS_CSS, openApiDocument, renderApiDocs } from '@selftracker/server';
import { Hono } from 'hono';

const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * The Content-Security-Policy of the web app's pages and files (a worker's policy comes from its own script's
 * response, so assets carry it too). The app keeps tokens in localStorage: no script but its own may run.
 * `'wasm-unsafe-eval'` lets sqlite-wasm compile; `data:` images are the inline favicon; every request goes
 * to this origin (the sync API included).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response of the web app (and `nosniff`, `Referrer-Policy` on the API's too). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * The API at `/v1/*`, its readable reference at `/docs`, and, when the web app has been built, the app itself at `/` (SPA fallback,
 * immutable caching for hashed assets, no caching for index.html and the service worker).
 */
export function createWebRoutes(
  api: { fetch: (req: Request, env?: unknown) => Response | Promise<Response> },
  webDir: string | undefined,
  log: { info(o: object, m: string): void },
) {
  const root = new Hono();
  root.use('*', async (c, next) => {
    await next();
    const api = c.req.path === '/v1' || c.req.path.startsWith('/v1/');
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (!api || name === 'X-Content-Type-Options' || name === 'Referrer-Policy')
        c.res.headers.set(name, value);
    }
  });
  // The API keeps its own middleware, error handler and JSON 404s.
  root.all('/v1/*', (c) => api.fetch(c.req.raw, c.env));
  // The API's reference, rendered from /v1/openapi.json: static HTML and its stylesheet, under the page CSP.
  const docs = renderApiDocs(openApiDocument());
  root.get('/docs', (c) => c.html(docs));
  root.get('/docs/docs.css', (c) => c.body(API_DOCS_CSS, 200, { 'content-type': 'text/css; charset=utf-8' }));
  const dir = webDir ?? DEFAULT_WEB_DIR;
  if (!existsSync(dir)) {
    root.get('/', (c) =>
      c.text('SelfTracker sync server. The web app has not been built; the API lives under /v1.\n'),
    );
    return root;
  }
  log.info({ dir }, 'serving the web app');
  // Caching: hashed assets for a year, everything else (index.html, sw.js) revalidated on every load. Set after
  // serveStatic answered: its onFound runs once the response exists, too late for a header.
  root.use('*', async (c, next) => {
    await next();
    if (c.req.path === '/v1' || c.req.path.startsWith('/v1/') || c.req.path.startsWith('/docs')) return;
    const hashed = c.req.path.startsWith('/assets/') && c.res.status < 400;
    c.res.headers.set('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
  });
  // The build's .br/.gz beside each file (apps/web/build/precompress.ts) go to a browser that accepts them.
  root.use('/assets/*', serveStatic({ root: dir, precompressed: true }));
  // A hashed asset that is not there must not fall through to index.html (a cache would keep HTML as JS).
  root.get('/assets/*', (c) => c.text('Not found\n', 404));
  root.use('*', serveStatic({ root: dir, precompressed: true }));
  root.get('*', serveStatic({ root: dir, path: 'index.html', precompressed: true }));
  return root;
}
