/**
 * Every tab live (issue #14 point 7), in a real Chromium against the real server: two tabs of one profile both
 * show the tasks (one has the database open, the other works through it), a change in either shows in the
 * other at once, and closing the tab that has the database open while the other writes loses nothing: the
 * other tab opens the database itself, and everything reaches the server (checked from a second device).
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
} from './harness.ts';

const PASSWORD = 'correct horse battery';
const poll = { timeout: 15_000, interval: 100 };

const allTasks = (page: Page) => page.getByRole('tab', { name: 'All tasks' }).click();
const titles = (page: Page) =>
  page.getByRole('list', { name: 'Tasks', exact: true }).locator('.task-title').allTextContents();
const burstShown = async (page: Page) => (await titles(page)).filter((t) => t.startsWith('Burst ')).sort();

describe('tabs of one browser in Chromium', () => {
  let h: Harness;
  let a: Device;
  let first: Page;
  let second: Page;
  const email = `tabs-${Date.now()}@example.com`;

  beforeAll(async () => {
    console.log(`browser tests use ${describeChromium()}`);
    h = await startHarness();
    a = await h.device();
    first = a.page;
    await signIn(first, h.baseUrl, email, PASSWORD, true);
    await addTask(first, 'Written in the first tab');
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('shows the task list in a second tab too: no "open in another tab" screen', async () => {
    second = await a.newPage();
    await second.goto(h.baseUrl);
    await taskRow(second, 'Written in the first tab').waitFor();
    expect(await second.getByText('SelfTracker is open in another tab').count()).toBe(0);
    expect(await second.getByRole('button', { name: 'Use here' }).count()).toBe(0);
    // Its sync status is the first tab's, which syncs for both.
    await expect.poll(() => syncStatus(second).textContent(), poll).toContain('Synced');
  });

  it('shows a task added in either tab in the other at once, without a reload', async () => {
    await addTask(second, 'Added in the second tab');
    await taskRow(first, 'Added in the second tab').waitFor({ timeout: 5_000 });
    await addTask(first, 'Added in the first tab');
    await taskRow(second, 'Added in the first tab').waitFor({ timeout: 5_000 });
    await taskRow(first, 'Added in the second tab').getByRole('checkbox', { name: 'Done' }).check();
    await expect
      .poll(
        () => taskRow(second, 'Added in the second tab').getByRole('checkbox', { name: 'Done' }).isChecked(),
        poll,
      )
      .toBe(true);
    await expect.poll(() => syncStatus(second).textContent(), poll).toContain('Synced');
    await screenshot(second, 'tabs-second-tab');
    expect(a.errors).toEqual([]);
  });

  it('closing the tab that has the database open while the other writes loses nothing; it syncs', async () => {
    // The second tab writes one task after another through the first, which is closed part way.
    type Burst = {
      __selftracker: { engine: { tasks: { create(t: { title: string }): Promise<unknown> } } };
      __burst: Promise<unknown>;
      __written: number;
      __stop: boolean;
    };
    await second.evaluate(() => {
      const w = window as unknown as Burst;
      const engine = w.__selftracker.engine;
      w.__written = 0;
      w.__stop = false;
      w.__burst = (async () => {
        for (let i = 1; !w.__stop; i++) {
          await engine.tasks.create({ title: `Burst ${i}` });
          w.__written = i;
        }
      })();
    });
    const written = () => second.evaluate(() => (window as unknown as Burst).__written);
    await allTasks(first);
    await expect.poll(async () => (await burstShown(first)).length, poll).toBeGreaterThan(3);
    const atClose = await written();
    await first.close(); // as closing the tab: no unload work waited for
    // The writes go on: the second tab has opened the database itself.
    await expect.poll(written, poll).toBeGreaterThan(atClose + 5);
    await second.evaluate(async () => {
      const w = window as unknown as Burst;
      w.__stop = true;
      await w.__burst;
    });
    const total = await written();
    const expected = Array.from({ length: total }, (_, i) => `Burst ${i + 1}`).sort();

    await allTasks(second);
    await expect.poll(() => burstShown(second), poll).toEqual(expected);
    // The second tab has the database open now: it writes, and syncs, by itself.
    await addTask(second, 'After the first tab closed');
    await expect.poll(() => syncStatus(second).textContent(), poll).toContain('Synced');
    await screenshot(second, 'tabs-after-owner-closed');

    const b = await h.device();
    await signIn(b.page, h.baseUrl, email, PASSWORD, false);
    await allTasks(b.page);
    await taskRow(b.page, 'After the first tab closed').waitFor({ timeout: 15_000 });
    await expect.poll(() => burstShown(b.page), poll).toEqual(expected); // each once
    expect(await taskRow(b.page, 'Added in the first tab').count()).toBe(1);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });
});
