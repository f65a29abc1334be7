/**
 * The browser-test harness: builds the app once, runs the real server on it (a temp data dir, a free port),
 * and opens Debian's Chromium through playwright-core, one fresh profile per simulated device.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_PATH as CHROMIUM, CHROMIUM_ARGS } from '@selftracker/client/testing';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildWeb, REPO_DIR } from '../build/web-build.ts';

export { CHROMIUM, CHROMIUM_ARGS };
export const SCREENSHOT_DIR = join(REPO_DIR, 'test-output', 'screenshots');

/** Which browser the tests use, printed once so a run says what it ran on. */
export function describeChromium(): string {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package`);
  const version = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim();
  return `${version} (${CHROMIUM})`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface Harness {
  baseUrl: string;
  webDir: string;
  server: ChildProcess;
  /** Stops the server (SIGTERM); `startServer` brings it back on the same port and data. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** A new simulated device: its own Chromium profile. */
  device(): Promise<Device>;
  close(): Promise<void>;
}

export interface Device {
  context: BrowserContext;
  page: Page;
  /**
   * Console errors and page errors seen so far (expected network failures while offline excluded), and every
   * Content-Security-Policy violation, whatever the console calls it (a blocked load is also a "Failed to load").
   */
  errors: string[];
  newPage(): Promise<Page>;
}

/** The real server as its own process (PGlite in `dataDir`, or `DATABASE_URL` when set). */
export interface ServerProcess {
  baseUrl: string;
  port: number;
  child: ChildProcess;
  /** SIGTERM, resolved once it has exited. */
  stop(): Promise<void>;
}

/** Starts the server on `port` (a free one by default) and waits until `/v1/health` answers. */
export async function startServer(opts: {
  dataDir: string;
  port?: number;
  webDir?: string;
  /** Extra environment, e.g. `SELFTRACKER_CORS_ORIGINS` for an app served from another origin. */
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_DIR, 'apps/server/src/main.ts')], {
    cwd: REPO_DIR,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SELFTRACKER_DATA_DIR: opts.dataDir,
      ...(opts.webDir ? { SELFTRACKER_WEB_DIR: opts.webDir } : {}),
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHealth(baseUrl, child);
  return {
    baseUrl,
    port,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Builds the app into a temp dir (or uses `webDir`), starts the server on it, and hands out devices. */
export async function startHarness(opts: { webDir?: string } = {}): Promise<Harness> {
  const tmp = mkdtempSync(join(tmpdir(), 'selftracker-e2e-'));
  const webDir =
    opts.webDir ??
    process.env.SELFTRACKER_E2E_WEB_DIR ??
    (await buildWeb({ outDir: join(tmp, 'web'), quiet: true }));
  const dataDir = join(tmp, 'data');
  let srv = await startServer({ dataDir, webDir });
  const { baseUrl, port } = srv;
  const contexts: BrowserContext[] = [];

  return {
    baseUrl,
    webDir,
    get server() {
      return srv.child;
    },
    stopServer: () => srv.stop(),
    async startServer() {
      srv = await startServer({ dataDir, webDir, port });
    },
    async device() {
      const profile = join(tmp, `profile-${contexts.length}`);
      mkdirSync(profile);
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        args: [...CHROMIUM_ARGS],
        headless: true,
        viewport: { width: 1280, height: 860 },
      });
      contexts.push(context);
      const errors: string[] = [];
      // Each violation in a page is reported as its own console error, whichever resource it blocked.
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          console.error(
            `CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || 'inline code'} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`,
          );
        });
      });
      const watch = (p: Page) => {
        p.on('console', (m) => {
          const text = m.text();
          if (/CSP violation|Content Security Policy/i.test(text)) {
            errors.push(text);
            return;
          }
          if (m.type() === 'warning' && text.includes('offline shell')) errors.push(text);
          if (m.type() !== 'error') return;
          // The browser logs every failed request; offline and 401 answers are expected and shown as state.
          if (/Failed to load resource|net::ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED/.test(text)) return;
          errors.push(text);
        });
        p.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      };
      context.on('page', watch);
      const page = context.pages()[0] ?? (await context.newPage());
      watch(page);
      return { context, page, errors, newPage: () => context.newPage() };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await srv.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

async function waitForHealth(baseUrl: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
    try {
      const r = await fetch(`${baseUrl}/v1/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not become healthy within 60 s');
}

/** Signs up (or in) through the form and waits for the task screen. */
export async function signIn(page: Page, baseUrl: string, email: string, password: string, create: boolean) {
  await page.goto(baseUrl);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: create ? 'Create account' : 'Sign in' }).click();
  await page.getByLabel('New task').waitFor();
}

export async function addTask(page: Page, title: string) {
  const input = page.getByLabel('New task');
  await input.fill(title);
  await input.press('Enter');
  await taskRow(page, title).waitFor();
}

/** A task's row in the list `Tasks` (done ones at its end, shown unless "Completed (n)" folded them). */
export function taskRow(page: Page, title: string) {
  return page
    .getByRole('list', { name: 'Tasks', exact: true })
    .getByRole('listitem')
    .filter({ has: page.getByText(title, { exact: true }) });
}

/** Unfolds the "Completed (n)" section of the task list (if it is folded). */
export async function showCompleted(page: Page) {
  const toggle = page.getByRole('button', { name: /^Completed \(\d+\)$/ });
  await toggle.waitFor();
  if ((await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
}

export function syncStatus(page: Page) {
  return page.getByRole('status', { name: 'Sync status' });
}

/** Waits until the service worker controls the page and has precached the shell. */
export async function waitForOfflineShell(page: Page) {
  // Polled rather than awaited as an event: the worker may claim the page before a listener is attached.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
    timeout: 15_000,
  });
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
