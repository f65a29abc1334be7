/**
 * Undo, keyboard shortcuts and the projects sidebar (issue #14 points 3, 4 and 8) in a real Chromium against the
 * real server, with a second device on the same account: a deleted task comes back with Undo and was never
 * deleted on the server; a delete whose toast expires (or whose page is reloaded first) reaches the other device;
 * completing is undone to the status it had; n, j/k, x, e, t, z and ? work; an archived project's tasks leave
 * "All projects"; every project shows its open tasks and long names are not cut off.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addTask,
  type Device,
  describeChromium,
  type Harness,
  SCREENSHOT_DIR,
  screenshot,
  signIn,
  startHarness,
  syncStatus,
  taskRow,
} from './harness.ts';

const PASSWORD = 'correct horse battery';
const poll = { timeout: 10_000, interval: 100 };
/** Past the toast's 6 s. */
const expiry = { timeout: 15_000, interval: 200 };

const toast = (page: Page) => page.getByRole('status', { name: 'Notice' });
const undoButton = (page: Page) => toast(page).getByRole('button', { name: 'Undo', exact: true });
const projectsList = (page: Page) => page.getByRole('list', { name: 'Projects' });
/** A project's button in the sidebar, named "Work, 3 open" (after its tags, if any). */
const projectButton = (page: Page, name: string) =>
  projectsList(page).getByRole('button', {
    name: new RegExp(`^${name}(?:\\s*(?:archived|Not synced))*\\s*, \\d+ open$`),
  });
/** A button of a project's "⋯" menu (opened first). */
async function projectAction(page: Page, project: string, action: string) {
  const menu = page.getByLabel(`Actions for ${project}`, { exact: true }); // a <summary>
  await menu.click();
  await projectsList(page)
    .getByRole('listitem')
    .filter({ has: menu })
    .getByRole('button', { name: action, exact: true })
    .click();
}
/** The title of the selected row in the list `Tasks`, or null. */
const selectedTitle = (page: Page) =>
  page.evaluate(
    () =>
      document.querySelector('ul[aria-label="Tasks"] li[aria-current="true"] .task-title')?.textContent ??
      null,
  );
/** The title of the row that has the focus (the row itself), or null. */
const focusedRowTitle = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el?.matches('li[data-task-id]') ? (el.querySelector('.task-title')?.textContent ?? null) : null;
  });
const focusedLabel = (page: Page) =>
  page.evaluate(
    () => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent,
  );

