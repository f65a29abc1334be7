/**
 * The desktop test harness: builds the app (`npm run desktop:build`, incremental), runs it under a private
 * Xvfb display, and drives each launch through `tauri-driver` (→ Debian's WebKitWebDriver) with webdriverio.
 * Each launch is one "device": its own tauri-driver process whose environment carries the contract's
 * `SELFTRACKER_SERVER` and `SELFTRACKER_DESKTOP_DATA_DIR`, which the app inherits.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { remote } from 'webdriverio';
import { REPO_DIR } from '../../web/build/web-build.ts';
import { freePort, SCREENSHOT_DIR } from '../../web/e2e/harness.ts';

export const DESKTOP_DIR = join(REPO_DIR, 'apps', 'desktop');

/** Where `npm run desktop:build` puts the binary (scripts/desktop-build.mjs). */
export function desktopBinary(): string {
  const target = process.env.CARGO_TARGET_DIR
    ? resolve(process.env.CARGO_TARGET_DIR)
    : join(DESKTOP_DIR, 'src-tauri', 'target');
  return join(target, 'debug', 'selftracker-desktop');
}

/** Builds the app as the README says (a no-op but for the front end when nothing changed); returns the binary. */
export function buildDesktop(): string {
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(REPO_DIR, 'scripts', 'desktop-build.mjs')], {
    cwd: REPO_DIR,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 30 * 60_000,
  });
  if (r.status !== 0)
    throw new Error(`npm run desktop:build failed (exit ${r.status ?? r.signal}); see its output above`);
  const binary = desktopBinary();
  console.log(`desktop app built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${binary}`);
  return binary;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = waitForExit(child);
  child.kill('SIGTERM');
  const timeout = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timeout);
}

/**
 * A private X display (Xvfb picks a free number and tells it on fd 3) and a private D-Bus session bus, as a
 * desktop session has: the single-instance plugin and the tray menu talk over it.
 */
export interface Display {
  name: string;
  /** `DBUS_SESSION_BUS_ADDRESS` of the session bus. */
  bus: string;
  /** A screenshot of the whole screen (the window as X draws it), by ImageMagick's `import`. */
  screenshot(name: string): string;
  stop(): Promise<void>;
}

