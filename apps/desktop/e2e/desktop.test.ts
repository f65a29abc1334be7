/**
 * The desktop app for real: the built Tauri binary in WebKitGTK under Xvfb, driven through tauri-driver, against
 * the real server; the web app in Chromium and the CLI as the other devices. Covers the list: the driver
 * contract in the webview, persistence across a relaunch (checked in the SQLite file itself), desktop ↔ web ↔
 * CLI, the server going away and coming back, and a SIGKILL right after a burst of writes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from '../../web/build/web-build.ts';
import {
  addTask as addWebTask,
  type Harness,
  startHarness,
  signIn as webSignIn,
  taskRow as webTaskRow,
} from '../../web/e2e/harness.ts';
import {
  type App,
  type Browser,
  buildDesktop,
  button,
  type Display,
  engineStatus,
  field,
  invokeApp,
  launch,
  shellState,
  signIn,
  startDisplay,
  syncStatus,
  taskRow,
  taskTitles,
  trayAction,
  trayLine,
  typeAndEnter,
} from './harness.ts';

const PASSWORD = 'correct horse battery';
const poll = { timeout: 15_000, interval: 200 };

/** The one database file of a signed-in user in a desktop data directory. */
function userDatabase(dataDir: string): string {
  const files = readdirSync(dataDir).filter((f) => /^user-.*\.sqlite3$/.test(f));
  if (files.length !== 1)
    throw new Error(`expected one user database in ${dataDir}, found ${files.join(', ')}`);
  return join(dataDir, files[0]!);
}

/** Reads the file as another program would (after the app has exited or died). */
function readFile(dataDir: string) {
  const db = new Database(userDatabase(dataDir));
  try {
    const tasks = db.prepare('SELECT title, status FROM tasks WHERE deleted = 0 ORDER BY title').all() as {
      title: string;
      status: string;
    }[];
    const projects = db.prepare('SELECT name FROM projects WHERE deleted = 0').all() as { name: string }[];
    const timers = db.prepare('SELECT started_at, stopped_at FROM timers WHERE deleted = 0').all() as {
      started_at: number;
      stopped_at: number | null;
    }[];
    const outbox = db.prepare('SELECT entity, entity_id, operation FROM sync_queue').all() as {
      entity: string;
      entity_id: string;
      operation: string;
    }[];
    const outboxTaskTitles = db
      .prepare(
        `SELECT DISTINCT t.title FROM sync_queue q JOIN tasks t ON q.entity = 'tasks' AND q.entity_id = t.id`,
      )
      .all()
      .map((r) => (r as { title: string }).title);
    return { tasks, projects, timers, outbox, outboxTaskTitles };
  } finally {
    db.close();
  }
}

