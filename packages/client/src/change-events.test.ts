import type { EntityName } from '@selftracker/core';
import { startTestServer, type TestServer } from '@selftracker/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeDetail } from './change-events.ts';
import type { Engine } from './engine.ts';
import { openDevice, tempDir } from './testing/index.ts';

/** Change events name their source and, for a sync round, the rows it wrote (what `selftracker watch` words). */

let server: TestServer;
const dir = tempDir('selftracker-changes-');
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  dir.cleanup();
});

async function devices(): Promise<[Engine, Engine]> {
  const email = `changes${Date.now()}@example.com`;
  const a = await openDevice(`${dir.path}/a.db`, server.url);
  await a.signup(email, 'password123');
  const b = await openDevice(`${dir.path}/b.db`, server.url);
  await b.login(email, 'password123');
  return [a, b];
}

function record(e: Engine) {
  const events: { tables: readonly EntityName[]; detail: ChangeDetail }[] = [];
  e.onChange((tables, detail) => events.push({ tables, detail }));
  return events;
}

describe('change events', () => {
  it('a local write says local; a pull names the rows as they now are; an own write comes back as echo', async () => {
    const [a, b] = await devices();
    const onA = record(a);
    const onB = record(b);
    const t = await a.tasks.create({ title: 'Buy milk' });
    expect(onA).toEqual([{ tables: ['tasks'], detail: { source: 'local', ops: 1 } }]);
    await a.sync();
    const echoed = onA.slice(1).flatMap((x) => x.detail.rows ?? []);
    expect(echoed).toEqual([
      expect.objectContaining({ entity: 'tasks', id: t.id, deleted: false, echo: true }),
    ]);
    await b.sync();
    expect(onB.map((x) => x.detail.source)).toEqual(['sync']);
    expect(onB[0]!.detail.rows).toEqual([
      {
        entity: 'tasks',
        id: t.id,
        deleted: false,
        echo: false,
        data: expect.objectContaining({ title: 'Buy milk', status: 'todo' }),
      },
    ]);
    await a.tasks.update(t.id, { status: 'done' });
    const p = await a.projects.create({ name: 'Work' });
    await a.sync();
    await a.projects.delete(p.id);
    await a.sync();
    onB.length = 0;
    await b.sync();
    const rows = onB.flatMap((x) => x.detail.rows ?? []);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          entity: 'tasks',
          id: t.id,
          data: expect.objectContaining({ status: 'done' }),
        }),
        { entity: 'projects', id: p.id, deleted: true, data: null, echo: false },
      ]),
    );
    await Promise.all([a.close(), b.close()]);
  });
});
