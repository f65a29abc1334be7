import { api, snapshotDatabase, startTestServer, type TestServer } from '@selftracker/server/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Engine } from './engine.ts';
import { openDevice, tempDir } from './testing/index.ts';

/**
 * The server is restored from an older backup under two running devices (engines on SQLite files, real HTTP,
 * PGlite or PostgreSQL with DATABASE_URL). Their cursors are now ahead of the server: the next pull gets `410
 * reset_required`, both start over, and what they synced after the backup was taken is offered again, so nothing
 * a device still holds is lost (PROTOCOL.md Pull).
 */

let server: TestServer;
const dir = tempDir('selftracker-restore-');
const engines: Engine[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const e of engines) await e.close().catch(() => {});
  await server.close();
  dir.cleanup();
});

const PASSWORD = 'password123';

async function serverTasks(email: string) {
  const http = api(server.url);
  const login = await http.call('POST', '/v1/auth/login', { body: { email, password: PASSWORD } });
  expect(login.status).toBe(200);
  const rows: Record<string, { deleted: boolean; title: unknown }> = {};
  let cursor = '';
  for (let more = true; more; ) {
    const r = await http.pull(login.body.access_token, cursor && `?cursor=${encodeURIComponent(cursor)}`);
    expect(r.status).toBe(200);
    for (const c of r.body.changes)
      if (c.entity === 'tasks') rows[c.entity_id] = { deleted: c.deleted, title: c.data?.title ?? null };
    [cursor, more] = [r.body.cursor, r.body.has_more];
  }
  return rows;
}

const titles = async (e: Engine) => Object.fromEntries((await e.tasks.list()).map((t) => [t.id, t.title]));

it('after a restore from an older dump, both devices re-pull and offer again what the server lost', async () => {
  const email = `restore${Date.now()}@example.com`;
  const a = await openDevice(`${dir.path}/a.db`, server.url);
  const b = await openDevice(`${dir.path}/b.db`, server.url);
  engines.push(a, b);
  await a.signup(email, PASSWORD);
  await b.login(email, PASSWORD);

  const kept = await a.tasks.create({ title: 'Before the backup' });
  const edited = await b.tasks.create({ title: 'Edited after the backup' });
  const doomed = await a.tasks.create({ title: 'Deleted after the backup' });
  for (const e of [a, b, a]) await e.sync();
  const backup = await snapshotDatabase(server.db);

  // Synced after the dump: created on each device, an edit and a delete; every device holds all of it.
  const fromA = await a.tasks.create({ title: 'Created on A after the backup' });
  const fromB = await b.tasks.create({ title: 'Created on B after the backup' });
  await a.tasks.update(edited.id, { title: 'Edited after the backup (new title)' });
  await b.tasks.delete(doomed.id);
  for (const e of [a, b, a]) await e.sync();
  const before = await titles(a);
  expect(await titles(b)).toEqual(before);
  expect(Object.keys(before).sort()).toEqual([kept.id, edited.id, fromA.id, fromB.id].sort());

  await backup.restore();
  expect(Object.keys(await serverTasks(email)).sort()).toEqual([kept.id, edited.id, doomed.id].sort());

  const first = [await a.sync(), await b.sync()];
  expect(first.map((r) => r.reset)).toEqual([true, true]);
  // What each device still held at a version the server lost: two creates, the edit and the delete.
  expect(first.map((r) => r.reoffered)).toEqual([4, 4]);
  // Meanwhile nothing disappeared from either device.
  expect(await titles(a)).toEqual(before);
  expect(await titles(b)).toEqual(before);

  for (const e of [a, b, a, b]) await e.sync();
  expect(await serverTasks(email)).toEqual({
    [kept.id]: { deleted: false, title: 'Before the backup' },
    [edited.id]: { deleted: false, title: 'Edited after the backup (new title)' },
    [doomed.id]: { deleted: true, title: null },
    [fromA.id]: { deleted: false, title: 'Created on A after the backup' },
    [fromB.id]: { deleted: false, title: 'Created on B after the backup' },
  });
  for (const e of [a, b]) {
    expect(await titles(e)).toEqual(before);
    expect(e.status.pending).toBe(0);
    expect((await e.tasks.list()).every((t) => t.synced)).toBe(true);
  }
  // Both devices agree with the server by checksum: the next verification finds no drift.
  const reports = [await a.sync(), await b.sync()];
  expect(reports.flatMap((r) => r.resynced)).toEqual([]);
});
