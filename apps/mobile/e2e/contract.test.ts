/**
 * The driver contract on expo-sqlite, in the app's web export in Chromium (`/?contract`): every case passes
 * except the documented skip (no far side that could notice a vanished caller).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CaseResult } from '@selftracker/client/contract';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@selftracker/client/testing';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportWeb, serveStatic } from './export.ts';

let tmp: string;
let host: Awaited<ReturnType<typeof serveStatic>>;
let browser: Browser;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'selftracker-mobile-contract-'));
  const dir = process.env.SELFTRACKER_MOBILE_WEB_DIR ?? (await exportWeb(join(tmp, 'dist')));
  host = await serveStatic(dir);
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    headless: true,
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('expo-sqlite driver in the web export (Chromium)', () => {
  it('passes the driver contract', async () => {
    const page = await browser.newPage();
    await page.goto(`${host.origin}/?contract`);
    await page.waitForFunction(() => '__contractResults' in globalThis, undefined, { timeout: 120_000 });
    const results = (await page.evaluate(
      () => (globalThis as { __contractResults?: unknown }).__contractResults,
    )) as CaseResult[];
    const failed = results.filter((r) => r.status === 'failed');
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
    expect(results.filter((r) => r.status === 'passed').length).toBeGreaterThanOrEqual(15);
    expect(results.filter((r) => r.status === 'skipped').map((r) => r.name)).toEqual([
      'a transaction whose caller vanishes is rolled back and releases the database',
    ]);
  });
});
