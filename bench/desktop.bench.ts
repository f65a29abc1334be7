/**
 * `npm run bench:desktop`: the built desktop app (WebKitGTK under Xvfb, through tauri-driver) against the real
 * server. Prints figures, asserts nothing.
 *   - 10,000 task creates in one bulkCreate transaction through the Tauri driver, rows/s, and the ratio to the
 *     same inserts in Rust on the same connection (bench.html; also the bare inserts through the driver), each
 *     BENCH_DESKTOP_ROUNDS (5) times alternately, medians;
 *   - latency from pressing Enter in "New task" to the row being painted, p50/p95 over BENCH_DESKTOP_TASKS (200);
 *   - cold start: launching the app (process start, webview, engine, SQLite) → 1,000 tasks listed, median of 3.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type App,
  type Browser,
  buildDesktop,
  type Display,
  field,
  launch,
  signIn,
  startDisplay,
} from '../apps/desktop/e2e/harness.ts';
import { type Harness, startHarness } from '../apps/web/e2e/harness.ts';
import { enterProbe, measures, PASSWORD, pct, rate, seedUser } from './support.ts';

const ENTER_TASKS = Number(process.env.BENCH_DESKTOP_TASKS ?? 200);
const BULK_ROWS = Number(process.env.BENCH_DESKTOP_BULK ?? 10_000);
const COLD_ROWS = Number(process.env.BENCH_DESKTOP_COLD ?? 1_000);
const ROUNDS = Number(process.env.BENCH_DESKTOP_ROUNDS ?? 5);

interface Ctx {
  binary: string;
  display: Display;
  h: Harness;
  tmp: string;
}

const start = (c: Ctx, name: string) =>
  launch({ binary: c.binary, display: c.display, dataDir: join(c.tmp, name), server: c.h.baseUrl });

type BenchFn = 'bulkCreate' | 'driverInsert' | 'rawInsert';
const call = (b: Browser, fn: BenchFn, n: number) =>
  b.execute(
    (f, rows) =>
      (window as unknown as { __bench: Record<string, (n: number) => Promise<{ ms: number }>> }).__bench[f]!(
        rows,
      ),
    fn,
    n,
  );

async function bulkVersusRaw(c: Ctx) {
  const app = await start(c, 'bulk');
  try {
    const b = app.browser;
    await b.url('tauri://localhost/bench.html');
    await b.waitUntil(() => b.execute(() => '__bench' in window), { timeout: 30_000 });
    await call(b, 'bulkCreate', 100); // warm up every path (migrations, prepared statements)
    await call(b, 'rawInsert', 100);
    await call(b, 'driverInsert', 100);
    // Alternated, ROUNDS times each, medians: one run of either varied up to 4× on this VM.
    const bulk: number[] = [];
    const raw: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bulk.push((await call(b, 'bulkCreate', BULK_ROWS)).ms);
      raw.push((await call(b, 'rawInsert', BULK_ROWS)).ms);
      bare.push((await call(b, 'driverInsert', BULK_ROWS)).ms);
    }
    const ratios = bulk.map((ms, i) => raw[i]! / ms);
    return {
      bulkMs: pct(bulk, 50),
      rawMs: pct(raw, 50),
      bareMs: pct(bare, 50),
      ratioRange: `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
    };
  } finally {
    await app.quit();
  }
}

async function enterLatency(c: Ctx): Promise<number[]> {
  const app = await start(c, 'enter');
  try {
    const b = app.browser;
    await signIn(b, `bench-enter-${Date.now()}@example.com`, PASSWORD, true, c.h.baseUrl);
    const input = await field(b, 'New task');
    const samples: number[] = [];
    for (let i = 0; i < ENTER_TASKS; i++) {
      const title = `Latency task ${i}`;
      await input.setValue(title);
      // Armed in the page (keydown's timestamp → the row's first paint), not awaited: WebDriver's round trips are not
      // timed, and the script must return before Enter is pressed.
      await b.execute(`void (${enterProbe.toString()})(arguments[0])`, {
        list: 'ul[aria-label="Tasks"]',
        row: 'li .task-title',
        title,
      });
      await input.addValue('\uE007');
      await b.waitUntil(
        async () => (await b.execute(() => (window as { __latency?: number }).__latency)) !== undefined,
        {
          timeout: 10_000,
          interval: 5,
        },
      );
      samples.push((await b.execute(() => (window as unknown as { __latency: number }).__latency)) as number);
    }
    return samples;
  } finally {
    await app.quit();
  }
}

const listed = (b: Browser) =>
  b.execute(() => document.querySelectorAll('ul[aria-label="Tasks"] > li').length);

async function coldStart(c: Ctx): Promise<number> {
  const email = `bench-cold-${Date.now()}@example.com`;
  await seedUser(c.h.baseUrl, email, COLD_ROWS);
  let app: App = await start(c, 'cold');
  await signIn(app.browser, email, PASSWORD, false, c.h.baseUrl);
  await app.browser.waitUntil(async () => (await listed(app.browser)) >= COLD_ROWS, { timeout: 300_000 });
  await app.quit();
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    app = await start(c, 'cold');
    await app.browser.waitUntil(async () => (await listed(app.browser)) >= COLD_ROWS, {
      timeout: 120_000,
      interval: 20,
    });
    samples.push(performance.now() - started);
    await app.quit();
  }
  return pct(samples, 50);
}

async function main() {
  const binary = buildDesktop();
  const ctx: Ctx = {
    binary,
    display: await startDisplay(),
    h: await startHarness(),
    tmp: mkdtempSync(join(tmpdir(), 'selftracker-bench-desktop-')),
  };
  const m = measures();
  try {
    await m.measure(
      `bulkCreate ${BULK_ROWS.toLocaleString('en-US')} tasks, one transaction, Tauri driver`,
      async () => {
        const { bulkMs, rawMs, bareMs, ratioRange } = await bulkVersusRaw(ctx);
        return (
          `${rate(BULK_ROWS, bulkMs)} rows/s (${bulkMs.toFixed(0)} ms); raw inserts in Rust on the same connection ` +
          `${rate(BULK_ROWS, rawMs)} rows/s (${rawMs.toFixed(0)} ms); engine/raw = ${(rawMs / bulkMs).toFixed(3)} (medians of ${ROUNDS}; per round ${ratioRange}); ` +
          `bare inserts through the driver ${rate(BULK_ROWS, bareMs)} rows/s (driver/raw = ${(rawMs / bareMs).toFixed(3)})`
        );
      },
    );
    await m.measure(`Enter in "New task" → row painted (${ENTER_TASKS} tasks)`, async () => {
      const latency = await enterLatency(ctx);
      return `p50 ${pct(latency, 50).toFixed(1)} ms, p95 ${pct(latency, 95).toFixed(1)} ms`;
    });
    await m.measure(
      `cold start: launch → ${COLD_ROWS.toLocaleString('en-US')} tasks listed (median of 3, WebDriver session included)`,
      async () => `${(await coldStart(ctx)).toFixed(0)} ms`,
    );
    m.table();
  } finally {
    await ctx.h.close();
    await ctx.display.stop();
    rmSync(ctx.tmp, { recursive: true, force: true });
  }
  if (m.failed) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
