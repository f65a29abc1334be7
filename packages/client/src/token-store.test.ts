import { startTestServer, type TestServer } from '@selftracker/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNodeDriver } from './drivers/node/index.ts';
import { getState } from './sync-state.ts';
import { openDevice, tempDir } from './testing/index.ts';
import { type KeyValueStore, keyValueTokenStore } from './token-store.ts';

let server: TestServer;
const dir = tempDir();

beforeAll(async () => {
  server = await startTestServer();
}, 120_000);

afterAll(async () => {
  await server.close();
  dir.cleanup();
});

/** A keystore as the phone's secure store offers it (the I/O edge: a map here). */
function memoryKeystore(): KeyValueStore & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItemAsync: async (k) => items.get(k) ?? null,
    setItemAsync: async (k, v) => void items.set(k, v),
    deleteItemAsync: async (k) => void items.delete(k),
  };
}

describe('the token store seam', () => {
  it('keeps the tokens in the given store, never in the database, across sync, reopen and sign-out', async () => {
    const keystore = memoryKeystore();
    const file = `${dir.path}/secure.db`;
    const tokens = keyValueTokenStore(keystore, 'selftracker.test');
    const a = await openDevice(file, server.url, { tokens });
    await a.signup('secure@example.com', 'a long password');
    expect([...keystore.items.keys()].sort()).toEqual([
      'selftracker.test.access',
      'selftracker.test.refresh',
    ]);
    await a.tasks.create({ title: 'Pushed with the stored token' });
    await a.sync();
    expect(a.status.pending).toBe(0);
    await a.close();
    const raw = openNodeDriver(file);
    expect(await getState(raw, 'refresh_token')).toBeUndefined();
    expect(await getState(raw, 'access_token')).toBeUndefined();
    expect(await getState(raw, 'email')).toBe('secure@example.com');
    await raw.close();

    // Reopened with the same store: still signed in; without it (tokens only in the keystore): signed out.
    const b = await openDevice(file, server.url, { tokens });
    expect((await b.account())?.signedIn).toBe(true);
    await b.close();
    const c = await openDevice(file, server.url);
    expect((await c.account())?.signedIn).toBe(false);
    await c.close();

    const d = await openDevice(file, server.url, { tokens });
    await d.logout();
    expect(keystore.items.size).toBe(0);
    expect((await d.account())?.signedIn).toBe(false);
    await d.close();
  });

  it('stores the rotated pair after a refresh', async () => {
    const keystore = memoryKeystore();
    const e = await openDevice(`${dir.path}/rotate.db`, server.url, {
      tokens: keyValueTokenStore(keystore, 'selftracker.rotate'),
    });
    await e.signup('rotate@example.com', 'a long password');
    const before = keystore.items.get('selftracker.rotate.refresh');
    keystore.items.set('selftracker.rotate.access', 'not-a-valid-token'); // the server answers 401: refresh once
    await e.tasks.create({ title: 'After a refresh' });
    await e.sync();
    expect(e.status.pending).toBe(0);
    expect(keystore.items.get('selftracker.rotate.refresh')).not.toBe(before);
    expect(keystore.items.get('selftracker.rotate.access')).not.toBe('not-a-valid-token');
    await e.close();
  });
});
