/**
 * The time section (issue #14 point 5) in a real Chromium against the real server: an entry added by hand, its
 * start, end and note edited (a bad end refused with an alert, nothing saved), the totals following; the list
 * `Time entries` with an Edit button on each entry; the range (This week, Last week, custom From/To) driving the
 * list, the totals and the hours-per-day chart; "Export CSV" of the range (formulas neutralised); screenshots at
 * desktop and phone size.
 */
import { readFileSync } from 'node:fs';
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
  syncStatus,
} from './harness.ts';

const PASSWORD = 'correct horse battery';
const poll = { timeout: 10_000, interval: 100 };
const DAY = 86_400_000;

const pad = (n: number) => String(n).padStart(2, '0');
/** A local day `daysAgo` days before today, at `h:m`, as a datetime-local value and as a date value. */
function local(daysAgo: number, h: number, m = 0) {
  const d = new Date(Date.now() - daysAgo * DAY);
  d.setHours(h, m, 0, 0);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return { input: `${date}T${pad(h)}:${pad(m)}`, date };
}
/** Days since this week's Monday (weeks start on Monday). */
const sinceMonday = () => (new Date().getDay() + 6) % 7;
/** Monday of this week, `weeksAgo` weeks back, as a date value. */
const monday = (weeksAgo: number) => local(sinceMonday() + 7 * weeksAgo, 12).date;
/** Sunday of this week as a date value. */
const sunday = () => local(sinceMonday() - 6, 12).date;

const section = (page: Page) => page.getByRole('region', { name: 'Time', exact: true });
const entries = (page: Page) => section(page).getByRole('list', { name: 'Time entries', exact: true });
const entry = (page: Page, text: string) => entries(page).getByRole('listitem').filter({ hasText: text });
const projectTotals = (page: Page) =>
  section(page).getByRole('list', { name: 'Totals per project', exact: true });
const entryTexts = (page: Page) => entries(page).getByRole('listitem').allTextContents();

interface EntryInput {
  start: string;
  end: string;
  task?: string;
  project?: string;
  note?: string;
}

/** Fills the open entry form (`form`) and saves it. */
async function fillEntry(form: Locator, e: EntryInput) {
  await form.getByLabel('Start', { exact: true }).fill(e.start);
  await form.getByLabel('End', { exact: true }).fill(e.end);
  if (e.task) await form.getByLabel('Task', { exact: true }).selectOption({ label: e.task });
  if (e.project) await form.getByLabel('Project', { exact: true }).selectOption({ label: e.project });
  if (e.note !== undefined) await form.getByLabel('Note', { exact: true }).fill(e.note);
  await form.getByRole('button', { name: 'Save', exact: true }).click();
}

async function addEntry(page: Page, e: EntryInput) {
  await section(page).getByRole('button', { name: 'Add time entry' }).click();
  const form = section(page).getByRole('form', { name: 'New time entry' });
  await fillEntry(form, e);
  await form.waitFor({ state: 'detached' });
}

