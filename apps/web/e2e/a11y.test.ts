/**
 * Accessibility (issue #14): axe-core (the engine behind Lighthouse's and Deque's checks, every rule it runs by
 * default: WCAG 2.x A/AA and best practices) finds no violation on each screen of the web app in a real Chromium
 * — sign-in, the task list with projects and time at desktop size, the Account dialog, the Keyboard shortcuts
 * dialog, the undo toast, the time entry editor, and each section of the phone layout. axe is evaluated in the page through the DevTools protocol, which the
 * page's Content-Security-Policy does not block; the app itself runs under that policy unchanged.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTask, type Device, describeChromium, type Harness, signIn, startHarness } from './harness.ts';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PASSWORD = 'correct horse battery';

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe's violations on the page as it is now, one line each with the elements it names. */
async function violations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(c: Document, o: object): Promise<{ violations: unknown[] }> } }
    ).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return (found as Violation[]).map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

describe('axe finds no violation', () => {
  let h: Harness;
  let a: Device;

  beforeAll(async () => {
    console.log(`browser tests use ${describeChromium()}`);
    h = await startHarness();
    a = await h.device();
    await a.page.setViewportSize({ width: 1280, height: 860 });
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('on the sign-in screen', async () => {
    await a.page.goto(h.baseUrl);
    await a.page.getByLabel('Email').waitFor();
    expect(await violations(a.page)).toEqual([]);
  });

  it('on the task list with projects, a due date, a done task and tracked time', async () => {
    const { page } = a;
    await signIn(page, h.baseUrl, `a11y-${Date.now()}@example.com`, PASSWORD, true);
    await page.getByLabel('New project').fill('Work');
    await page.getByLabel('New project').press('Enter');
    await addTask(page, 'Write report');
    const input = page.getByLabel('New task');
    await input.fill('Buy milk tomorrow');
    await input.press('Enter');
    await addTask(page, 'Call the plumber');
    await page.getByRole('checkbox', { name: 'Done' }).first().check();
    await page.getByRole('button', { name: 'Start timer' }).click();
    await page.getByRole('button', { name: 'Stop timer' }).click();
    await page.getByRole('list', { name: 'Time entries' }).getByRole('listitem').first().waitFor();
    expect(await violations(page)).toEqual([]);
  }, 60_000);

  it('in the Account and Keyboard shortcuts dialogs, the undo toast and the time entry editor', async () => {
    const { page } = a;
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('dialog', { name: 'Account' }).waitFor();
    expect(await violations(page)).toEqual([]);
    await page.getByRole('dialog', { name: 'Account' }).getByRole('button', { name: 'Close' }).click();

    await page.locator('body').press('?');
    const shortcuts = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await shortcuts.waitFor();
    expect(await violations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await shortcuts.waitFor({ state: 'hidden' });

    // The undo toast after a delete.
    await page
      .getByRole('list', { name: 'Tasks', exact: true })
      .getByRole('button', { name: 'Delete' })
      .first()
      .click();
    await page.getByRole('button', { name: 'Undo' }).waitFor();
    expect(await violations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Undo' }).click();

    const entries = page.getByRole('list', { name: 'Time entries' });
    await entries.getByRole('button', { name: 'Edit' }).first().click();
    await page.getByRole('button', { name: 'Cancel' }).waitFor();
    expect(await violations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('in each section of the phone layout', async () => {
    const { page } = a;
    await page.setViewportSize({ width: 390, height: 844 });
    const tabs = page.getByRole('tablist', { name: 'Sections' });
    for (const name of ['Tasks', 'Projects', 'Time']) {
      await tabs.getByRole('tab', { name, exact: true }).click();
      expect(await violations(page), name).toEqual([]);
    }
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(a.errors).toEqual([]);
  });
});
