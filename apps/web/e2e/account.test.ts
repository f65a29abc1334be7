/**
 * The Account dialog in a real Chromium against the real server (issue #14 point 10): export as JSON and CSV,
 * import of that JSON into another account (ids kept, a second import adds nothing, a bad file writes nothing),
 * change of password, and deleting the account (back to sign-in, the email starts over empty).
 */
import { readFileSync } from 'node:fs';
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
} from './harness.ts';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';
const poll = { timeout: 10_000, interval: 100 };

interface ExportJson {
  format: string;
  version: number;
  account: string;
  projects: { id: string; name: string }[];
  tasks: { id: string; title: string; status: string }[];
  timers: { id: string; task_id: string | null; stopped_at: number | null }[];
}

const dialog = (page: Page) => page.getByRole('dialog', { name: 'Account' });

async function openAccount(page: Page) {
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  await dialog(page).waitFor();
}

/** Clicks an export button and returns the downloaded file's name and text. */
async function download(page: Page, button: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    dialog(page).getByRole('button', { name: button, exact: true }).click(),
  ]);
  return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
}

/** Signs out through the header (closing the dialog first). */
async function signOut(page: Page) {
  if (await dialog(page).isVisible()) await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Create account' }).waitFor();
}

/** Fills the sign-in form and returns the alert it shows (a refused sign-in). */
async function refusedSignIn(page: Page, email: string, password: string): Promise<string> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  return (await alert.textContent()) ?? '';
}

