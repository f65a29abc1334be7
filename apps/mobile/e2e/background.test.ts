/**
 * The background task's handler (`runBackgroundRound`) against the real server: one round pushes what is
 * pending and pulls what another device wrote; with the server down it reports failure and keeps the outbox.
 * The engines are real (SQLite files through the Node driver): the handler is platform-free, and the Expo
 * task only maps its outcome to BackgroundTaskResult.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '@selftracker/client';
import { openDevice } from '@selftracker/client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from '../../web/e2e/harness.ts';
import { runBackgroundRound } from '../src/background-round.ts';

let tmp: string;
let server: ServerProcess;
const EMAIL = `mobile-background-${Date.now().toString(36)}@example.com`; // unique: DATABASE_URL is shared
const PASSWORD = 'a long password';

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'selftracker-mobile-bg-'));
  server = await startServer({ dataDir: join(tmp, 'data') });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** The phone's database as the task finds it when the OS starts the app for it: signed in, not started. */
const openPhone = () => openDevice(join(tmp, 'phone.db'), server.baseUrl);

describe('the background sync task handler', () => {
  let other: Engine;

  it('pushes pending changes and pulls remote ones in one round of an engine it opens and closes', async () => {
    const phone = await openPhone();
    await phone.signup(EMAIL, PASSWORD);
    await phone.tasks.create({ title: 'Written on the phone' });
    expect(phone.status.pending).toBeGreaterThan(0);
    await phone.close();

    other = await openDevice(join(tmp, 'other.db'), server.baseUrl);
    await other.login(EMAIL, PASSWORD);
    await other.tasks.create({ title: 'Written elsewhere' });
    await other.sync();

    let opened: Engine | undefined;
    const outcome = await runBackgroundRound({
      current: () => undefined,
      open: async () => (opened = await openPhone()),
    });
    expect(outcome).toBe('success');

    await other.sync();
    expect((await other.tasks.list()).map((t) => t.title).sort()).toEqual([
      'Written elsewhere',
      'Written on the phone',
    ]);
    const phone2 = await openPhone();
    expect((await phone2.tasks.list()).map((t) => t.title).sort()).toEqual([
      'Written elsewhere',
      'Written on the phone',
    ]);
    expect((await phone2.tasks.list()).every((t) => t.synced)).toBe(true);
    await phone2.close();
    // The engine the handler opened was closed: using it fails.
    await expect(opened!.tasks.list()).rejects.toThrow();
  });

  it('uses the running app’s engine when there is one, and reports success', async () => {
    const phone = await openPhone();
    await other.tasks.create({ title: 'While the app is open' });
    await other.sync();
    const outcome = await runBackgroundRound({
      current: () => phone,
      open: async () => {
        throw new Error('must not open a second connection while the app runs');
      },
    });
    expect(outcome).toBe('success');
    expect((await phone.tasks.list()).map((t) => t.title)).toContain('While the app is open');
    await phone.close();
  });

  it('reports failure when the server is down, keeping the pending change for the next round', async () => {
    const phone = await openPhone();
    await phone.tasks.create({ title: 'Waiting for the server' });
    await phone.close();
    await server.stop();
    try {
      const outcome = await runBackgroundRound({ current: () => undefined, open: openPhone });
      expect(outcome).toBe('failed');
      const check = await openPhone();
      const row = (await check.tasks.list()).find((t) => t.title === 'Waiting for the server');
      expect(row?.synced).toBe(false);
      await check.close();
    } finally {
      server = await startServer({ dataDir: join(tmp, 'data'), port: server.port });
    }
    expect(await runBackgroundRound({ current: () => undefined, open: openPhone })).toBe('success');
    await other.sync();
    expect((await other.tasks.list()).map((t) => t.title)).toContain('Waiting for the server');
    await other.close();
  });

  it('does nothing and succeeds when nobody is signed in', async () => {
    expect(await runBackgroundRound({ current: () => undefined, open: async () => undefined })).toBe(
      'success',
    );
  });
});