export async function startDisplay(): Promise<Display> {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  xvfb.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const number = await new Promise<string>((resolveNumber, reject) => {
    let out = '';
    const fd3 = xvfb.stdio[3] as NodeJS.ReadableStream;
    fd3.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolveNumber(out.trim());
    });
    xvfb.once('exit', (code) =>
      reject(new Error(`Xvfb exited with ${code}: ${stderr.trim()} (install xvfb)`)),
    );
    setTimeout(() => reject(new Error('Xvfb did not start within 10 s')), 10_000);
  });
  const name = `:${number}`;
  // Its log (services it activates for the webview: portals, accessibility) is noise here.
  const dbus = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const bus = await new Promise<string>((resolveBus, reject) => {
    let out = '';
    dbus.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolveBus(out.trim());
    });
    dbus.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
  });
  return {
    name,
    bus,
    screenshot(file) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${file}.png`);
      execFileSync('import', ['-display', name, '-window', 'root', path]);
      return path;
    },
    stop: async () => {
      await stopChild(dbus);
      await stopChild(xvfb);
    },
  };
}

export type Browser = WebdriverIO.Browser;

/** One running desktop app: its WebDriver session, its tauri-driver, its data directory. */
export interface App {
  browser: Browser;
  dataDir: string;
  /** The app's process id (found by its data directory in its environment). */
  pid(): number;
  /** Whether the app's process is still running. */
  running(): boolean;
  /** How the last `quit` ended the app: the tray's Quit, closing its window, or SIGKILL after both failed. */
  quitBy?: 'tray' | 'window' | 'kill';
  /** Quits as a user does, with the tray menu's `Quit` (closing the window may only hide it), and stops tauri-driver. */
  quit(): Promise<void>;
  /** SIGKILL, no warning: a crash or a power cut. */
  kill(): Promise<void>;
}

/** Launches the app on `display` with its data in `dataDir`, the `Server` field's default `server`. */
export async function launch(opts: {
  binary: string;
  display: Display;
  dataDir: string;
  server: string;
  /** More environment for the app (e.g. `SELFTRACKER_DESKTOP_NOTIFY_AFTER_MS`). */
  env?: Record<string, string> | undefined;
}): Promise<App> {
  mkdirSync(opts.dataDir, { recursive: true });
  const port = await freePort();
  const nativePort = await freePort();
  const driverBin = join(REPO_DIR, 'node_modules', '.bin', 'tauri-driver');
  const driver = spawn(driverBin, ['--port', String(port), '--native-port', String(nativePort)], {
    env: {
      ...process.env,
      DISPLAY: opts.display.name,
      DBUS_SESSION_BUS_ADDRESS: opts.display.bus,
      SELFTRACKER_SERVER: opts.server,
      SELFTRACKER_DESKTOP_DATA_DIR: opts.dataDir,
      // No accessibility bus, no GPU: quiet and quick under Xvfb.
      NO_AT_BRIDGE: '1',
      WEBKIT_DISABLE_COMPOSITING_MODE: '1',
      WEBKIT_DISABLE_DMABUF_RENDERER: '1',
      ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForPort(port, driver);
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    connectionRetryCount: 0,
    capabilities: {
      'tauri:options': { application: opts.binary },
      'wdio:enforceWebDriverClassic': true,
    } as WebdriverIO.Capabilities,
  });
  const pid = () => findPid(opts.binary, opts.dataDir);
  const app: App = {
    browser,
    dataDir: opts.dataDir,
    pid,
    running: () => alive(opts.binary, opts.dataDir),
    async quit() {
      const running = () => alive(opts.binary, opts.dataDir);
      // Fire and forget: the app exits before it could answer.
      await browser
        .execute(() => {
          void (window as unknown as TauriWindow).__TAURI_INTERNALS__.invoke('desktop_tray_action', {
            id: 'quit',
          });
        })
        .catch(() => {});
      const byTray = await waitUntil(() => !running(), 10_000, 'the app to exit').then(
        () => true,
        () => false,
      );
      await browser.deleteSession().catch(() => {});
      await stopChild(driver);
      if (byTray) {
        app.quitBy = 'tray';
        return;
      }
      try {
        await waitUntil(() => !running(), 10_000, 'the app to exit');
        app.quitBy = 'window';
      } catch {
        // Neither the tray's Quit nor closing the window ended the app (the tests assert that Quit does). Its
        // data is on disk either way (every write is committed before the UI shows it); say so loudly, then end it,
        // so the run goes on.
        const [stuck] = pidsOf(opts.binary, opts.dataDir);
        const shot = opts.display.screenshot(`quit-timeout-${stuck}`);
        const state = readFileSync(`/proc/${stuck}/status`, 'utf8').match(/^State:.*$/m)?.[0];
        console.warn(`WARNING: the app (pid ${stuck}, ${state}) did not exit after Quit; see ${shot}`);
        if (stuck !== undefined) process.kill(stuck, 'SIGKILL');
        await waitUntil(() => !running(), 10_000, 'the app to die');
        app.quitBy = 'kill';
      }
    },
    async kill() {
      process.kill(pid(), 'SIGKILL');
      await waitUntil(() => !alive(opts.binary, opts.dataDir), 10_000, 'the killed app to disappear');
      await browser.deleteSession().catch(() => {});
      await stopChild(driver);
    },
  };
  return app;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/status`);
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('tauri-driver did not listen within 20 s');
}

async function waitUntil(ok: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The processes of `binary` whose environment names `dataDir` as the desktop data directory. */
function pidsOf(binary: string, dataDir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0];
      if (cmd !== binary) continue;
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`SELFTRACKER_DESKTOP_DATA_DIR=${dataDir}`)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const alive = (binary: string, dataDir: string) =>
  pidsOf(binary, dataDir).some((pid) => {
    try {
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
    } catch {
      return false;
    }
  });

function findPid(binary: string, dataDir: string): number {
  const [pid, ...more] = pidsOf(binary, dataDir);
  if (pid === undefined || more.length > 0)
    throw new Error(`expected one app on ${dataDir}, found ${[pid, ...more]}`);
  return pid;
}

interface TauriWindow {
  __TAURI_INTERNALS__: { invoke(cmd: string, args?: Record<string, unknown>): Promise<unknown> };
}

