import { api, startTestServer, type TestServer } from '@selftracker/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNodeDriver } from './drivers/node/index.ts';
import type { Engine } from './engine.ts';
import { ClientError } from './errors.ts';
import { devicesOfOneAccount, openDevice, tempDir } from './testing/index.ts';

/** `changePassword` and `deleteAccount` against the real in-process server (PROTOCOL.md Account). */

let server: TestServer;
const dir = tempDir('selftracker-account-');
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  dir.cleanup();
});

const PASSWORD = 'password123';
let n = 0;
const file = (i: number) => `${dir.path}/d${n}-${i}.db`;

/** The refresh token a device's database holds, read beside its engine. */
async function refreshToken(i: number): Promise<string> {
  const db = openNodeDriver(file(i));
  const [r] = await db.query<{ value: string }>("SELECT value FROM sync_state WHERE key = 'refresh_token'");
  await db.close();
  return r!.value;
}

const devices = (count: number) => {
  n++;
  return devicesOfOneAccount(server.url, count, file, { prefix: 'account', password: PASSWORD });
};

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as ClientError,
  );

describe('changePassword', () => {
  it('stores the new pair; the old password and the other device’s refresh token stop working', async () => {
    const { email, engines } = await devices(2);
    const [a, b] = engines as [Engine, Engine];
    const [aBefore, bToken] = [await refreshToken(0), await refreshToken(1)];
    await a.tasks.create({ title: 'before' });
    await a.changePassword(PASSWORD, 'a new password');
    expect(await refreshToken(0)).not.toBe(aBefore);
    expect(await a.sync()).toMatchObject({ pushed: 1 });
    const http = api(server.url);
    expect((await http.call('POST', '/v1/auth/login', { body: { email, password: PASSWORD } })).status).toBe(
      401,
    );
    expect(
      (await http.call('POST', '/v1/auth/login', { body: { email, password: 'a new password' } })).status,
    ).toBe(200);
    // B's access token may still be valid until it expires; its refresh token is not.
    const refresh = (t: string) => http.call('POST', '/v1/auth/refresh', { body: { refresh_token: t } });
    expect((await refresh(bToken)).status).toBe(401);
    expect(await a.account()).toMatchObject({ signedIn: true });
    await Promise.all([a.close(), b.close()]);
  });

  it('a wrong current password is "wrong password" and keeps the session (no refresh attempt)', async () => {
    const { engines } = await devices(1);
    const a = engines[0]!;
    const token = await refreshToken(0);
    const e = await failure(a.changePassword('not it at all', 'a new password'));
    expect(ClientError.is(e, 'rejected')).toBe(true);
    expect(e!.message).toBe('wrong password');
    expect(await a.account()).toMatchObject({ signedIn: true });
    expect(await refreshToken(0)).toBe(token);
    await a.sync();
    const short = await failure(a.changePassword(PASSWORD, 'short'));
    expect(ClientError.is(short, 'invalid_input')).toBe(true);
    await a.close();
  });
});

describe('deleteAccount', () => {
  it('signs this device out; another device is refused; the email starts over empty', async () => {
    const { email, engines } = await devices(2);
    const [a, b] = engines as [Engine, Engine];
    await a.tasks.create({ title: 'doomed with the account' });
    await a.sync();
    await b.sync();
    expect(ClientError.is(await failure(a.deleteAccount('not the password')), 'rejected')).toBe(true);
    await a.deleteAccount(PASSWORD);
    expect(await a.account()).toMatchObject({ email, signedIn: false });
    expect(a.status.phase).toBe('signed-out');
    expect(await a.tasks.list()).toHaveLength(1); // the local copy is the caller's to keep or wipe
    expect(ClientError.is(await failure(b.sync()), 'unauthorized')).toBe(true);
    expect(await b.account()).toMatchObject({ signedIn: false });
    const fresh = await openDevice(`${dir.path}/fresh-${n++}.db`, server.url);
    await fresh.signup(email, PASSWORD);
    expect(await fresh.sync()).toMatchObject({ pulled: 0 });
    expect(await fresh.tasks.list()).toEqual([]);
    await Promise.all([a.close(), b.close(), fresh.close()]);
  });
});

describe('wipeLocal', () => {
  it('after deleteAccount empties every table of this device; the file reopens as a new, empty device', async () => {
    const { engines } = await devices(1);
    const a = engines[0]!;
    const project = await a.projects.create({ name: 'Home' });
    await a.tasks.create({ title: 'gone', project_id: project.id });
    await a.deleteAccount(PASSWORD);
    await a.wipeLocal();
    await a.close();
    const db = openNodeDriver(file(0));
    for (const table of ['projects', 'tasks', 'timers', 'sync_queue', 'row_versions'])
      expect(await db.query(`SELECT * FROM ${table}`), table).toEqual([]);
    // Only the clock survives: close() stores it after the wipe, and it never goes backwards.
    expect(await db.query('SELECT key FROM sync_state')).toEqual([{ key: 'hlc' }]);
    await db.close();
    const again = await openDevice(file(0), server.url);
    expect(await again.account()).toBeNull();
    expect(await again.tasks.list()).toEqual([]);
    await again.close();
  });
});
