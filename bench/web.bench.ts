/**
 * `npm run bench:web`: the web app in headless Chromium against the real server. Prints figures, asserts nothing.
 *   - latency from pressing Enter in "New task" to the row being painted, p50/p95 over BENCH_WEB_TASKS (200);
 *   - 10,000 task creates in one bulkCreate transaction through the web driver, rows/s, and the ratio to the
 *     same inserts run directly on sqlite-wasm in a worker (bench.html);
 *   - initial sync of 10,000 server rows into a fresh browser, rows/s;
 *   - cold start: navigation to the task list showing 1,000 tasks.
 */
import type { Page } from 'playwright-core';
import { describeChromium, type Harness, signIn, startHarness } from '../apps/web/e2e/harness.ts';
import { enterProbe, measures, PASSWORD, pct, rate, seedUser } from './support.ts';

const ENTER_TASKS = Number(process.env.BENCH_WEB_TASKS ?? 200);
const BULK_ROWS = Number(process.env.BENCH_WEB_BULK ?? 10_000);
const SYNC_ROWS = Number(process.env.BENCH_WEB_SYNC ?? 10_000);
const COLD_ROWS = Number(process.env.BENCH_WEB_COLD ?? 1_000);

async function enterLatency(h: Harness): Promise<number[]> {
  const d = await h.device();
  await signIn(d.page, h.baseUrl, `bench-enter-${Date.now()}@example.com`, PASSWORD, true);
  const input = d.page.getByLabel('New task');
  const samples: number[] = [];
  for (let i = 0; i < ENTER_TASKS; i++) {
    const title = `Latency task ${i}`;
    await input.fill(title);
    const result = d.page.evaluate(enterProbe, {
      list: 'ul[aria-label="Tasks"]',
      row: 'li .task-title',
      title,
    });
    await input.press('Enter');
    samples.push(await result);
  }
  await d.context.close();
  return samples;
}

async function bulkVersusRaw(h: Harness): Promise<{ bulkMs: number; rawMs: number }> {
  const d = await h.device();
  await d.page.goto(`${h.baseUrl}/bench.html`);
  await d.page.waitForFunction(() => 'bench' in window || '__bench' in window);
  const call = (fn: 'bulkCreate' | 'rawInsert') =>
    d.page.evaluate(([f, n]) => (window as any).__bench[f](n) as Promise<{ ms: number }>, [
      fn,
      BULK_ROWS,
    ] as const);
  await call('rawInsert'); // warm up both paths (wasm compile, OPFS pool)
  await d.page.evaluate((n) => (window as any).__bench.bulkCreate(n), 100);
  const bulk = await call('bulkCreate');
  const raw = await call('rawInsert');
  await d.context.close();
  return { bulkMs: bulk.ms, rawMs: raw.ms };
}

async function waitForRows(page: Page, n: number): Promise<number> {
  const handle = await page.waitForFunction(
    (want) => {
      const rows = document.querySelectorAll('ul[aria-label="Tasks"] > li').length;
      return rows >= want ? performance.now() : false;
    },
    n,
    { polling: 'raf', timeout: 300_000 },
  );
  return (await handle.jsonValue()) as number;
}

async function initialSync(h: Harness): Promise<number> {
  const email = `bench-sync-${Date.now()}@example.com`;
  await seedUser(h.baseUrl, email, SYNC_ROWS);
  const d = await h.device();
  await signIn(d.page, h.baseUrl, email, PASSWORD, false);
  const started = await d.page.evaluate(() => performance.now());
  const handle = await d.page.waitForFunction(
    () => {
      const e = (window as any).__selftracker.engine;
      return e?.status.lastSyncedAt ? performance.now() : false;
    },
    undefined,
    { polling: 50, timeout: 300_000 },
  );
  const done = (await handle.jsonValue()) as number;
  const count = await d.page.evaluate(
    async () => (await (window as any).__selftracker.engine.tasks.list()).length,
  );
  if (count !== SYNC_ROWS) throw new Error(`initial sync brought ${count} rows, expected ${SYNC_ROWS}`);
  await d.context.close();
  return done - started;
}

