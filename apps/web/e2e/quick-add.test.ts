/**
 * Quick add, the task views and the order of the list, in a real Chromium against the real server: typed dates
 * and projects with their live preview, Today / Upcoming / Overdue / All tasks, relative due dates, done tasks
 * folded under "Completed (n)", and a task added under the Done filter that is not created done (issue #14).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Device,
  describeChromium,
  type Harness,
  screenshot,
  showCompleted,
  signIn,
  startHarness,
  taskRow,
} from './harness.ts';

const poll = { timeout: 10_000, interval: 100 };

/** Types into "New task" and presses Enter, then waits for the row (unless the list will not show it). */
async function quickAdd(page: Page, text: string, title?: string) {
  const input = page.getByLabel('New task');
  await input.fill(text);
  await input.press('Enter');
  if (title) await taskRow(page, title).waitFor();
}

/** The titles of the open tasks, top to bottom (the done ones follow them in the same list). */
const openTitles = (page: Page) =>
  page
    .getByRole('list', { name: 'Tasks', exact: true })
    .locator('li.task-item:not(.done) .task-title')
    .allTextContents();

/** Every title in the list `Tasks` that is shown, top to bottom. */
const shownTitles = (page: Page) =>
  page.getByRole('list', { name: 'Tasks', exact: true }).locator('li:visible .task-title').allTextContents();

/** The browser's local date `days` from today as YYYY-MM-DD (the page's time zone decides what today is). */
const localIso = (page: Page, days: number) =>
  page.evaluate((n) => {
    const d = new Date();
    d.setDate(d.getDate() + n);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }, days);

