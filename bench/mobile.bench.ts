/**
 * `npm run bench:mobile`: the Expo app's web export in headless Chromium (390×844) against the real server.
 * Prints figures, asserts nothing.
 *   - 10,000 task creates in one bulkCreate transaction through the expo-sqlite driver, and the ratio to the same
 *     inserts straight on expo-sqlite in the same page (`/?bench`);
 *   - tap/submit in "New task" → row painted, p50/p95 over BENCH_MOBILE_TASKS (100);
 *   - initial sync of 10,000 server rows into a fresh phone.
 * SELFTRACKER_MOBILE_WEB_DIR reuses an export; otherwise one is made (about a minute).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@selftracker/client/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { exportWeb, serveStatic } from '../apps/mobile/e2e/export.ts';
import { startServer } from '../apps/web/e2e/harness.ts';
import { enterProbe, measures, PASSWORD, pct, rate, seedUser } from './support.ts';

const ENTER_TASKS = Number(process.env.BENCH_MOBILE_TASKS ?? 100);
const BULK_ROWS = Number(process.env.BENCH_MOBILE_BULK ?? 10_000);
const SYNC_ROWS = Number(process.env.BENCH_MOBILE_SYNC ?? 10_000);

async function phone(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    isMobile: true,
  });
  return context.newPage();
}

async function signIn(page: Page, origin: string, server: string, email: string, create: boolean) {
  await page.goto(origin);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Server').fill(server);
  await page.getByRole('button', { name: create ? 'Create account' : 'Sign in' }).click();
}

async function bulkVersusRaw(browser: Browser, origin: string) {
  const page = await phone(browser);
  await page.goto(`${origin}/?bench`);
  await page.waitForFunction(() => '__bench' in globalThis);
  const call = (fn: 'bulkCreate' | 'rawInsert', n: number) =>
    page.evaluate(([f, rows]) => (globalThis as any).__bench[f](rows) as Promise<{ ms: number }>, [
      fn,
      n,
    ] as const);
  await call('rawInsert', 100); // warm up both paths (wasm, the OPFS pool)
  await call('bulkCreate', 100);
  const bulk = await call('bulkCreate', BULK_ROWS);
  const raw = await call('rawInsert', BULK_ROWS);
  await page.context().close();
  return { bulkMs: bulk.ms, rawMs: raw.ms };
}

async function enterLatency(browser: Browser, origin: string, server: string): Promise<number[]> {
  const page = await phone(browser);
  await signIn(page, origin, server, `bench-enter-${Date.now()}@example.com`, true);
  const input = page.getByLabel('New task');
  await input.waitFor();
  const samples: number[] = [];
  for (let i = 0; i < ENTER_TASKS; i++) {
    const title = `Latency task ${i}`;
    await input.fill(title);
    const result = page.evaluate(enterProbe, {
      list: '[aria-label="Tasks"]',
      row: '[role="listitem"] div',
      title,
    });
    await input.press('Enter');
    samples.push(await result);
  }
  await page.context().close();
  return samples;
}

async function initialSync(browser: Browser, origin: string, server: string): Promise<number> {
  const email = `bench-sync-${Date.now()}@example.com`;
  await seedUser(server, email, SYNC_ROWS);
  const page = await phone(browser);
  await signIn(page, origin, server, email, false);
  const started = await page.evaluate(() => performance.now());
  const handle = await page.waitForFunction(
    () => ((globalThis as any).__selftracker.engine?.status.lastSyncedAt ? performance.now() : false),
    undefined,
    { polling: 50, timeout: 600_000 },
  );
  const done = (await handle.jsonValue()) as number;
  const count = await page.evaluate(
    async () => (await (globalThis as any).__selftracker.engine.tasks.list()).length,
  );
  if (count !== SYNC_ROWS) throw new Error(`initial sync brought ${count} rows, expected ${SYNC_ROWS}`);
  await page.context().close();
  return done - started;
}

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'selftracker-bench-mobile-'));
  const dir = process.env.SELFTRACKER_MOBILE_WEB_DIR ?? (await exportWeb(join(tmp, 'dist')));
  const host = await serveStatic(dir);
  const server = await startServer({
    dataDir: join(tmp, 'data'),
    env: { SELFTRACKER_CORS_ORIGINS: host.origin },
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    headless: true,
  });
  const m = measures();
  try {
    await m.measure(
      `bulkCreate ${BULK_ROWS.toLocaleString('en-US')} tasks, one transaction, expo-sqlite driver`,
      async () => {
        const { bulkMs, rawMs } = await bulkVersusRaw(browser, host.origin);
        return (
          `${rate(BULK_ROWS, bulkMs)} rows/s (${bulkMs.toFixed(0)} ms); raw expo-sqlite in the same page ` +
          `${rate(BULK_ROWS, rawMs)} rows/s (${rawMs.toFixed(0)} ms); engine/raw = ${(rawMs / bulkMs).toFixed(3)}`
        );
      },
    );
    await m.measure(`submit in "New task" → row painted (${ENTER_TASKS} tasks)`, async () => {
      const latency = await enterLatency(browser, host.origin, server.baseUrl);
      return `p50 ${pct(latency, 50).toFixed(1)} ms, p95 ${pct(latency, 95).toFixed(1)} ms`;
    });
    await m.measure(
      `initial sync of ${SYNC_ROWS.toLocaleString('en-US')} rows into a fresh phone`,
      async () => {
        const ms = await initialSync(browser, host.origin, server.baseUrl);
        return `${rate(SYNC_ROWS, ms)} rows/s (${ms.toFixed(0)} ms)`;
      },
    );
    m.table();
  } finally {
    await browser.close();
    await server.stop();
    await host.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  if (m.failed) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
