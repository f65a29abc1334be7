/**
 * The Chromium test page (built by ../web-driver.test.ts with Vite): the driver contract against the web
 * driver, plus app-like helpers for the reload and second-tab scenarios. Everything is on `window.st`.
 */
import type { SqliteDriver, SqlParams } from '../../../driver.ts';
import { type DriverFixture, driverContract, runCase, runContract } from '../../contract/index.ts';
import { acquireDatabaseLock, type DatabaseLock, openWebDriver } from '../index.ts';

const fixture: DriverFixture = {
  name: 'web (sqlite-wasm, opfs-sahpool)',
  open: (file) => openWebDriver({ file }),
};

/** One "app" per page: the lock, the driver it guards, and what the user would see. */
const app: {
  lock?: DatabaseLock;
  driver?: SqliteDriver | undefined;
  screen: 'loading' | 'ready' | 'open-in-another-tab' | 'moved-to-another-tab';
  writer?: Promise<number>;
  stopWriter?: () => void;
} = { screen: 'loading' };

async function openApp(file: string) {
  app.driver = await openWebDriver({ file });
  await app.driver.exec('CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  app.screen = 'ready';
}

const st = {
  contractCases: () => driverContract.map((c) => c.name),
  /** One contract case by name; its result as data. */
  runContractCase: (name: string) => {
    const c = driverContract.find((x) => x.name === name);
    if (!c) throw new Error(`no contract case ${name}`);
    return runCase(fixture, c);
  },
  /** The whole contract, as a webview or a device page would run it. */
  runContract: () => runContract(fixture, driverContract),

  async start(file: string) {
    app.lock = await acquireDatabaseLock(file, {
      async onTakeoverRequested() {
        app.stopWriter?.();
        await app.driver?.close();
        app.driver = undefined;
        app.screen = 'moved-to-another-tab';
      },
    });
    if (app.lock.state === 'owned') await openApp(file);
    else app.screen = 'open-in-another-tab';
    return app.screen;
  },
  async useHere(file: string) {
    if (app.lock?.state !== 'taken') throw new Error('not waiting for another tab');
    app.lock = await app.lock.takeOver();
    await openApp(file);
    return app.screen;
  },
  screen: () => app.screen,
  exec: (sql: string, params?: SqlParams) => app.driver!.exec(sql, params),
  query: (sql: string, params?: SqlParams) => app.driver!.query(sql, params),
  /** Writes notes, one transaction each, until stopped or the driver closes; resolves to how many committed. */
  startWriting(prefix: string) {
    let stop = false;
    app.stopWriter = () => (stop = true);
    const driver = app.driver!;
    app.writer = (async () => {
      let n = 0;
      while (!stop) {
        try {
          await driver.transaction(async (tx) => {
            await tx.exec('INSERT INTO notes (body) VALUES (?)', [`${prefix}-${n}`]);
            await tx.exec("UPDATE notes SET body = body || '' WHERE id = last_insert_rowid()");
          });
          n++;
        } catch {
          break; // closed under us by the hand-over: everything counted so far is committed
        }
      }
      return n;
    })();
  },
  written: () => app.writer ?? Promise.reject(new Error('not writing')),
  openDirect: (file: string) => openWebDriver({ file }).then(() => 'opened'),
};

export type PageApi = typeof st;
(window as unknown as { st: PageApi }).st = st;
document.title = 'ready';