/** Navigation → the first rows painted, and → all of them in the list (a long list is built over a few frames). */
async function coldStart(h: Harness): Promise<{ first: number; all: number }> {
  const email = `bench-cold-${Date.now()}@example.com`;
  await seedUser(h.baseUrl, email, COLD_ROWS);
  const d = await h.device();
  await signIn(d.page, h.baseUrl, email, PASSWORD, false);
  await waitForRows(d.page, COLD_ROWS);
  await d.page.close();
  const first: number[] = [];
  const all: number[] = [];
  for (let i = 0; i < 3; i++) {
    const page = await d.context.newPage();
    await page.goto(h.baseUrl);
    first.push(await waitForRows(page, 1)); // performance.now() counts from navigation start
    all.push(await waitForRows(page, COLD_ROWS));
    await page.close();
  }
  await d.context.close();
  return { first: pct(first, 50), all: pct(all, 50) };
}

/** Runs each measure in turn and prints its figure at once: one measure failing does not lose the others. */
async function main() {
  console.log(`bench:web on ${describeChromium()}`);
  const h = await startHarness();
  const m = measures();
  const { measure } = m;
  try {
    await measure(
      'transfer of the sign-in screen (first visit, no cache): encoded / decoded bytes',
      async () => {
        const d = await h.device();
        await d.page.goto(h.baseUrl);
        await d.page.getByLabel('Email').waitFor();
        const entries = await d.page.evaluate(() =>
          performance.getEntriesByType('resource').map((e) => {
            const r = e as PerformanceResourceTiming;
            return { name: new URL(r.name).pathname, encoded: r.encodedBodySize, decoded: r.decodedBodySize };
          }),
        );
        await d.context.close();
        const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
        const total = entries.reduce(
          (a, e) => ({ encoded: a.encoded + e.encoded, decoded: a.decoded + e.decoded }),
          {
            encoded: 0,
            decoded: 0,
          },
        );
        const big = entries
          .filter((e) => e.decoded > 50_000)
          .map((e) => `${e.name.split('/').pop()} ${kb(e.encoded)} of ${kb(e.decoded)}`);
        return `${kb(total.encoded)} transferred for ${kb(total.decoded)} (${entries.length} files; ${big.join(', ')})`;
      },
    );
    await measure(`Enter in "New task" → row painted (${ENTER_TASKS} tasks)`, async () => {
      const latency = await enterLatency(h);
      return `p50 ${pct(latency, 50).toFixed(1)} ms, p95 ${pct(latency, 95).toFixed(1)} ms`;
    });
    await measure(
      `bulkCreate ${BULK_ROWS.toLocaleString('en-US')} tasks, one transaction, web driver`,
      async () => {
        const { bulkMs, rawMs } = await bulkVersusRaw(h);
        const ratio = rawMs / bulkMs; // engine rows/s over raw rows/s
        return (
          `${rate(BULK_ROWS, bulkMs)} rows/s (${bulkMs.toFixed(0)} ms); raw sqlite-wasm in the same worker ` +
          `${rate(BULK_ROWS, rawMs)} rows/s (${rawMs.toFixed(0)} ms); engine/raw = ${ratio.toFixed(3)}`
        );
      },
    );
    await measure(
      `initial sync of ${SYNC_ROWS.toLocaleString('en-US')} rows into a fresh browser`,
      async () => {
        const syncMs = await initialSync(h);
        return `${rate(SYNC_ROWS, syncMs)} rows/s (${syncMs.toFixed(0)} ms)`;
      },
    );
    await measure(
      `cold start with ${COLD_ROWS.toLocaleString('en-US')} tasks: navigation → first rows painted / all listed (median of 3)`,
      async () => {
        const { first, all } = await coldStart(h);
        return `${first.toFixed(0)} ms / ${all.toFixed(0)} ms`;
      },
    );
    m.table();
  } finally {
    await h.close();
  }
  if (m.failed) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