/** Calls a Tauri command from the app's webview, as its front end would; rejects with the command's error. */
export async function invokeApp<T>(b: Browser, cmd: string, args: Record<string, unknown> = {}): Promise<T> {
  const r = (await b.executeAsync(
    (cmd: string, args: Record<string, unknown>, done: (r: { ok?: unknown; err?: string }) => void) => {
      (window as unknown as TauriWindow).__TAURI_INTERNALS__.invoke(cmd, args).then(
        (ok) => done({ ok }),
        (err: unknown) => done({ err: String(err) }),
      );
    },
    cmd,
    args,
  )) as { ok?: unknown; err?: string };
  if (r.err !== undefined) throw new Error(`${cmd}: ${r.err}`);
  return r.ok as T;
}

/** lib.rs `ShellState`: the tray menu's lines, whether the window shows, the notifications sent. */
export interface ShellState {
  tray: { id: string; text: string; enabled: boolean }[];
  window_visible: boolean;
  notices: { title: string; body: string; error: string | null }[];
}

export const shellState = (b: Browser) => invokeApp<ShellState>(b, 'desktop_shell_state');

/** The tray menu line `id` (`status`, `sync-now`, `timer`, `stop-timer`, `show`, `quit`). */
export async function trayLine(b: Browser, id: string): Promise<{ text: string; enabled: boolean }> {
  const line = (await shellState(b)).tray.find((l) => l.id === id);
  if (!line) throw new Error(`the tray menu has no ${id}`);
  return { text: line.text, enabled: line.enabled };
}

/** Chooses a tray menu item (a native menu cannot be clicked through WebDriver; the command runs its handler). */
export const trayAction = (b: Browser, id: string) => invokeApp<null>(b, 'desktop_tray_action', { id });

// ---- the web app's accessible contract, as WebDriver locators ----

const q = (s: string) => JSON.stringify(s); // an XPath string literal (the names used here hold no quotes)

/** An input by its accessible name: `aria-label`, or a `<label for>`. */
export const field = (b: Browser, name: string) =>
  b.$(`//*[@aria-label=${q(name)}] | //*[@id=//label[normalize-space()=${q(name)}]/@for]`);

export const button = (b: Browser, name: string) =>
  b.$(`//button[normalize-space()=${q(name)} or @aria-label=${q(name)}]`);

export const taskRow = (b: Browser, title: string) =>
  b.$(`//ul[@aria-label="Tasks"]/li[.//*[contains(@class,"task-title") and normalize-space()=${q(title)}]]`);

export const syncStatus = (b: Browser) => b.$('//*[@role="status" and @aria-label="Sync status"]');

/** Types into an input and presses Enter, as a person would. */
export async function typeAndEnter(b: Browser, name: string, text: string): Promise<void> {
  const input = await field(b, name);
  await input.setValue(text);
  await input.addValue('\uE007');
}

export async function taskTitles(b: Browser): Promise<string[]> {
  return b.execute(() =>
    Array.from(document.querySelectorAll('ul[aria-label="Tasks"] .task-title'), (e) => e.textContent ?? ''),
  );
}

/** The engine's pending count and state through the debug hook (`window.__selftracker`). */
export async function engineStatus(
  b: Browser,
): Promise<{ pending: number; state: string; lastSyncedAt: number | null } | null> {
  return b.execute(() => {
    const hook = (
      window as unknown as {
        __selftracker?: {
          engine?: { status: { pending: number; state: string; lastSyncedAt: number | null } };
        };
      }
    ).__selftracker;
    const s = hook?.engine?.status;
    return s ? { pending: s.pending, state: s.state, lastSyncedAt: s.lastSyncedAt } : null;
  });
}

/** Signs up (or in) through the sign-in screen; the `Server` field must already hold `server`. */
export async function signIn(b: Browser, email: string, password: string, create: boolean, server: string) {
  await (await field(b, 'Email')).waitForExist({ timeout: 30_000 });
  const serverField = await field(b, 'Server');
  const shown = await serverField.getValue();
  if (shown !== server) throw new Error(`the Server field shows ${shown}, expected ${server}`);
  await (await field(b, 'Email')).setValue(email);
  await (await field(b, 'Password')).setValue(password);
  await (await button(b, create ? 'Create account' : 'Sign in')).click();
  await (await field(b, 'New task')).waitForExist({ timeout: 30_000 });
}