describe('SelfTracker desktop app (Tauri 2, WebKitGTK under Xvfb)', () => {
  let binary: string;
  let web: Harness;
  let display: Display;
  let tmp: string;
  const open: App[] = [];
  const email = `desktop-${Date.now()}@example.com`;

  const start = async (name: string, env?: Record<string, string>): Promise<App> => {
    const app = await launch({ binary, display, dataDir: join(tmp, name), server: web.baseUrl, env });
    open.push(app);
    return app;
  };
  const done = (app: App) => open.splice(open.indexOf(app), 1);
  const quit = async (app: App) => {
    done(app);
    await app.quit();
  };

  const cli = (...args: string[]) => {
    const r = spawnSync(
      process.execPath,
      [
        join(REPO_DIR, 'apps/cli/bin/selftracker.js'),
        '--data-dir',
        join(tmp, 'cli'),
        '--server',
        web.baseUrl,
        ...args,
      ],
      { encoding: 'utf8', cwd: REPO_DIR, timeout: 60_000 },
    );
    if (r.status !== 0) throw new Error(`selftracker ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  };

  const waitSynced = async (b: Browser) => {
    await expect.poll(async () => (await engineStatus(b))?.pending, poll).toBe(0);
    await expect.poll(async () => (await syncStatus(b)).getText(), poll).toBe('Synced');
  };

  beforeAll(async () => {
    binary = buildDesktop();
    web = await startHarness();
    display = await startDisplay();
    tmp = mkdtempSync(join(tmpdir(), 'selftracker-desktop-e2e-'));
  }, 30 * 60_000);

  afterAll(async () => {
    for (const app of open) await app.quit().catch(() => {});
    await display?.stop();
    await web?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('passes the driver contract suite inside the app’s webview', async () => {
    const app = await start('contract');
    const b = app.browser;
    await b.url('tauri://localhost/contract.html');
    await b.waitUntil(() => b.execute(() => '__contractResults' in window), {
      timeout: 180_000,
      interval: 500,
      timeoutMsg: 'the contract page did not finish',
    });
    const results = (await b.execute(
      () => (window as unknown as { __contractResults: unknown }).__contractResults,
    )) as { name: string; status: string; error?: { message: string } }[];
    const failed = results.filter((r) => r.status !== 'passed');
    console.log(`driver contract in the webview: ${results.length - failed.length}/${results.length} passed`);
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThan(10);
    await quit(app);
  }, 240_000);

  it('signs up, adds a project and tasks, completes one, runs a timer; a relaunch shows it all from the SQLite file', async () => {
    let app = await start('desk');
    let b = app.browser;
    await (await button(b, 'Create account')).waitForExist({ timeout: 30_000 });
    display.screenshot('desktop-sign-in');
    await signIn(b, email, PASSWORD, true, web.baseUrl);

    await typeAndEnter(b, 'New project', 'Work');
    await b.$('//ul[@aria-label="Projects"]//*[normalize-space()="Work"]').waitForExist({ timeout: 10_000 });
    for (const t of ['Write report', 'Call Alice', 'Buy milk']) {
      await typeAndEnter(b, 'New task', t);
      await (await taskRow(b, t)).waitForExist({ timeout: 10_000 });
    }
    const done = await (await taskRow(b, 'Write report')).$('.//input[@aria-label="Done"]');
    await done.waitForEnabled({ timeout: 10_000 }); // disabled for the instant the row has a stand-in id
    await done.click();
    await expect
      .poll(async () => (await taskRow(b, 'Write report')).getAttribute('class'), poll)
      .toContain('done');

    await (await field(b, 'Track')).selectByVisibleText('Call Alice');
    await (await button(b, 'Start timer')).click();
    const timer = await b.$('//*[@role="timer"]');
    await timer.waitForExist({ timeout: 10_000 });
    await b.pause(1_100);
    await (await button(b, 'Stop timer')).click();
    await (await button(b, 'Start timer')).waitForExist({ timeout: 10_000 });
    await waitSynced(b);
    await b.saveScreenshot(join(REPO_DIR, 'test-output', 'screenshots', 'desktop-webview.png'));
    display.screenshot('desktop-window');

    await quit(app);
    const file = readFile(app.dataDir);
    expect(file.tasks).toEqual([
      { title: 'Buy milk', status: 'todo' },
      { title: 'Call Alice', status: 'todo' },
      { title: 'Write report', status: 'done' },
    ]);
    expect(file.projects).toEqual([{ name: 'Work' }]);
    expect(file.timers).toHaveLength(1);
    expect(file.timers[0]!.stopped_at! - file.timers[0]!.started_at).toBeGreaterThanOrEqual(1_000);
    expect(file.outbox).toEqual([]);

    app = await start('desk');
    b = app.browser;
    await (await taskRow(b, 'Call Alice')).waitForExist({ timeout: 30_000 }); // still signed in, rows from disk
    expect((await taskTitles(b)).sort()).toEqual(['Buy milk', 'Call Alice', 'Write report']);
    await quit(app);
  }, 240_000);

  it('runs one instance per data directory: a second launch hands over to the first and exits', async () => {
    const app = await start('desk');
    const b = app.browser;
    await (await field(b, 'New task')).waitForExist({ timeout: 30_000 });
    const second = spawn(binary, [], {
      env: {
        ...process.env,
        DISPLAY: display.name,
        DBUS_SESSION_BUS_ADDRESS: display.bus,
        SELFTRACKER_DESKTOP_DATA_DIR: app.dataDir,
        SELFTRACKER_SERVER: web.baseUrl,
      },
      stdio: 'ignore',
    });
    const exit = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => resolve('still running after 20 s'), 20_000);
      second.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(code ?? String(signal));
      });
    });
    if (second.exitCode === null) second.kill('SIGKILL');
    expect(exit).toBe(0);
    expect(app.pid()).toBeGreaterThan(0); // exactly one process on this data directory, still serving
    await typeAndEnter(b, 'New task', 'After a second launch');
    await (await taskRow(b, 'After a second launch')).waitForExist({ timeout: 10_000 });
    await quit(app);
  }, 120_000);

  it('shares tasks with the web app and the CLI: a task added in each appears in the other two', async () => {
    const app = await start('desk');
    const b = app.browser;
    await (await field(b, 'New task')).waitForExist({ timeout: 30_000 });
    const browser = await web.device();
    await webSignIn(browser.page, web.baseUrl, email, PASSWORD, false);
    cli('login', email, '--password', PASSWORD);

    await typeAndEnter(b, 'New task', 'From the desktop');
    await addWebTask(browser.page, 'From the web');
    cli('task', 'add', 'From the terminal');
    cli('sync');

    // Live pokes bring each device's change to the open apps within seconds, with no user action.
    await (await taskRow(b, 'From the web')).waitForExist({ timeout: 15_000 });
    await (await taskRow(b, 'From the terminal')).waitForExist({ timeout: 15_000 });
    await webTaskRow(browser.page, 'From the desktop').waitFor({ timeout: 15_000 });
    await webTaskRow(browser.page, 'From the terminal').waitFor({ timeout: 15_000 });
    await expect
      .poll(() => {
        cli('sync');
        return JSON.parse(cli('task', 'list', '--json')).map((t: { title: string }) => t.title);
      }, poll)
      .toEqual(expect.arrayContaining(['From the desktop', 'From the web', 'From the terminal']));
    await browser.context.close();
    await quit(app);
  }, 180_000);

  it('keeps working with the server stopped (Not synced, Offline) and syncs by itself once it is back', async () => {
    const app = await start('desk');
    const b = app.browser;
    await (await field(b, 'New task')).waitForExist({ timeout: 30_000 });
    await waitSynced(b);
    await web.stopServer();
    try {
      await typeAndEnter(b, 'New task', 'Written while the server is down');
      const row = await taskRow(b, 'Written while the server is down');
      await row.waitForExist({ timeout: 10_000 });
      await expect.poll(async () => (await row.getText()).includes('Not synced'), poll).toBe(true);
      await expect
        .poll(async () => (await syncStatus(b)).getText(), { timeout: 30_000, interval: 200 })
        .toMatch(/^(Offline|Server unreachable) · 1 pending$/);
      display.screenshot('desktop-offline');
    } finally {
      await web.startServer();
    }
    // No click: the engine's reconnect (backoff and the 30 s interval) finds the server again.
    const back = Date.now();
    await expect
      .poll(async () => (await engineStatus(b))?.pending, { timeout: 45_000, interval: 250 })
      .toBe(0);
    console.log(`desktop synced ${((Date.now() - back) / 1000).toFixed(1)} s after the server came back`);
    await expect
      .poll(() => cli('sync') && cli('task', 'list'), poll)
      .toContain('Written while the server is down');
    await quit(app);
  }, 180_000);

  it('loses no write the UI showed when it is SIGKILLed right after a burst, and syncs them after relaunch', async () => {
    let app = await start('desk');
    let b = app.browser;
    await (await field(b, 'New task')).waitForExist({ timeout: 30_000 });
    await waitSynced(b);
    await web.stopServer(); // so the outbox still holds the burst when the process dies
    const burst = Array.from({ length: 15 }, (_, i) => `Burst ${String(i + 1).padStart(2, '0')}`);
    try {
      for (const t of burst) await typeAndEnter(b, 'New task', t);
      await (await taskRow(b, burst.at(-1)!)).waitForExist({ timeout: 10_000 });
      const shown = (await taskTitles(b)).filter((t) => t.startsWith('Burst'));
      expect(shown.sort()).toEqual(burst);
      await app.kill();
      done(app);
    } finally {
      await web.startServer();
    }
    const file = readFile(app.dataDir);
    expect(file.tasks.map((t) => t.title)).toEqual(expect.arrayContaining(burst));
    expect(file.outboxTaskTitles.filter((t) => t.startsWith('Burst')).sort()).toEqual(burst);

    app = await start('desk');
    b = app.browser;
    await (await taskRow(b, burst.at(-1)!)).waitForExist({ timeout: 30_000 });
    await expect
      .poll(async () => (await engineStatus(b))?.pending, { timeout: 45_000, interval: 250 })
      .toBe(0);
    await expect.poll(() => cli('sync') && cli('task', 'list'), poll).toContain('Burst 15');
    await quit(app);
    expect(readFile(app.dataDir).outbox).toEqual([]);
  }, 180_000);
  it('shows sync status, pending count and the running timer in the tray; its actions work; close hides to the tray while work is unfinished, and hidden it still syncs and notifies', async () => {
    // A 3 s notification threshold instead of 10 minutes, so the test can see it.
    const app = await start('tray', { SELFTRACKER_DESKTOP_NOTIFY_AFTER_MS: '3000' });
    const b = app.browser;
    await signIn(b, `tray-${Date.now()}@example.com`, PASSWORD, true, web.baseUrl);
    await waitSynced(b);
    await expect.poll(async () => (await trayLine(b, 'status')).text, poll).toBe('Sync: Synced');
    expect(await trayLine(b, 'timer')).toEqual({ text: 'No timer running', enabled: false });
    expect((await trayLine(b, 'stop-timer')).enabled).toBe(false);
    expect((await shellState(b)).window_visible).toBe(true);

    await web.stopServer();
    let serverUp = false;
    try {
      const failingSince = Date.now();
      await typeAndEnter(b, 'New task', 'Tray pending');
      await (await taskRow(b, 'Tray pending')).waitForExist({ timeout: 10_000 });
      await expect
        .poll(async () => (await trayLine(b, 'status')).text, { timeout: 30_000, interval: 200 })
        .toMatch(/^Sync: (Offline|Server unreachable) · 1 change pending$/);

      await (await field(b, 'Track')).selectByVisibleText('Tray pending');
      await (await button(b, 'Start timer')).click();
      await expect
        .poll(async () => (await trayLine(b, 'timer')).text, poll)
        .toMatch(/^Timer: Tray pending — /);
      expect((await trayLine(b, 'stop-timer')).enabled).toBe(true);

      // Closing the window (as its title bar's close button does) only hides it: a timer runs, a change waits.
      await invokeApp(b, 'plugin:window|close', { label: 'main' });
      await expect.poll(async () => (await shellState(b)).window_visible, poll).toBe(false);
      expect(app.pid()).toBeGreaterThan(0);
      display.screenshot('desktop-hidden-to-tray');

      // Hidden, the app goes on: the tray's Stop timer works, and the "not syncing" notification comes once the
      // server has been unreachable for longer than the threshold.
      await trayAction(b, 'stop-timer');
      await expect.poll(async () => (await trayLine(b, 'timer')).text, poll).toBe('No timer running');
      expect((await trayLine(b, 'stop-timer')).enabled).toBe(false);
      await expect
        .poll(async () => (await shellState(b)).notices.length, { timeout: 20_000, interval: 250 })
        .toBe(1);
      const [notice] = (await shellState(b)).notices;
      expect(notice!.title).toBe('SelfTracker is not syncing');
      expect(notice!.body).toMatch(/^Server unreachable since .* — \d+ changes? waiting$/);
      console.log(
        `notification after ${((Date.now() - failingSince) / 1000).toFixed(1)} s of failing sync (threshold 3 s); ` +
          `notification service: ${notice!.error ?? 'shown'}`,
      );
      await web.startServer();
      serverUp = true;
    } finally {
      if (!serverUp) await web.startServer();
    }
    // Still hidden, with no action: background sync finds the server again and empties the outbox.
    const back = Date.now();
    await expect
      .poll(async () => (await engineStatus(b))?.pending, { timeout: 45_000, interval: 250 })
      .toBe(0);
    console.log(
      `hidden window: synced ${((Date.now() - back) / 1000).toFixed(1)} s after the server came back`,
    );
    expect((await shellState(b)).window_visible).toBe(false);
    await expect
      .poll(async () => (await trayLine(b, 'status')).text, { timeout: 20_000, interval: 200 })
      .toBe('Sync: Synced');

    await trayAction(b, 'show');
    await expect.poll(async () => (await shellState(b)).window_visible, poll).toBe(true);
    await (await button(b, 'Start timer')).waitForExist({ timeout: 10_000 }); // the timer the tray stopped

    // `Sync now` in the tray runs a round at once (resting, the next would come at the 30 s interval).
    const before = (await engineStatus(b))!.lastSyncedAt ?? 0;
    await b.pause(50);
    await trayAction(b, 'sync-now');
    await expect
      .poll(async () => (await engineStatus(b))?.lastSyncedAt ?? 0, { timeout: 10_000, interval: 100 })
      .toBeGreaterThan(before);

    // Nothing unfinished: closing the window quits the app (so fast that the call itself may not get an answer).
    done(app);
    await invokeApp(b, 'plugin:window|close', { label: 'main' }).catch(() => {});
    await expect.poll(() => app.running(), { timeout: 15_000, interval: 200 }).toBe(false);
    await app.quit(); // ends the WebDriver session and tauri-driver
  }, 240_000);

  it('remembers the window size across a relaunch, and Quit in the tray ends the app', async () => {
    let app = await start('window');
    let b = app.browser;
    await signIn(b, `window-${Date.now()}@example.com`, PASSWORD, true, web.baseUrl);
    await invokeApp(b, 'plugin:window|set_size', {
      label: 'main',
      value: { Logical: { width: 900, height: 640 } },
    });
    const size = () =>
      invokeApp<{ width: number; height: number }>(b, 'plugin:window|inner_size', { label: 'main' });
    await expect.poll(size, poll).toEqual({ width: 900, height: 640 });
    done(app);
    await app.quit();
    expect(app.running()).toBe(false);
    expect(app.quitBy).toBe('tray'); // Quit in the tray ended it, not the fallback

    app = await start('window');
    b = app.browser;
    await (await field(b, 'New task')).waitForExist({ timeout: 30_000 }); // still signed in
    await expect.poll(size, poll).toEqual({ width: 900, height: 640 });
    await quit(app);
  }, 120_000);
});
