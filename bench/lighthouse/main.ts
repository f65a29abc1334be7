/**
 * `npm run bench:lighthouse` (through bench/isolated.mjs): Lighthouse's performance category on the built web app
 * served by the real server (PGlite), with Lighthouse's default mobile settings (Moto G Power viewport, simulated
 * slow 4G: 150 ms RTT, 1.6 Mbit/s, 4× CPU slowdown), in Debian's Chromium:
 *   - the sign-in screen (`/`, a fresh profile);
 *   - the task list (`/` again, signed in with 1,000 tasks synced: storage is kept between the sign-in and the run).
 * Prints score, FCP, LCP, TBT, Speed Index, CLS and bytes transferred per page next to the aims of issue 11
 * (Performance ≥ 95, FCP ≤ 1.8 s). Knobs: LIGHTHOUSE_RUNS (3; the median run by score is shown), LIGHTHOUSE_TASKS.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';
import { buildWeb } from '../../apps/web/build/web-build.ts';
import { CHROMIUM, CHROMIUM_ARGS, signIn, startServer } from '../../apps/web/e2e/harness.ts';
import { PASSWORD, seedUser } from '../support.ts';

const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
const TASKS = Number(process.env.LIGHTHOUSE_TASKS ?? 1000);

interface Figures {
  score: number;
  fcp: number;
  lcp: number;
  tbt: number;
  si: number;
  cls: number;
  bytes: number;
  /** Main-thread time by kind of work (Lighthouse's mainthread-work-breakdown), ms. */
  mainThread: string;
}

async function audit(url: string, userDataDir: string, keepStorage: boolean): Promise<Figures> {
  mkdirSync(userDataDir, { recursive: true });
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: CHROMIUM_ARGS.filter((f) => !f.startsWith('--user-data-dir')),
    userDataDir,
  });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance'],
      disableStorageReset: keepStorage,
    });
    const lhr = result?.lhr;
    if (!lhr) throw new Error('Lighthouse returned no result');
    if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.message}`);
    const v = (id: string) => lhr.audits[id]?.numericValue ?? Number.NaN;
    return {
      score: Math.round((lhr.categories.performance?.score ?? Number.NaN) * 100),
      fcp: v('first-contentful-paint'),
      lcp: v('largest-contentful-paint'),
      tbt: v('total-blocking-time'),
      si: v('speed-index'),
      cls: v('cumulative-layout-shift'),
      bytes: v('total-byte-weight'),
      mainThread: (
        (
          lhr.audits['mainthread-work-breakdown']?.details as {
            items?: { groupLabel: string; duration: number }[];
          }
        )?.items ?? []
      )
        .slice(0, 4)
        .map((i) => `${i.groupLabel} ${Math.round(i.duration)} ms`)
        .join(', '),
    };
  } finally {
    chrome.kill();
  }
}

/** Signs in through the form in a Chromium on `userDataDir` and waits for the tasks to be listed. */
async function signedInProfile(baseUrl: string, email: string, userDataDir: string): Promise<void> {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS],
    headless: true,
  });
  try {
    const page = await context.newPage();
    await signIn(page, baseUrl, email, PASSWORD, false);
    await page.locator('ul[aria-label="Tasks"] .task-title').first().waitFor({ timeout: 60_000 });
  } finally {
    await context.close();
  }
}

const version = () =>
  (
    JSON.parse(
      readFileSync(join(import.meta.dirname, 'node_modules', 'lighthouse', 'package.json'), 'utf8'),
    ) as { version: string }
  ).version;

const median = (xs: Figures[]) => [...xs].sort((a, b) => a.score - b.score)[Math.floor(xs.length / 2)]!;

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'selftracker-lighthouse-'));
  const webDir = await buildWeb({ outDir: join(tmp, 'web'), quiet: true });
  const server = await startServer({ dataDir: join(tmp, 'data'), webDir });
  try {
    const email = `lighthouse-${Date.now()}@example.com`;
    await seedUser(server.baseUrl, email, TASKS);
    const rows: [string, Figures][] = [];
    const signInRuns: Figures[] = [];
    for (let i = 0; i < RUNS; i++)
      signInRuns.push(await audit(`${server.baseUrl}/`, join(tmp, `fresh-${i}`), false));
    rows.push(['sign-in screen (fresh profile)', median(signInRuns)]);
    const listRuns: Figures[] = [];
    for (let i = 0; i < RUNS; i++) {
      const profile = join(tmp, `signed-in-${i}`);
      await signedInProfile(server.baseUrl, email, profile);
      listRuns.push(await audit(`${server.baseUrl}/`, profile, true));
    }
    rows.push([`task list (signed in, ${TASKS.toLocaleString('en-US')} tasks)`, median(listRuns)]);

    console.log(`\nLighthouse ${version()}, mobile, simulated slow 4G; median of ${RUNS} runs by score`);
    console.log(
      '| page | Performance (aim ≥ 95) | FCP s (aim ≤ 1.8) | LCP s | TBT ms | Speed Index s | CLS | transferred KB |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const [page, f] of rows) {
      console.log(
        `| ${page} | ${f.score} | ${(f.fcp / 1000).toFixed(2)} | ${(f.lcp / 1000).toFixed(2)} | ${Math.round(f.tbt)} | ${(f.si / 1000).toFixed(2)} | ${f.cls.toFixed(3)} | ${Math.round(f.bytes / 1024)} |`,
      );
    }
    for (const [page, f] of rows) console.log(`main thread, ${page}: ${f.mainThread}`);
    console.log(
      `all runs' scores: sign-in ${signInRuns.map((f) => f.score).join(', ')}; task list ${listRuns.map((f) => f.score).join(', ')}`,
    );
  } finally {
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