describe('time section in Chromium', () => {
  let h: Harness;
  let a: Device;
  const email = `time-${Date.now()}@example.com`;

  beforeAll(async () => {
    console.log(`browser tests use ${describeChromium()}`);
    h = await startHarness();
    a = await h.device();
    const { page } = a;
    await signIn(page, h.baseUrl, email, PASSWORD, true);
    await page.getByLabel('New project').fill('Client A');
    await page.getByLabel('New project').press('Enter');
    await page.getByRole('list', { name: 'Projects' }).getByText('Client A').waitFor();
    await addTask(page, 'Write report');
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('adds an entry by hand; it shows in "Time entries" with an Edit button, and in the totals', async () => {
    const { page } = a;
    expect(await section(page).getByRole('button', { name: 'This week' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    // Choosing the task picks its project; the project is set here anyway.
    await addEntry(page, {
      start: local(0, 9).input,
      end: local(0, 10, 30).input,
      task: 'Write report',
      project: 'Client A',
      note: 'Drafting',
    });
    const row = entry(page, 'Drafting');
    await row.waitFor();
    expect(await row.textContent()).toContain('Write report');
    expect(await row.textContent()).toContain('1:30:00');
    await expect.poll(() => projectTotals(page).textContent(), poll).toBe('Client A1:30:00');
    await expect.poll(() => section(page).locator('.history-head').textContent(), poll).toContain('1:30:00');
    // Every entry has exactly one Edit button (and keeps its Delete entry button).
    expect(await row.getByRole('button', { name: 'Edit', exact: true }).count()).toBe(1);
    expect(await row.getByRole('button', { name: 'Delete entry' }).count()).toBe(1);
    expect(a.errors).toEqual([]);
  });

  it('refuses an end before the start with an alert and saves nothing; a good edit changes the totals', async () => {
    const { page } = a;
    const row = entry(page, 'Drafting');
    await row.getByRole('button', { name: 'Edit', exact: true }).click();
    const form = row.getByRole('form', { name: 'Edit time entry' });
    await form.getByLabel('End', { exact: true }).fill(local(0, 8).input);
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    expect(await form.getByRole('alert').textContent()).toBe('End must be after Start.');
    expect(await form.getByLabel('End', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await form.getByRole('button', { name: 'Cancel', exact: true }).click();
    await form.waitFor({ state: 'detached' });
    expect(await row.textContent()).toContain('1:30:00');
    expect(await projectTotals(page).textContent()).toBe('Client A1:30:00');

    await row.getByRole('button', { name: 'Edit', exact: true }).click();
    await fillEntry(form, {
      start: local(0, 8).input,
      end: local(0, 10, 45).input,
      note: 'Drafting v2',
    });
    await form.waitFor({ state: 'detached' });
    await entry(page, 'Drafting v2').waitFor();
    expect(await entry(page, 'Drafting v2').textContent()).toContain('2:45:00');
    await expect.poll(() => projectTotals(page).textContent(), poll).toBe('Client A2:45:00');
    await expect.poll(() => section(page).locator('.history-head').textContent(), poll).toContain('2:45:00');
    await expect.poll(() => syncStatus(page).textContent(), poll).toContain('Synced');
    expect(a.errors).toEqual([]);
  });

  it('the range drives the list, the totals and the chart: last week, this week, custom From/To', async () => {
    const { page } = a;
    await addEntry(page, { start: local(7, 14).input, end: local(7, 15).input, note: 'Old work' });
    // Seven days ago is last week: not in this week's list.
    expect((await entryTexts(page)).join('|')).not.toContain('Old work');
    const chart = section(page).getByRole('img', { name: /^Hours per day/ });
    expect(await chart.locator('rect.bar').count()).toBe(7);

    await section(page).getByRole('button', { name: 'Last week' }).click();
    await entry(page, 'Old work').waitFor();
    await expect.poll(() => entryTexts(page), poll).toHaveLength(1);
    await expect.poll(() => projectTotals(page).textContent(), poll).toBe('No project1:00:00');
    expect(await section(page).getByLabel('From', { exact: true }).inputValue()).toBe(monday(1));
    expect(await chart.getAttribute('aria-label')).toContain('1:00:00');

    await section(page).getByRole('button', { name: 'This week' }).click();
    await entry(page, 'Drafting v2').waitFor();
    await expect.poll(() => entryTexts(page), poll).toHaveLength(1);

    // Custom: from last week's Monday to today (at most 31 days, so the chart has a bar per day).
    await section(page).getByLabel('From', { exact: true }).fill(monday(1));
    await expect.poll(() => entryTexts(page), poll).toHaveLength(2);
    expect(await section(page).getByRole('button', { name: 'This week' }).getAttribute('aria-pressed')).toBe(
      'false',
    );
    await expect.poll(() => section(page).locator('.history-head').textContent(), poll).toContain('3:45:00');
    expect(await projectTotals(page).textContent()).toBe('Client A2:45:00No project1:00:00');
    expect(await chart.locator('rect.bar').count()).toBe(14);
    // To before From: an alert, the range stays as it was.
    await section(page).getByLabel('To', { exact: true }).fill(local(30, 12).date);
    expect(await section(page).getByRole('alert').textContent()).toBe('To must be on or after From.');
    expect(await entryTexts(page)).toHaveLength(2);
    await section(page).getByRole('button', { name: 'This week' }).click();
    await expect.poll(() => section(page).getByRole('alert').count(), poll).toBe(0);
    await expect.poll(() => entryTexts(page), poll).toHaveLength(1);
    expect(a.errors).toEqual([]);
  });

  it('exports the range as CSV, a formula-looking note neutralised; screenshots at desktop and phone size', async () => {
    const { page } = a;
    await addEntry(page, { start: local(0, 11).input, end: local(0, 11, 15).input, note: '=1+2' });
    await entry(page, '=1+2').waitFor();
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      section(page).getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(file.suggestedFilename()).toBe(`selftracker-time-${monday(0)}_${sunday()}.csv`);
    const text = readFileSync(await file.path(), 'utf8');
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'id,started_at,stopped_at,seconds,task,task_id,project,project_id,note,created_at,updated_at',
    );
    expect(lines).toHaveLength(3); // this week's two entries; last week's is not in the range
    expect(text).toContain(',9900,Write report,');
    expect(text).toContain(',Client A,');
    expect(text).toContain(',Drafting v2,');
    expect(text).toContain(",'=1+2,");
    expect(text).not.toContain('Old work');
    await expect
      .poll(() => section(page).getByRole('status').textContent(), poll)
      .toContain('Exported 2 timers');

    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'time-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    // The phone layout shows one section at a time: the Time tab.
    await page.getByRole('tablist', { name: 'Sections' }).getByRole('tab', { name: 'Time' }).click();
    await entry(page, 'Drafting v2').getByRole('button', { name: 'Edit', exact: true }).click();
    await entry(page, 'Drafting v2').getByLabel('Start', { exact: true }).blur();
    await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header stays on top in a full-page shot
    await screenshot(page, 'time-phone');
    await entry(page, 'Drafting v2').getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.setViewportSize({ width: 1280, height: 860 });

    // Delete entry removes an entry and the totals follow; Undo in the toast brings it back, and once the toast
    // has gone the delete is written.
    await entry(page, '=1+2').getByRole('button', { name: 'Delete entry' }).click();
    await expect.poll(() => entryTexts(page), poll).toHaveLength(1);
    await expect.poll(() => projectTotals(page).textContent(), poll).toBe('Client A2:45:00');
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => entryTexts(page), poll).toHaveLength(2);
    await entry(page, '=1+2').getByRole('button', { name: 'Delete entry' }).click();
    await page.getByRole('button', { name: 'Undo' }).waitFor({ state: 'detached', timeout: 15_000 });
    await page.reload();
    await page.getByLabel('New task').waitFor();
    await expect.poll(() => entryTexts(page), poll).toHaveLength(1);
    await expect.poll(() => projectTotals(page).textContent(), poll).toBe('Client A2:45:00');
    expect(a.errors).toEqual([]);
  });
});