describe('the Account dialog in Chromium', () => {
  let h: Harness;
  let a: Device;
  const stamp = Date.now();
  const first = `account-a-${stamp}@example.com`;
  const second = `account-b-${stamp}@example.com`;
  let exported: { name: string; text: string };

  beforeAll(async () => {
    console.log(`browser tests use ${describeChromium()}`);
    h = await startHarness();
    a = await h.device();
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('exports every live row as JSON, and tasks and time as CSV; Escape closes and focus returns', async () => {
    const { page } = a;
    await signIn(page, h.baseUrl, first, PASSWORD, true);
    await page.getByLabel('New project').fill('Work');
    await page.getByLabel('New project').press('Enter');
    await page.getByRole('list', { name: 'Projects' }).getByText('Work').waitFor();
    for (const t of ['Write report', 'Call "Alice", later']) await addTask(page, t);
    await taskRow(page, 'Write report').getByRole('checkbox', { name: 'Done' }).check();
    await page.getByLabel('Track').selectOption({ label: 'Call "Alice", later' });
    await page.getByRole('button', { name: 'Start timer' }).click();
    await page.getByRole('button', { name: 'Stop timer' }).click();
    await page.getByRole('button', { name: 'Start timer' }).waitFor();
    await expect.poll(() => syncStatus(page).textContent(), poll).toContain('Synced');

    await openAccount(page);
    await screenshot(page, 'account-dialog');
    exported = await download(page, 'Export data');
    expect(exported.name).toMatch(/^selftracker-export-\d{4}-\d\d-\d\d\.json$/);
    const file = JSON.parse(exported.text) as ExportJson;
    expect(file).toMatchObject({ format: 'selftracker-export', version: 1, account: first });
    expect(file.projects.map((p) => p.name)).toEqual(['Work']);
    expect(file.tasks.map((t) => [t.title, t.status]).sort()).toEqual([
      ['Call "Alice", later', 'todo'],
      ['Write report', 'done'],
    ]);
    const call = file.tasks.find((t) => t.title.startsWith('Call'))!;
    expect(file.timers).toHaveLength(1);
    expect(file.timers[0]).toMatchObject({ task_id: call.id });
    expect(file.timers[0]!.stopped_at).not.toBeNull();
    await expect
      .poll(() => dialog(page).getByRole('status').textContent(), poll)
      .toContain('Exported 1 project, 2 tasks, 1 timer');

    const tasks = await download(page, 'Export tasks (CSV)');
    expect(tasks.name).toMatch(/^selftracker-tasks-.*\.csv$/);
    const lines = tasks.text.split('\r\n');
    expect(lines[0]).toBe('id,title,status,project,project_id,due,description,created_at,updated_at');
    expect(tasks.text).toContain(`${call.id},"Call ""Alice"", later",todo,`);
    const time = await download(page, 'Export time (CSV)');
    expect(time.name).toMatch(/^selftracker-time-.*\.csv$/);
    expect(time.text.split('\r\n')[1]).toMatch(new RegExp(`^${file.timers[0]!.id},.*,${call.id},`));

    // Offline the export does not wait for a sync: it is this device's copy, and says so.
    await a.context.setOffline(true);
    const offline = JSON.parse((await download(page, 'Export data')).text) as ExportJson;
    expect(offline.tasks).toHaveLength(2);
    await expect
      .poll(() => dialog(page).getByRole('status').textContent(), poll)
      .toContain("Could not sync first (offline): exported this device's copy.");
    await a.context.setOffline(false);

    await page.keyboard.press('Escape');
    expect(await dialog(page).count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Account');
    expect(await page.getByLabel('Password').count()).toBe(0);
  });

  it('imports that file into another account with the same ids; again adds nothing; a bad file writes nothing', async () => {
    const { page } = a;
    await signOut(page);
    await signIn(page, h.baseUrl, second, PASSWORD, true);
    await openAccount(page);
    const input = dialog(page).getByLabel('Import data');

    await input.setInputFiles({
      name: 'bad.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"x":1}'),
    });
    await expect
      .poll(() => dialog(page).getByRole('alert').textContent(), poll)
      .toContain('bad.json is not a selftracker export');
    const broken = { ...(JSON.parse(exported.text) as ExportJson), tasks: [{ id: 'nope', title: 'x' }] };
    await input.setInputFiles({
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(broken)),
    });
    await expect
      .poll(() => dialog(page).getByRole('alert').textContent(), poll)
      .toMatch(/broken\.json: tasks\[0\]\.id: must be a UUID; nothing imported/);
    expect(await taskRow(page, 'Write report').count()).toBe(0);

    const upload = { name: 'export.json', mimeType: 'application/json', buffer: Buffer.from(exported.text) };
    await input.setInputFiles(upload);
    await expect
      .poll(() => dialog(page).getByRole('status').textContent(), poll)
      .toBe('Imported 1 project, 2 tasks, 1 timer.');
    await input.setInputFiles(upload);
    await expect
      .poll(() => dialog(page).getByRole('status').textContent(), poll)
      .toBe(
        'Imported 0 projects, 0 tasks, 0 timers; 4 rows already here (same or newer, or deleted) left alone.',
      );
    await page.keyboard.press('Escape');
    await taskRow(page, 'Write report').waitFor();
    await taskRow(page, 'Call "Alice", later').waitFor();
    await expect.poll(() => syncStatus(page).textContent(), poll).toContain('Synced');

    await openAccount(page);
    const again = JSON.parse((await download(page, 'Export data')).text) as ExportJson;
    const original = JSON.parse(exported.text) as ExportJson;
    const ids = (f: ExportJson) => [...f.projects, ...f.tasks, ...f.timers].map((r) => r.id).sort();
    expect(ids(again)).toEqual(ids(original));
    expect(again.account).toBe(second);
  });

  it('changes the password: a wrong one is refused; then the old one no longer signs in, the new one does', async () => {
    const { page } = a;
    const form = dialog(page).getByRole('form', { name: 'Password' });
    await form.getByLabel('Current password').fill('not my password');
    await form.getByLabel('New password').fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => form.getByRole('alert').textContent(), poll).toBe('wrong password');

    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByLabel('New password').fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => form.getByRole('status').textContent(), poll).toContain('Password changed');
    expect(await form.getByRole('status').textContent()).toContain('other devices are signed out');

    await signOut(page);
    expect(await refusedSignIn(page, second, PASSWORD)).toContain('wrong email or password');
    await signIn(page, h.baseUrl, second, NEW_PASSWORD, false);
    await taskRow(page, 'Write report').waitFor();
  });

  it('deletes the account: the password is checked, a confirm step, back to sign-in, the email starts over empty', async () => {
    const { page } = a;
    await openAccount(page);
    const form = dialog(page).getByRole('form', { name: 'Delete account' });
    expect(await form.getByLabel('Wipe it from this device').isChecked()).toBe(true);
    await form.getByLabel('Password to delete the account').fill('not my password');
    await form.getByRole('button', { name: 'Delete account' }).click();
    await form.getByRole('button', { name: 'Yes, delete everything' }).click();
    await expect.poll(() => form.getByRole('alert').textContent(), poll).toBe('wrong password');

    await form.getByLabel('Password to delete the account').fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Delete account' }).click();
    await screenshot(page, 'account-delete-confirm');
    await form.getByRole('button', { name: 'Yes, delete everything' }).click();
    await page.getByRole('button', { name: 'Create account' }).waitFor();
    expect(await page.getByText(`Deleted the account ${second} and wiped its data`).count()).toBe(1);

    expect(await refusedSignIn(page, second, NEW_PASSWORD)).toContain('wrong email or password');
    await signIn(page, h.baseUrl, second, PASSWORD, true);
    await expect.poll(() => syncStatus(page).textContent(), poll).toContain('Synced');
    expect(await page.getByRole('list', { name: 'Tasks', exact: true }).getByRole('listitem').count()).toBe(
      0,
    );
    expect(a.errors).toEqual([]);
  });
});