describe('quick add and task views in Chromium', () => {
  let h: Harness;
  let d: Device;

  beforeAll(async () => {
    console.log(`browser tests use ${describeChromium()}`);
    h = await startHarness();
    d = await h.device();
    await d.page.setViewportSize({ width: 1280, height: 800 });
    await signIn(d.page, h.baseUrl, `quick-${Date.now()}@example.com`, 'correct horse battery', true);
    await d.page.getByLabel('New project').fill('Work');
    await d.page.getByLabel('New project').press('Enter');
    await d.page.getByRole('list', { name: 'Projects' }).getByText('Work').waitFor();
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('previews what was understood while typing; Enter adds the task with its date and project', async () => {
    const { page } = d;
    const preview = page.getByRole('status', { name: 'Quick add preview' });
    await page.getByLabel('New task').pressSequentially('Buy milk tomorrow #Work');
    await expect
      .poll(() => preview.textContent(), poll)
      .toMatch(/^Due Tomorrow, .+ · #Work · Title: Buy milk$/);
    await page.getByLabel('New task').press('Enter');
    const row = taskRow(page, 'Buy milk');
    await row.waitFor();
    expect(await page.getByLabel('New task').inputValue()).toBe('');
    expect(await preview.textContent()).toBe('');
    const due = row.locator('time');
    expect(await due.textContent()).toBe('Due Tomorrow'); // "Due " is for screen readers only
    expect(await due.getAttribute('datetime')).toBe(await localIso(page, 1));
    expect(await due.getAttribute('title')).toMatch(/^Due \w+day, /); // the whole date
    expect(await row.textContent()).toContain('Work');

    // It sits under project Work.
    await page.getByRole('list', { name: 'Projects' }).getByRole('button', { name: 'Work' }).click();
    await taskRow(page, 'Buy milk').waitFor();
    await quickAdd(page, 'Unfiled thought', 'Unfiled thought'); // the project filter files it under Work
    await page.getByRole('list', { name: 'Projects' }).getByRole('button', { name: 'All projects' }).click();
    expect(await taskRow(page, 'Unfiled thought').textContent()).toContain('Work');
    expect(d.errors).toEqual([]);
  });

  it('orders open tasks by due date (none last) and shows dates relative to today', async () => {
    const { page } = d;
    await quickAdd(page, `File taxes ${await localIso(page, -3)}`, 'File taxes');
    await quickAdd(page, 'Pay rent today', 'Pay rent');
    await quickAdd(page, 'Renew passport in 10 days', 'Renew passport');
    await quickAdd(page, 'Read Friday Night Lights', 'Read Friday Night Lights');
    expect(await openTitles(page)).toEqual([
      'File taxes',
      'Pay rent',
      'Buy milk',
      'Renew passport',
      'Unfiled thought',
      'Read Friday Night Lights',
    ]);
    expect(await taskRow(page, 'File taxes').locator('time').textContent()).toBe('3 days overdue');
    expect(await taskRow(page, 'Pay rent').locator('time').textContent()).toBe('Due Today');
    expect(await taskRow(page, 'Renew passport').locator('time').textContent()).toMatch(
      /^Due [A-Z][a-z]{2} \d+/,
    );
    expect(await taskRow(page, 'Read Friday Night Lights').locator('time').count()).toBe(0);
  });

  it('shows the right tasks under Today, Upcoming, Overdue and All tasks', async () => {
    const { page } = d;
    const tab = (name: string) => page.getByRole('tab', { name, exact: true });
    await tab('Today').click();
    await expect.poll(() => openTitles(page), poll).toEqual(['File taxes', 'Pay rent']);
    await screenshot(page, 'quick-add-today');
    await tab('Upcoming').click();
    await expect.poll(() => openTitles(page), poll).toEqual(['Buy milk', 'Renew passport']);
    // The arrow keys move between the tabs.
    await page.keyboard.press('ArrowRight');
    expect(await tab('Overdue').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => openTitles(page), poll).toEqual(['File taxes']);
    // Added in the Today view, a task without a date is due today.
    await tab('Today').click();
    await quickAdd(page, 'Water plants', 'Water plants');
    expect(await taskRow(page, 'Water plants').locator('time').textContent()).toBe('Due Today');
    await tab('All tasks').click();
    await expect.poll(async () => (await openTitles(page)).length, poll).toBe(7);
    expect(d.errors).toEqual([]);
  });

  it('moves a completed task to the end of the list, where "Completed (1)" folds it away (remembered)', async () => {
    const { page } = d;
    const checkbox = taskRow(page, 'Pay rent').getByRole('checkbox', { name: 'Done' });
    await checkbox.check(); // the row moves as it is checked: the same element, so check() sees it checked
    const completed = page.getByRole('button', { name: 'Completed (1)' });
    await completed.waitFor();
    expect(await completed.getAttribute('aria-expanded')).toBe('true'); // shown until folded
    expect(await openTitles(page)).not.toContain('Pay rent');
    await expect.poll(async () => (await shownTitles(page)).at(-1), poll).toBe('Pay rent'); // last, still in `Tasks`
    expect(await checkbox.evaluate((el) => el === document.activeElement)).toBe(true); // the focus went along
    const row = taskRow(page, 'Pay rent');
    expect(await row.locator('time').textContent()).toBe('Due Today'); // done: never overdue
    await screenshot(page, 'quick-add-completed');

    await completed.click();
    expect(await completed.getAttribute('aria-expanded')).toBe('false');
    await expect.poll(() => row.count(), poll).toBe(0); // folded: not shown
    expect(await shownTitles(page)).not.toContain('Pay rent');
    await page.reload();
    await page.getByRole('button', { name: 'Completed (1)' }).waitFor();
    expect(await page.getByRole('button', { name: 'Completed (1)' }).getAttribute('aria-expanded')).toBe(
      'false',
    );
    expect(await row.count()).toBe(0); // still folded after a reload
    await showCompleted(page);

    // Unchecked, it goes back among the open tasks, and the focus with it.
    await row.getByRole('checkbox', { name: 'Done' }).click();
    await expect.poll(() => openTitles(page), poll).toContain('Pay rent');
    await expect
      .poll(() =>
        taskRow(page, 'Pay rent')
          .getByRole('checkbox', { name: 'Done' })
          .evaluate((el) => el === document.activeElement),
      )
      .toBe(true);
    expect(await page.getByRole('button', { name: /^Completed/ }).count()).toBe(0);
    expect(d.errors).toEqual([]);
  });

  it('does not create a task done because the Done filter is on, and says the filter hides it', async () => {
    const { page } = d;
    await page.getByLabel('Status', { exact: true }).selectOption('done');
    await quickAdd(page, 'Call the plumber');
    await expect
      .poll(() => page.getByRole('status', { name: 'Quick add preview' }).textContent(), poll)
      .toBe('Added “Call the plumber”; this view or filter hides it.');
    await page.getByLabel('Status', { exact: true }).selectOption('');
    const row = taskRow(page, 'Call the plumber');
    await row.waitFor();
    expect(await row.getByRole('checkbox', { name: 'Done' }).isChecked()).toBe(false);
    // Typed "!done", it is done.
    await quickAdd(page, 'Sent the invoice !done');
    await page.getByRole('button', { name: 'Completed (1)' }).waitFor();
    expect(d.errors).toEqual([]);
  });

  it('has one h1, and a skip link first in the tab order that goes straight to New task', async () => {
    const { page } = d;
    await page.reload();
    await page.getByLabel('New task').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).allTextContents()).toEqual(['SelfTracker']);
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to tasks' });
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    expect(await page.getByLabel('New task').evaluate((el) => el === document.activeElement)).toBe(true);
    expect(d.errors).toEqual([]);
  });

  it('fits a phone screen', async () => {
    const { page } = d;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel('New task').fill('Dentist fri #work !doing');
    await expect
      .poll(() => page.getByRole('status', { name: 'Quick add preview' }).textContent(), poll)
      .toMatch(/^Due .+ · #Work · In progress · Title: Dentist$/);
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'quick-add-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(page, 'quick-add-desktop');
    expect(d.errors).toEqual([]);
  });
});
