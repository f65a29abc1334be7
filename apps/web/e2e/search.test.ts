/**
 * Search (issue #14) in a real Chromium against the real server: the "Search" field filters the list `Tasks` as
 * it is typed, over titles and descriptions, by word prefix, accents and case folded (SQLite FTS5 in the web
 * driver's sqlite-wasm); `/` focuses it, Escape and "Clear" empty it, it works offline, and a task synced from
 * another device is found without a reload.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addTask,
  type Device,
  describeChromium,
  type Harness,
  screenshot,
  signIn,
  startHarness,
  syncStatus,
  taskRow,
  waitForOfflineShell,
} from './harness.ts';

const PASSWORD = 'correct horse battery';
const poll = { timeout: 10_000, interval: 100 };

const searchField = (page: Page) => page.getByRole('searchbox', { name: 'Search', exact: true });
const tasksList = (page: Page) => page.getByRole('list', { name: 'Tasks', exact: true });
/** Every title shown in the list `Tasks`, top to bottom. */
const shownTitles = (page: Page) => tasksList(page).locator('li:visible .task-title').allTextContents();
const isFocused = (page: Page) => searchField(page).evaluate((el) => el === document.activeElement);

describe('search in Chromium', () => {
  let h: Harness;
  let a: Device;
  const email = `search-${Date.now()}@example.com`;

  beforeAll(async () => {
    console.log(`browser tests use ${describeChromium()}`);
    h = await startHarness();
    a = await h.device();
    const { page } = a;
    await signIn(page, h.baseUrl, email, PASSWORD, true);
    for (const t of ['Write report', 'Café with Zoë', 'Buy milk', 'Call the plumber', 'Repaint the door']) {
      await addTask(page, t);
    }
    const row = taskRow(page, 'Buy milk');
    await row.getByRole('button', { name: 'Edit' }).click();
    await row.getByLabel('Description').fill('oat milk for the quarterly report meeting');
    await row.getByRole('button', { name: 'Save' }).click();
    await row.filter({ hasText: 'quarterly report' }).waitFor();
    await taskRow(page, 'Call the plumber').getByRole('checkbox', { name: 'Done' }).check();
    await page.getByRole('button', { name: 'Completed (1)' }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('filters the list as it is typed: titles and descriptions, best match first, by prefix', async () => {
    const { page } = a;
    const all = await shownTitles(page);
    expect(all).toHaveLength(5);
    await searchField(page).fill('report');
    await expect.poll(() => shownTitles(page), poll).toEqual(['Write report', 'Buy milk']); // title, then description
    await searchField(page).fill('');
    // Typed key by key, the last word matches as a prefix at every step.
    await searchField(page).pressSequentially('rep');
    await expect
      .poll(() => shownTitles(page), poll)
      .toEqual(['Write report', 'Repaint the door', 'Buy milk']);
    await searchField(page).pressSequentially('o');
    await expect.poll(() => shownTitles(page), poll).toEqual(['Write report', 'Buy milk']);
    await searchField(page).fill('quarterly rep');
    await expect.poll(() => shownTitles(page), poll).toEqual(['Buy milk']);
    await screenshot(page, 'search-prefix');
    expect(a.errors).toEqual([]);
  });

  it('folds accents and case, keeps done matches after the open ones, and says when nothing matches', async () => {
    const { page } = a;
    await searchField(page).fill('CAFE ZOE');
    await expect.poll(() => shownTitles(page), poll).toEqual(['Café with Zoë']);
    await searchField(page).fill('plumb');
    await expect.poll(() => shownTitles(page), poll).toEqual(['Call the plumber']); // done, still found
    expect(await page.getByText('No open tasks match “plumb”').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Completed (1)' }).count()).toBe(1);
    await searchField(page).fill('zebra');
    await page.getByText('No tasks match “zebra”', { exact: true }).waitFor();
    expect(await tasksList(page).getByRole('listitem').count()).toBe(0);
    // The text is data: quotes, operators and brackets never break the search.
    const cases: [string, string[] | 'all'][] = [
      ['"', 'all'], // no word: the whole list
      ['*', 'all'],
      ['report"', ['Write report', 'Buy milk']],
      ['-milk', ['Buy milk']],
      ['(oat', ['Buy milk']],
      ['AND', []],
      ['milk OR', []],
      ['title:milk', []],
    ];
    for (const [text, expected] of cases) {
      await searchField(page).fill(text);
      if (expected === 'all') {
        await expect.poll(async () => (await shownTitles(page)).length, poll).toBe(5);
      } else {
        await expect.poll(() => shownTitles(page), poll).toEqual(expected);
        if (expected.length === 0)
          await page.getByText(`No tasks match “${text}”`, { exact: true }).waitFor();
      }
    }
    expect(a.errors).toEqual([]);
  });

  it('Escape and "Clear" empty the field and bring the whole list back', async () => {
    const { page } = a;
    await searchField(page).fill('milk');
    await expect.poll(() => shownTitles(page), poll).toEqual(['Buy milk']);
    await searchField(page).press('Escape');
    expect(await searchField(page).inputValue()).toBe('');
    await expect.poll(async () => (await shownTitles(page)).length, poll).toBe(5);
    await searchField(page).fill('door');
    await expect.poll(() => shownTitles(page), poll).toEqual(['Repaint the door']);
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    expect(await searchField(page).inputValue()).toBe('');
    expect(await isFocused(page)).toBe(true);
    await expect.poll(async () => (await shownTitles(page)).length, poll).toBe(5);
    expect(await page.getByRole('button', { name: 'Clear', exact: true }).count()).toBe(0);
  });

  it('"/" focuses the search, except while typing in a text field', async () => {
    const { page } = a;
    await page.getByRole('heading', { name: 'Tasks' }).click(); // the focus out of any field
    await page.keyboard.press('/');
    expect(await isFocused(page)).toBe(true);
    expect(await searchField(page).inputValue()).toBe(''); // the slash is not typed
    // From a checkbox too (not a text field).
    await taskRow(page, 'Write report').getByRole('checkbox', { name: 'Done' }).focus();
    await page.keyboard.press('/');
    expect(await isFocused(page)).toBe(true);
    // In "New task", "/" is a character.
    await page.getByLabel('New task').fill('');
    await page.getByLabel('New task').press('/');
    expect(await page.getByLabel('New task').inputValue()).toBe('/');
    expect(await isFocused(page)).toBe(false);
    await page.getByLabel('New task').fill('');
  });

  it('works offline, a task added offline included', async () => {
    const { page, context } = a;
    await waitForOfflineShell(page);
    await context.setOffline(true);
    await expect.poll(() => syncStatus(page).textContent(), poll).toContain('Offline');
    await addTask(page, 'Offline errand to the pharmacy');
    await searchField(page).fill('pharm');
    await expect.poll(() => shownTitles(page), poll).toEqual(['Offline errand to the pharmacy']);
    await searchField(page).fill('cafe');
    await expect.poll(() => shownTitles(page), poll).toEqual(['Café with Zoë']);
    await screenshot(page, 'search-offline');
    await searchField(page).fill('');
    // Its sync once back online is app.test.ts's business. Not waited for here: a round that ran into the very
    // switch back online ("Failed to fetch") was seen to leave the app at "Server unreachable · 1 pending",
    // its retry time passed and no round run for 30 s (a sync-loop issue, open).
    await context.setOffline(false);
    expect(a.errors).toEqual([]);
  }, 60_000);

  it('finds a task synced from another device, without a reload', async () => {
    const b = await h.device();
    await signIn(b.page, h.baseUrl, email, PASSWORD, false);
    await taskRow(b.page, 'Write report').waitFor({ timeout: 10_000 });
    const { page } = a;
    await searchField(page).fill('dentist');
    await page.getByText('No tasks match “dentist”', { exact: true }).waitFor();
    await addTask(b.page, 'Dentist appointment');
    await expect.poll(() => shownTitles(page), poll).toEqual(['Dentist appointment']);
    // Edited there, found here by its new words.
    const row = taskRow(b.page, 'Dentist appointment');
    await row.getByRole('button', { name: 'Edit' }).click();
    await row.getByLabel('Description').fill('bring the x-ray');
    await row.getByRole('button', { name: 'Save' }).click();
    await searchField(page).fill('x-ray');
    await expect.poll(() => shownTitles(page), poll).toEqual(['Dentist appointment']);
    await screenshot(page, 'search');
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  }, 60_000);

  it('fits a phone screen', async () => {
    const { page } = a;
    await page.setViewportSize({ width: 390, height: 844 });
    await searchField(page).fill('report');
    await expect.poll(() => shownTitles(page), poll).toEqual(['Write report', 'Buy milk']);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'search-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
  });
});
