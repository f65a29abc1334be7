/**
 * The web driver in a real Chromium (system browser via playwright-core): the shared driver contract, one
 * Vitest test per contract case (run in the page by the contract's own runner), then what a user would notice: data survives a reload and a browser
 * restart, and a second tab takes over without losing a committed write.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { type CaseResult, throwIfFailed } from '../contract/index.ts';
import { buildPage, chromiumAvailable, launch, serve } from './browser-test/harness.ts';
import type { PageApi } from './browser-test/page.ts';

type Api = PageApi;
const call = <A, R>(page: Page, fn: (st: Api, arg: A) => R, arg: A): Promise<Awaited<R>> =>
  page.evaluate(
    ([src, a]) => {
      const f = new Function(`return (${src})`)() as (st: unknown, arg: unknown) => unknown;
      return f((window as unknown as { st: unknown }).st, a);
    },
    [fn.toString(), arg] as const,
  ) as Promise<Awaited<R>>;

async function newPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e));
  await page.goto(url);
  await page.waitForFunction(() => document.title === 'ready');
  return page;
}

const available = chromiumAvailable();
// Setup runs while collecting, so each contract case found in the page becomes its own Vitest test.
const env = available ? await setUp() : undefined;

async function setUp() {
  const page = await buildPage();
  const server = await serve(page.dir);
  const browser = await launch();
  const contractPage = await newPage(browser.context, server.url);
  const names = await call(contractPage, (st) => st.contractCases(), null);
  return { page, server, browser, contractPage, names };
}

afterAll(async () => {
  await env?.browser.close();
  await env?.server.close();
  env?.page.cleanup();
});

describe.skipIf(!available)('web driver in Chromium (opfs-sahpool)', () => {
  describe('SqliteDriver contract', () => {
    for (const name of env?.names ?? []) {
      it(name, async (ctx) => {
        const r: CaseResult = await call(env!.contractPage, (st, n) => st.runContractCase(n), name);
        if (r.status === 'skipped') ctx.skip(r.reason);
        throwIfFailed(r);
        expect(r.status).toBe('passed');
      });
    }
    it('found the contract cases in the page', () => {
      expect(env!.names.length).toBeGreaterThanOrEqual(10);
    });
  });

  it('keeps committed data across a page reload and a browser restart', async () => {
    const { context, userDataDir, close } = await launch();
    let page = await newPage(context, env!.server.url);
    expect(await call(page, (st) => st.start('persist.db'), null)).toBe('ready');
    await call(
      page,
      (st) => st.exec('INSERT INTO notes (body) VALUES (?), (?)', ['first', 'émoji 🚀']),
      null,
    );
    // Reload without closing anything, as a user pressing F5 does.
    await page.reload();
    await page.waitForFunction(() => document.title === 'ready');
    expect(await call(page, (st) => st.start('persist.db'), null)).toBe('ready');
    expect(await call(page, (st) => st.query('SELECT body FROM notes ORDER BY id'), null)).toEqual([
      { body: 'first' },
      { body: 'émoji 🚀' },
    ]);
    await call(page, (st) => st.exec("INSERT INTO notes (body) VALUES ('second')"), null);
    await close();
    // A browser restart on the same profile.
    const again = await launch(userDataDir);
    try {
      page = await newPage(again.context, env!.server.url);
      expect(await call(page, (st) => st.start('persist.db'), null)).toBe('ready');
      expect(await call(page, (st) => st.query('SELECT body FROM notes ORDER BY id'), null)).toEqual([
        { body: 'first' },
        { body: 'émoji 🚀' },
        { body: 'second' },
      ]);
    } finally {
      await again.close();
    }
  });

  it('lets a second tab take over: the first one closes first, no committed write is lost', async () => {
    const { context, close } = await launch();
    try {
      const first = await newPage(context, env!.server.url);
      const second = await newPage(context, env!.server.url);
      expect(await call(first, (st) => st.start('tabs.db'), null)).toBe('ready');
      expect(await call(second, (st) => st.start('tabs.db'), null)).toBe('open-in-another-tab');
      // Without the lock, the second tab could not open the files anyway (and must not break them).
      await expect(call(second, (st) => st.openDirect('tabs.db'), null)).rejects.toThrow(
        /busy|access handle|NoModification/i,
      );

      // The first tab keeps writing while the second asks to take over.
      await call(first, (st) => st.startWriting('first'), null);
      expect(await call(second, (st) => st.useHere('tabs.db'), null)).toBe('ready');
      const committed = await call(first, (st) => st.written(), null);
      expect(committed).toBeGreaterThan(0);
      expect(await call(first, (st) => st.screen(), null)).toBe('moved-to-another-tab');

      const rows = await call(
        second,
        (st) => st.query("SELECT count(*) AS n FROM notes WHERE body LIKE 'first-%'"),
        null,
      );
      expect(rows).toEqual([{ n: committed }]);
      await call(second, (st) => st.exec("INSERT INTO notes (body) VALUES ('second tab')"), null);

      // And back again: the first tab asks, the second hands over.
      expect(await call(first, (st) => st.start('tabs.db'), null)).toBe('open-in-another-tab');
      expect(await call(first, (st) => st.useHere('tabs.db'), null)).toBe('ready');
      expect(await call(second, (st) => st.screen(), null)).toBe('moved-to-another-tab');
      expect(await call(first, (st) => st.query('SELECT count(*) AS n FROM notes'), null)).toEqual([
        { n: committed + 1 },
      ]);
      expect(await call(first, (st) => st.query('PRAGMA integrity_check'), null)).toEqual([
        { integrity_check: 'ok' },
      ]);
    } finally {
      await close();
    }
  });
});