/** Puts the focus nowhere in particular (the page's body), where single-key shortcuts act. */
async function focusBody(page: Page) {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

async function waitSynced(page: Page) {
  await syncStatus(page).filter({ hasText: 'Synced' }).waitFor({ timeout: 10_000 });
}

describe('undo, keyboard shortcuts and projects in Chromium', () => {
  let h: Harness;
  let a: Device;
  let b: Device;
  const email = `undo-${Date.now()}@example.com`;

  beforeAll(async () => {
    console.log(`browser tests use ${describeChromium()}`);
    h = await startHarness();
    a = await h.device();
    b = await h.device();
    await signIn(a.page, h.baseUrl, email, PASSWORD, true);
    await waitSynced(a.page);
    await signIn(b.page, h.baseUrl, email, PASSWORD, false);
    for (const t of ['Buy milk', 'Call Alice', 'Write report']) await addTask(a.page, t);
    await taskRow(b.page, 'Write report').waitFor({ timeout: 10_000 });
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('Undo brings a deleted task back, and the delete never reached the server', async () => {
    const { page } = a;
    await taskRow(page, 'Buy milk').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => taskRow(page, 'Buy milk').count(), poll).toBe(0);
    expect(await toast(page).textContent()).toBe("Task 'Buy milk' deletedUndo");
    await screenshot(page, 'undo-toast-desktop');
    await undoButton(page).click();
    await taskRow(page, 'Buy milk').waitFor();
    expect(await toast(page).textContent()).toBe('');
    // The focus is back on the row, not lost with the toast's button.
    await expect.poll(() => focusedLabel(page), poll).toBe('Done');

    // Long past the toast's time and a sync round, both devices and the server still have it.
    await page.waitForTimeout(7000);
    await waitSynced(page);
    await b.page.reload();
    await taskRow(b.page, 'Write report').waitFor();
    expect(await taskRow(b.page, 'Buy milk').count()).toBe(1);
    expect(await taskRow(page, 'Buy milk').count()).toBe(1);
    expect(a.errors).toEqual([]);
  });

  it('a delete whose toast expires reaches the other device', async () => {
    const { page } = a;
    await addTask(page, 'Old receipt');
    await taskRow(b.page, 'Old receipt').waitFor({ timeout: 10_000 });
    await taskRow(page, 'Old receipt').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => toast(page).textContent(), poll).toContain("Task 'Old receipt' deleted");
    // Not yet sent: the other device still has it while the toast shows.
    expect(await taskRow(b.page, 'Old receipt').count()).toBe(1);
    await expect.poll(() => toast(page).textContent(), expiry).toBe('');
    await expect.poll(() => taskRow(b.page, 'Old receipt').count(), poll).toBe(0);
    expect(await taskRow(page, 'Old receipt').count()).toBe(0);
  });

  it('a delete still waiting when the page reloads is written at the next start', async () => {
    const { page } = a;
    await addTask(page, 'Reloaded away');
    await taskRow(b.page, 'Reloaded away').waitFor({ timeout: 10_000 });
    await taskRow(page, 'Reloaded away').getByRole('button', { name: 'Delete' }).click();
    await undoButton(page).waitFor();
    await page.reload();
    await taskRow(page, 'Write report').waitFor();
    expect(await taskRow(page, 'Reloaded away').count()).toBe(0);
    await expect.poll(() => taskRow(b.page, 'Reloaded away').count(), poll).toBe(0);
  });

  it('Undo of a completion puts back the status the task had', async () => {
    const { page } = a;
    const input = page.getByLabel('New task');
    await input.fill('Fix the bike !doing');
    await input.press('Enter');
    const row = taskRow(page, 'Fix the bike');
    await row.waitFor();
    expect(await row.textContent()).toContain('In progress');
    await row.getByRole('checkbox', { name: 'Done' }).check();
    await expect.poll(() => toast(page).textContent(), poll).toBe("Task 'Fix the bike' completedUndo");
    await undoButton(page).click();
    await expect.poll(() => row.getByRole('checkbox', { name: 'Done' }).isChecked(), poll).toBe(false);
    await expect.poll(() => row.textContent(), poll).toContain('In progress');
    await waitSynced(page);
    const other = taskRow(b.page, 'Fix the bike');
    await expect.poll(() => other.textContent(), poll).toContain('In progress');
    expect(await other.getByRole('checkbox', { name: 'Done' }).isChecked()).toBe(false);
  });

  it('n focuses New task; j/k select rows; x completes, z undoes; e edits; t starts and stops a timer', async () => {
    const { page } = a;
    await focusBody(page);
    await page.keyboard.press('n');
    expect(await focusedLabel(page)).toBe('New task');
    expect(await page.getByLabel('New task').inputValue()).toBe(''); // the n was not typed
    await page.keyboard.type('jk'); // typed in a text field: no shortcut
    expect(await page.getByLabel('New task').inputValue()).toBe('jk');
    await page.getByLabel('New task').fill('');

    await focusBody(page);
    const open = await page
      .getByRole('list', { name: 'Tasks', exact: true })
      .locator('li.task-item:not(.done) .task-title')
      .allTextContents();
    // The selection is where the last click left it; k past the top stays at the top.
    for (const _ of open) await page.keyboard.press('k');
    expect(await selectedTitle(page)).toBe(open[0]);
    expect(await focusedRowTitle(page)).toBe(open[0]);
    await page.keyboard.press('j');
    expect(await selectedTitle(page)).toBe(open[1]);
    expect(await focusedRowTitle(page)).toBe(open[1]);
    expect(await page.locator('li[aria-current="true"]').count()).toBe(1);
    await page.keyboard.press('k');
    expect(await selectedTitle(page)).toBe(open[0]);
    await screenshot(page, 'keys-selected-desktop');

    const title = open[0]!;
    await page.keyboard.press('x');
    await expect
      .poll(() => taskRow(page, title).getByRole('checkbox', { name: 'Done' }).isChecked(), poll)
      .toBe(true);
    await expect.poll(() => toast(page).textContent(), poll).toContain(`Task '${title}' completed`);
    await page.keyboard.press('z');
    await expect
      .poll(() => taskRow(page, title).getByRole('checkbox', { name: 'Done' }).isChecked(), poll)
      .toBe(false);
    expect(await toast(page).textContent()).toBe('');

    // e: the selected row's editor opens with the focus in its title.
    await taskRow(page, title).focus();
    await page.keyboard.press('e');
    const field = taskRow(page, title).getByLabel('Title');
    await expect.poll(() => field.evaluate((el) => el === document.activeElement), poll).toBe(true);
    expect(await field.inputValue()).toBe(title);
    await page.keyboard.press('Escape');
    await expect.poll(() => taskRow(page, title).getByLabel('Title').count(), poll).toBe(0);

    // t: a timer on the selected task; t again stops it.
    await taskRow(page, title).focus();
    await page.keyboard.press('t');
    await page.getByRole('timer').waitFor();
    expect(await page.getByRole('region', { name: 'Timer' }).textContent()).toContain(title);
    await page.keyboard.press('t');
    await page.getByRole('button', { name: 'Start timer' }).waitFor();
    expect(await page.getByRole('timer').count()).toBe(0);
    expect(a.errors).toEqual([]);
  });

  it('? and the header button open the Keyboard shortcuts dialog; Escape and Close close it', async () => {
    const { page } = a;
    await taskRow(page, 'Write report').focus();
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts', exact: true });
    await dialog.waitFor();
    const text = await dialog.textContent();
    for (const k of ['n', 'j', 'k', 'x', 'e', 't', '?', 'Ctrl+Z']) expect(text).toContain(k);
    expect(text).toContain('Select the next task');
    // Keys inside the dialog are not shortcuts: j does not move the selection behind it.
    await page.keyboard.press('j');
    expect(await selectedTitle(page)).toBe('Write report');
    await screenshot(page, 'shortcuts-dialog-desktop');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count(), poll).toBe(0);
    expect(await focusedRowTitle(page)).toBe('Write report');

    const opener = page.getByRole('button', { name: 'Keyboard shortcuts' });
    await opener.click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => dialog.count(), poll).toBe(0);
    expect(await opener.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('shows open-task counts; archiving a project takes its tasks out of All projects; deleting one is undoable', async () => {
    const { page } = a;
    const longName = 'Household administration and paperwork';
    for (const name of ['Errands', longName, 'Scratch']) {
      await page.getByLabel('New project').fill(name);
      await page.getByLabel('New project').press('Enter');
      await projectButton(page, name).waitFor();
      // The field empties once the project is written (it shows before, optimistically).
      await expect.poll(() => page.getByLabel('New project').inputValue(), poll).toBe('');
    }
    const input = page.getByLabel('New task');
    for (const t of [
      'Post letter #Errands',
      'Buy stamps #Errands',
      'File taxes #"Household administration and paperwork"',
    ]) {
      await input.fill(t);
      await input.press('Enter');
    }
    await taskRow(page, 'File taxes').waitFor();
    const allCount = async () =>
      Number((await projectButton(page, 'All projects').textContent())?.match(/(\d+) open$/)?.[1]);
    await expect.poll(() => projectButton(page, 'Errands').textContent(), poll).toBe('Errands2, 2 open');
    const before = await allCount();
    expect(before).toBe(
      await page.getByRole('list', { name: 'Tasks', exact: true }).locator('li.task-item:not(.done)').count(),
    );

    // The long name is whole on screen at 1280 px (wrapped, not cut), and in the tooltip.
    const long = projectButton(page, longName);
    expect(await long.getAttribute('title')).toBe(longName);
    const name = long.locator('.project-name');
    expect(await name.textContent()).toBe(longName);
    expect(await name.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await screenshot(page, 'projects-counts-desktop');

    // Archive Errands: its tasks leave All projects, and stay listed under Errands itself.
    await projectAction(page, 'Errands', 'Archive');
    await expect.poll(() => taskRow(page, 'Post letter').count(), poll).toBe(0);
    expect(await taskRow(page, 'File taxes').count()).toBe(1);
    await expect.poll(allCount, poll).toBe(before - 2);
    await page.getByRole('checkbox', { name: 'Show archived' }).check();
    await projectButton(page, 'Errands').click();
    await taskRow(page, 'Post letter').waitFor();
    await taskRow(page, 'Buy stamps').waitFor();
    await projectButton(page, 'All projects').click();
    await expect.poll(() => taskRow(page, 'Post letter').count(), poll).toBe(0);

    // Delete a project, then Undo: it is back, on the other device too.
    await projectAction(page, 'Scratch', 'Delete project');
    await expect.poll(() => projectButton(page, 'Scratch').count(), poll).toBe(0);
    expect(await toast(page).textContent()).toBe("Project 'Scratch' deletedUndo");
    await undoButton(page).click();
    await projectButton(page, 'Scratch').waitFor();
    await page.waitForTimeout(7000);
    await waitSynced(page);
    await projectButton(b.page, 'Scratch').waitFor({ timeout: 10_000 });
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it('fits a phone: the toast and the sidebar at 390×844', async () => {
    const { page } = a;
    await page.setViewportSize({ width: 390, height: 844 });
    await taskRow(page, 'Call Alice').getByRole('button', { name: 'Delete' }).click();
    await undoButton(page).waitFor();
    const box = await toast(page).boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'undo-toast-phone.png') }); // the viewport, toast and all
    await screenshot(page, 'undo-keys-phone-full');
    await undoButton(page).click();
    await taskRow(page, 'Call Alice').waitFor();
    // No room (nor keyboard, usually) for the header button on a phone; `?` still opens the dialog.
    expect(await page.getByRole('button', { name: 'Keyboard shortcuts' }).isVisible()).toBe(false);
    await page.setViewportSize({ width: 1280, height: 860 });
  });
});
