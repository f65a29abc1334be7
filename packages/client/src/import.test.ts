import { startTestServer, type TestServer } from '@selftracker/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, ImportInput } from './engine.ts';
import { ClientError } from './errors.ts';
import { devicesOfOneAccount, tempDir } from './testing/index.ts';

/** `Engine.importRows`: rows under their own ids, all or nothing, idempotent here and across devices. */

let server: TestServer;
const dir = tempDir('selftracker-import-');
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
  return (
    await devicesOfOneAccount(server.url, count, (i) => `${dir.path}/d${n}-${i}.db`, { prefix: 'import' })
  ).engines;
};

const P = '0190aaaa-0000-7000-8000-000000000001';
const T1 = '0190aaaa-0000-7000-8000-000000000002';
const T2 = '0190aaaa-0000-7000-8000-000000000003';
const R = '0190aaaa-0000-7000-8000-000000000004';
const AT = 1_700_000_000_000;
const file: ImportInput = {
  projects: [{ id: P, name: 'Work', color: '#336699', archived: false, created_at: AT, updated_at: AT }],
  tasks: [
    {
      id: T1,
      title: 'Write report',
      description: null,
      status: 'done',
      project_id: P,
      due_at: null,
      created_at: AT,
      updated_at: AT,
    },
    {
      id: T2,
      title: 'Call Bob',
      description: 'about Q1',
      status: 'todo',
      project_id: null,
      due_at: AT + 86_400_000,
      created_at: AT,
      updated_at: AT,
    },
  ],
  timers: [
    {
      id: R,
      task_id: T1,
      project_id: P,
      note: null,
      started_at: AT,
      stopped_at: AT + 60_000,
      created_at: AT,
      updated_at: AT,
    },
  ],
};
const strip = <T extends { synced: boolean; updated_at: number }>(rows: T[]) =>
  rows.map(({ synced: _, updated_at: __, ...r }) => r);
const counts = async (e: Engine) => [
  (await e.projects.list()).length,
  (await e.tasks.list()).length,
  (await e.timers.list()).length,
];

describe('importRows', () => {
  it('keeps ids and fields; a second import writes nothing; another device importing too adds nothing', async () => {
    const [a, b] = (await devices(2)) as [Engine, Engine];
    expect(await a.importRows(file)).toEqual({
      projects: { written: 1, skipped: 0 },
      tasks: { written: 2, skipped: 0 },
      timers: { written: 1, skipped: 0 },
    });
    const tasks = await a.tasks.list();
    expect(strip(tasks)).toEqual(strip(file.tasks!.map((t) => ({ ...t, synced: false }))));
    expect(a.status.pending).toBe(4);
    expect(await a.importRows(file)).toEqual({
      projects: { written: 0, skipped: 1 },
      tasks: { written: 0, skipped: 2 },
      timers: { written: 0, skipped: 1 },
    });
    expect(a.status.pending).toBe(4);
    await a.sync();
    // B imports the same file offline, before it has pulled anything: its CREATEs merge on the server.
    expect((await b.importRows(file)).tasks).toEqual({ written: 2, skipped: 0 });
    await b.sync();
    await a.sync();
    expect(await counts(a)).toEqual([1, 2, 1]);
    expect(await counts(b)).toEqual([1, 2, 1]);
    expect(strip(await b.tasks.list())).toEqual(strip(await a.tasks.list()));
    await Promise.all([a.close(), b.close()]);
  });

  it('leaves alone a row held here as newer or deleted; overwrites an older copy', async () => {
    const [a] = (await devices(1)) as [Engine];
    await a.importRows(file);
    await a.tasks.update(T1, { title: 'Edited after the export' });
    await a.tasks.delete(T2);
    const older = { ...file, tasks: file.tasks!.map((t) => ({ ...t, title: `${t.title} (again)` })) };
    expect((await a.importRows(older)).tasks).toEqual({ written: 0, skipped: 2 });
    expect((await a.tasks.get(T1))?.title).toBe('Edited after the export');
    expect(await a.tasks.get(T2)).toBeUndefined();
    const newer = {
      tasks: [{ ...file.tasks![0]!, title: 'From a newer file', updated_at: Date.now() + 60_000 }],
    };
    expect((await a.importRows(newer)).tasks).toEqual({ written: 1, skipped: 0 });
    expect((await a.tasks.get(T1))?.title).toBe('From a newer file');
    await a.close();
  });

  it('one invalid row rejects the import and writes nothing', async () => {
    const [a] = (await devices(1)) as [Engine];
    const bad = [
      { ...file, timers: [{ ...file.timers![0]!, stopped_at: AT - 1 }] },
      { ...file, tasks: [file.tasks![0]!, { ...file.tasks![1]!, status: 'someday' as 'todo' }] },
      { ...file, projects: [{ ...file.projects![0]!, id: 'not-a-uuid' }] },
      { tasks: [{ ...file.tasks![0]!, title: '' }] },
    ];
    for (const input of bad) {
      const e = await a.importRows(input).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(ClientError.is(e, 'invalid_input'), String(e)).toBe(true);
    }
    expect(await counts(a)).toEqual([0, 0, 0]);
    expect(a.status.pending).toBe(0);
    await a.close();
  });
});
