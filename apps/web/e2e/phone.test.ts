/**
 * The phone layout (issue #14 point 6) in a real Chromium at 390×844: below 700 px a bottom tab bar (a tablist
 * "Sections" with Tasks, Projects and Time) shows one section at a time, the header is one compact row (Sign out
 * moves into the Account dialog, Sync now becomes an icon keeping its name), targets are at least 44 px, nothing
 * scrolls sideways; at 1280 px the tab bar is gone and every section shows.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addTask,
  type Device,
  describeChromium,
  type Harness,
  screenshot,
  signIn,
  startHarness,
} from './harness.ts';

const PASSWORD = 'correct horse battery';
const tab = (page: Page, name: string) =>
  page.getByRole('tablist', { name: 'Sections' }).getByRole('tab', { name, exact: true });
const tasksList = (page: Page) => page.getByRole('list', { name: 'Tasks', exact: true });
const projectsHeading = (page: Page) => page.getByRole('heading', { name: 'Projects', exact: true });
const timeHeading = (page: Page) => page.getByRole('heading', { name: 'Time', exact: true });
const height = async (l: Locator) => (await l.boundingBox())?.height ?? 0;

describe('phone layout in Chromium', () => {
  let h: Harness;
  let a: Device;

  beforeAll(async () => {
    console.log(`browser tests use ${describeChromium()}`);
    h = await startHarness();
    a = await h.device();
    await a.page.setViewportSize({ width: 390, height: 844 });
    await signIn(a.page, h.baseUrl, `phone-${Date.now()}@example.com`, PASSWORD, true);
    await addTask(a.page, 'Buy milk');
    await addTask(a.page, 'Call the plumber');
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('shows one section at a time, chosen in the bottom tab bar', async () => {
    const { page } = a;
    await expect.poll(() => tab(page, 'Tasks').getAttribute('aria-selected')).toBe('true');
    expect(await tasksList(page).isVisible()).toBe(true);
    expect(await projectsHeading(page).isVisible()).toBe(false);
    expect(await timeHeading(page).isVisible()).toBe(false);
    // The tab bar sits at the bottom edge of the screen.
    const bar = await page.getByRole('tablist', { name: 'Sections' }).boundingBox();
    expect(bar!.y + bar!.height).toBeCloseTo(844, 0);
    await screenshot(page, 'phone-tasks');

    await tab(page, 'Projects').click();
    await projectsHeading(page).waitFor();
    expect(await tasksList(page).isVisible()).toBe(false);
    await page.getByLabel('New project').fill('Home');
    await page.getByLabel('New project').press('Enter');
    await page.getByRole('list', { name: 'Projects' }).getByText('Home', { exact: true }).waitFor();
    await screenshot(page, 'phone-projects');
    // Picking a project shows its tasks.
    await page.getByRole('list', { name: 'Projects' }).getByText('Home', { exact: true }).click();
    await page.getByLabel('New task').waitFor();
    expect(await tab(page, 'Tasks').getAttribute('aria-selected')).toBe('true');
    expect(await projectsHeading(page).isVisible()).toBe(false);
    await tab(page, 'Projects').click();
    await page.getByRole('list', { name: 'Projects' }).getByText('All projects').click();
    await tasksList(page).getByText('Buy milk').waitFor();

    await tab(page, 'Time').click();
    await timeHeading(page).waitFor();
    expect(await tasksList(page).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Start timer' }).isVisible()).toBe(true);
    await screenshot(page, 'phone-time');

    // The tabs keyboard pattern: arrows move and select, the selected tab is the one Tab stop.
    await tab(page, 'Time').focus();
    await page.keyboard.press('ArrowRight');
    expect(await tab(page, 'Tasks').getAttribute('aria-selected')).toBe('true');
    expect(await tab(page, 'Tasks').evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('ArrowLeft');
    expect(await tab(page, 'Time').getAttribute('aria-selected')).toBe('true');
    await tab(page, 'Tasks').click();
    expect(a.errors).toEqual([]);
  });

  it('has a one-row header and 44 px targets, and never scrolls sideways', async () => {
    const { page } = a;
    const header = page.locator('header.topbar');
    expect(await height(header)).toBeLessThanOrEqual(60);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(false);
    const syncNow = page.getByRole('button', { name: 'Sync now' });
    expect(await syncNow.isVisible()).toBe(true);
    for (const target of [
      syncNow,
      page.getByRole('button', { name: 'Account' }),
      tab(page, 'Tasks'),
      page.getByLabel('New task'),
      page.getByRole('button', { name: 'Edit' }).first(),
      page.getByRole('checkbox', { name: 'Done' }).first(),
    ]) {
      const box = await target.boundingBox();
      expect(box!.height).toBeGreaterThanOrEqual(44);
      expect(box!.width).toBeGreaterThanOrEqual(44);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // Sign out lives in the Account dialog here.
    await page.getByRole('button', { name: 'Account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Account' });
    expect(await dialog.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    await screenshot(page, 'phone-account');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('at desktop width the tab bar is gone and every section shows', async () => {
    const { page } = a;
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(await page.getByRole('tablist', { name: 'Sections' }).isVisible()).toBe(false);
    expect(await tasksList(page).isVisible()).toBe(true);
    expect(await projectsHeading(page).isVisible()).toBe(true);
    expect(await timeHeading(page).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    await screenshot(page, 'desktop-all-sections');
    expect(a.errors).toEqual([]);
  });
});
