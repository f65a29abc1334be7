/**
 * Node side of the browser tests: builds the test page with Vite, serves it from 127.0.0.1 on a free port and
 * drives the system Chromium with playwright-core (never a downloaded browser).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';

import { CHROMIUM_PATH as CHROMIUM, CHROMIUM_ARGS } from '../../../testing/chromium.ts';

export { CHROMIUM };
export const chromiumAvailable = () => existsSync(CHROMIUM);

const here = fileURLToPath(new URL('.', import.meta.url));
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

/**
 * Vite from the workspace root, else the copy Vitest runs on (packages/client does not list vite itself: it is
 * a test-only tool here, and Vitest always brings one).
 */
async function importVite(): Promise<{ build(config: Record<string, unknown>): Promise<unknown> }> {
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve('vite');
  } catch {
    path = createRequire(require.resolve('vitest/package.json')).resolve('vite');
  }
  return import(pathToFileURL(path).href);
}

/** Builds the page into a temp dir. */
export async function buildPage(): Promise<{ dir: string; cleanup(): void }> {
  const { build } = await importVite();
  const dir = mkdtempSync(join(tmpdir(), 'selftracker-web-page-'));
  await build({
    root: here,
    configFile: false,
    logLevel: 'warn',
    optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
    worker: { format: 'es' },
    build: { outDir: dir, emptyOutDir: true, target: 'es2022', minify: false, reportCompressedSize: false },
  });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A static file server for `dir` on a free port. */
export async function serve(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = resolve(dir, normalize(`.${path === '/' ? '/index.html' : path}`));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A Chromium with a fresh (or the given) profile directory. */
export async function launch(
  userDataDir?: string,
): Promise<{ context: BrowserContext; userDataDir: string; close(): Promise<void> }> {
  const profile = userDataDir ?? mkdtempSync(join(tmpdir(), 'selftracker-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
  return { context, userDataDir: profile, close: () => context.close() };
}
