import { createBrowserConnectivity } from '@selftracker/client/browser-connectivity';
import { openNodeDriver } from '@selftracker/client/node';
import { tempDir } from '@selftracker/client/testing';
import { startTestServer, type TestServer } from '@selftracker/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppController, databaseFile, soleOwnerLock } from './app-controller.ts';

/** AppController.deleteAccount against the real in-process server, with real SQLite files (the node driver). */

let server: TestServer;
const dir = tempDir('selftracker-ui-account-');
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  dir.cleanup();
});

const PASSWORD = 'password123';
const online = {
  navigator: { onLine: true },
  addEventListener() {},
  removeEventListener() {},
};
let n = 0;

/** A controller signed up to a new account, its user's task written, and the path of its database. */
async function signedUp() {
  const items = new Map<string, string>();
  const path = (userId: string) => `${dir.path}/${n}-${databaseFile(userId)}`;
  const controller = new AppController({
    server: server.url,
    storage: {
      getItem: (k) => items.get(k) ?? null,
      setItem: (k, v) => void items.set(k, v),
      removeItem: (k) => void items.delete(k),
    },
    platform: {
      lockDatabase: async () => soleOwnerLock(),
      openDriver: async (userId) => openNodeDriver(path(userId)),
      createConnectivity: () => createBrowserConnectivity(online),
    },
  });
  const email = `ui-account-${Date.now()}-${n++}@example.com`;
  await controller.authenticate('signup', email, PASSWORD);
  const state = controller.state;
  if (state.kind !== 'ready') throw new Error(`not ready: ${state.kind}`);
  await state.session.engine.tasks.create({ title: 'mine' });
  const file = path(state.session.userId);
  /** The task titles left in the database file (the controller has closed it). */
  const titles = async () => {
    const db = openNodeDriver(file);
    const rows = await db.query<{ title: string }>('SELECT title FROM tasks');
    await db.close();
    return rows.map((r) => r.title);
  };
  return { controller, email, items, titles };
}

describe('AppController.deleteAccount', () => {
  it('a wrong password changes nothing: still signed in, the data still here', async () => {
    const { controller, titles } = await signedUp();
    await expect(controller.deleteAccount('not the password', false)).rejects.toThrow('wrong password');
    expect(controller.state.kind).toBe('ready');
    await controller.signOut();
    expect(await titles()).toEqual(['mine']);
  });

  it('wipes this device by default: signed out with a notice, the database emptied', async () => {
    const { controller, email, items, titles } = await signedUp();
    await controller.deleteAccount(PASSWORD, false);
    expect(controller.state).toEqual({
      kind: 'signed-out',
      notice: `Deleted the account ${email} and wiped its data from this device.`,
    });
    expect([...items.keys()]).not.toContain('selftracker.currentUser');
    expect(await titles()).toEqual([]);
    await expect(controller.authenticate('login', email, PASSWORD)).rejects.toThrow(
      'wrong email or password',
    );
  });

  it('keeps a signed-out local copy when asked', async () => {
    const { controller, email, titles } = await signedUp();
    await controller.deleteAccount(PASSWORD, true);
    expect(controller.state).toMatchObject({ kind: 'signed-out', notice: expect.stringContaining(email) });
    expect(await titles()).toEqual(['mine']);
  });
});
