import { startTestServer, type TestServer } from '@selftracker/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from './engine.ts';
import { devicesOfOneAccount, tempDir } from './testing/index.ts';

let server: TestServer;
const dir = tempDir();
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  dir.cleanup();
});

let n = 0;
const devices = async (count: number): Promise<Engine[]> => {
  n++;
  return (await devicesOfOneAccount(server.url, count, (i) => `${dir.path}/d${n}-${i}.db`, { prefix: 'dev' }))
    .engines;
};

describe('two devices of one user', () => {
  it('offline edits on each converge after sync in any order', async () => {
    const [a, b] = await devices(2);
    const t = await a!.tasks.create({ title: 'Write report' });
    await a!.sync();
    await b!.sync();
    await a!.tasks.update(t.id, { status: 'done' });
    await b!.tasks.update(t.id, { description: 'with figures' });
    await b!.sync();
    await a!.sync();
    await b!.sync();
    const ra = await a!.tasks.get(t.id);
    const rb = await b!.tasks.get(t.id);
    expect(ra).toEqual(rb);
    expect(ra).toMatchObject({ status: 'done', description: 'with figures', synced: true });
    expect(a!.status.pending).toBe(0);
  });

  it('delete on one device and edit on another ends deleted everywhere', async () => {
    const [a, b] = await devices(2);
    const t = await a!.tasks.create({ title: 'Doomed' });
    await a!.sync();
    await b!.sync();
    await a!.tasks.delete(t.id);
    await b!.tasks.update(t.id, { title: 'Edited' });
    await b!.sync();
    await a!.sync();
    await b!.sync();
    expect(await a!.tasks.get(t.id)).toBeUndefined();
    expect(await b!.tasks.get(t.id)).toBeUndefined();
  });
});
