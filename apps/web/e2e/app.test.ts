/**
 * SelfTracker in a real Chromium against the real server: the accessible contract, persistence across
 * reloads, live sync between two devices, offline work with the offline shell, concurrent field edits,
 * and a second tab working through the first (more in tabs.test.ts).
 */
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

describe('SelfTracker web app in Chromium', () => {
  let h: Harness;
  let a: Device;
  let b: Device;
  const email = `e2e-${Date.now()}@example.com`;

  beforeAll(async () => {
    console.log(`browser tests use ${describeChromium()}`);
    h = await startHarness();
    a = await h.device();
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('signs up, adds a project and tasks, completes and deletes, runs a timer; a reload keeps it all', async () => {
    const { page } = a;
    await page.goto(h.baseUrl);
    await page.getByRole('button', { name: 'Create account' }).waitFor();
    await screenshot(page, 'sign-in');
    await signIn(page, h.baseUrl, email, PASSWORD, true);
    await expect.poll(() => syncStatus(page).textContent(), poll).toContain('Synced');

    await page.getByLabel('New project').fill('Work');
    await page.getByLabel('New project').press('Enter');
    await page.getByRole('list', { name: 'Projects' }).getByText('Work').waitFor();

    for (const t of ['Write report', 'Call Alice', 'Buy milk']) await addTask(page, t);
    await taskRow(page, 'Write report').getByRole('checkbox', { name: 'Done' }).check();
    await taskRow(page, 'Buy milk').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => taskRow(page, 'Buy milk').count(), poll).toBe(0);

    await page.getByLabel('Track').selectOption({ label: 'Call Alice' });
    await page.getByRole('button', { name: 'Start timer' }).click();
    const timer = page.getByRole('timer');
    await timer.waitFor();
    const first = await timer.textContent();
    await expect.poll(() => timer.textContent(), poll).not.toBe(first); // it ticks
    await screenshot(page, 'main-timer-running');
    await page.getByRole('button', { name: 'Stop timer' }).click();
    await page.getByRole('button', { name: 'Start timer' }).waitFor();
    await expect
      .poll(() => page.getByRole('list', { name: 'Totals per project' }).textContent(), poll)
      .toMatch(/No project0:00:0[1-9]/);
    await expect.poll(() => syncStatus(page).textContent(), poll).toContain('Synced');
    await screenshot(page, 'main');

    await page.reload();
    await taskRow(page, 'Write report').waitFor();
    expect(await taskRow(page, 'Write report').getByRole('checkbox', { name: 'Done' }).isChecked()).toBe(
      true,
    );
    expect(await taskRow(page, 'Call Alice').count()).toBe(1);
    expect(await taskRow(page, 'Buy milk').count()).toBe(0);
    expect(await page.getByRole('list', { name: 'Projects' }).getByText('Work').count()).toBe(1);
    expect(await page.getByRole('list', { name: 'Time entries', exact: true }).textContent()).toContain(
      'Call Alice',
    );
    expect(await page.getByRole('timer').count()).toBe(0);
    await expect.poll(() => syncStatus(page).textContent(), poll).toContain('Synced');
    expect(a.errors).toEqual([]);
  });

  it('serves the app under its Content-Security-Policy, and a violation shows up as an error', async () => {
    const c = await h.device();
    const res = await c.page.goto(h.baseUrl);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res?.headers()['x-content-type-options']).toBe('nosniff');
    await c.page.getByRole('button', { name: 'Create account' }).waitFor();
    expect(c.errors).toEqual([]);
    // The detector itself: an injected inline script is refused and reported (so an empty list means something).
    await c.page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.body.append(s);
    });
    await expect.poll(() => c.errors.join('\n'), poll).toMatch(/CSP violation: script-src/);
    expect(await c.page.evaluate(() => (window as { __injected?: boolean }).__injected)).toBeUndefined();
    await c.context.close();
  });

  it('shows a wrong password as an alert', async () => {
    const c = await h.device();
    await c.page.goto(h.baseUrl);
    await c.page.getByLabel('Email').fill(email);
    await c.page.getByLabel('Password').fill('wrong password!');
    await c.page.getByRole('button', { name: 'Sign in' }).click();
    const alert = c.page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/wrong email or password/i);
    expect(c.errors).toEqual([]);
    await c.context.close();
  });

  it('shows a task added on one device on the other within 2 s, without a reload', async () => {
    b = await h.device();
    await signIn(b.page, h.baseUrl, email, PASSWORD, false);
    await taskRow(b.page, 'Write report').waitFor({ timeout: 10_000 });
    await expect.poll(() => syncStatus(b.page).textContent(), poll).toContain('Synced');
    // Let the live event stream connect before measuring.
    await expect
      .poll(() => b.page.evaluate(() => (window as any).__selftracker.engine.live), poll)
      .toBe(true);

    await addTask(a.page, 'Live from A');
    const started = Date.now();
    await taskRow(b.page, 'Live from A').waitFor({ timeout: 2_000 });
    console.log(`task visible on the other device after ${Date.now() - started} ms`);
  });

  it('works offline: adds and edits, survives an offline reload, and syncs when back online', async () => {
    const { page, context } = a;
    await waitForOfflineShell(page);
    await context.setOffline(true);
    await expect.poll(() => syncStatus(page).textContent(), poll).toContain('Offline');

    await addTask(page, 'Offline task');
    const row = taskRow(page, 'Call Alice');
    await row.getByRole('button', { name: 'Edit' }).click();
    await row.getByLabel('Title').fill('Call Alice back');
    await row.getByLabel('Description').fill('about the report');
    await row.getByRole('button', { name: 'Save' }).click();
    await taskRow(page, 'Call Alice back').waitFor();
    expect(await taskRow(page, 'Offline task').textContent()).toContain('Not synced');
    expect(await taskRow(page, 'Call Alice back').textContent()).toContain('Not synced');
    await expect.poll(() => syncStatus(page).textContent(), poll).toMatch(/Offline.*2 pending/);
    await screenshot(page, 'offline');

    await page.reload(); // still offline: the service worker serves the shell, OPFS has the data
    await taskRow(page, 'Offline task').waitFor();
    await taskRow(page, 'Call Alice back').waitFor();
    expect(await taskRow(page, 'Offline task').textContent()).toContain('Not synced');
    await expect.poll(() => syncStatus(page).textContent(), poll).toContain('Offline');
    expect(await taskRow(b.page, 'Offline task').count()).toBe(0);

    await context.setOffline(false);
    await taskRow(b.page, 'Offline task').waitFor({ timeout: 10_000 });
    await taskRow(b.page, 'Call Alice back').waitFor({ timeout: 10_000 });
    expect(await taskRow(b.page, 'Call Alice back').textContent()).toContain('about the report');
    await expect.poll(() => syncStatus(page).textContent(), poll).toContain('Synced');
    await expect.poll(() => taskRow(page, 'Offline task').textContent(), poll).not.toContain('Not synced');
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  }, 120_000);

  it('keeps both of two offline edits to different fields of one task', async () => {
    await addTask(a.page, 'Shared task');
    await taskRow(b.page, 'Shared task').waitFor({ timeout: 10_000 });
    await a.context.setOffline(true);
    await b.context.setOffline(true);
    await expect.poll(() => syncStatus(a.page).textContent(), poll).toContain('Offline');
    await expect.poll(() => syncStatus(b.page).textContent(), poll).toContain('Offline');

    const rowA = taskRow(a.page, 'Shared task');
    await rowA.getByRole('button', { name: 'Edit' }).click();
    await rowA.getByLabel('Title').fill('Shared task, renamed on A');
    await rowA.getByRole('button', { name: 'Save' }).click();
    await taskRow(a.page, 'Shared task, renamed on A').waitFor();
    await taskRow(b.page, 'Shared task').getByRole('checkbox', { name: 'Done' }).check();

    await a.context.setOffline(false);
    await b.context.setOffline(false);
    for (const d of [a, b]) {
      const row = taskRow(d.page, 'Shared task, renamed on A');
      await row.waitFor({ timeout: 10_000 });
      await expect.poll(() => row.getByRole('checkbox', { name: 'Done' }).isChecked(), poll).toBe(true);
      await expect.poll(() => syncStatus(d.page).textContent(), poll).toContain('Synced');
    }
  });

  it('opens in a second tab too: the same tasks, written through the first tab and synced by it', async () => {
    const second = await a.newPage();
    await second.goto(h.baseUrl);
    await taskRow(second, 'Shared task, renamed on A').waitFor();
    expect(await second.getByText('SelfTracker is open in another tab').count()).toBe(0);
    await addTask(second, 'Added in the second tab');
    expect(await taskRow(second, 'Offline task').count()).toBe(1);
    await taskRow(a.page, 'Added in the second tab').waitFor({ timeout: 5_000 });
    await taskRow(b.page, 'Added in the second tab').waitFor({ timeout: 10_000 });
    await second.close();
    expect(a.errors).toEqual([]);
  });
});
