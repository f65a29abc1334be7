import { randomUUID } from 'node:crypto';
import type { Change } from '@selftracker/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlc, newTask, op, pullAll, rowsOf, type WireOp } from './test-fixtures.ts';
import { api, startTestServer, type TestServer } from './testing/index.ts';

let server: TestServer;
let client: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startTestServer();
  client = api(server.url);
});
afterAll(async () => {
  await server?.close();
});

const WRITERS = 10;
const BATCHES = 6;
const OPS_PER_BATCH = 4;
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A device pushing several batches: mostly new rows (each its own final change), some edits and deletes. */
async function writer(token: string, w: number, shared: string[]) {
  const mine: string[] = [];
  let counter = 0;
  const h = () => hlc(Date.now(), counter++, `writer-${w}`);
  for (let b = 0; b < BATCHES; b++) {
    const ops: WireOp[] = [];
    for (let i = 0; i < OPS_PER_BATCH; i++) {
      const id = randomUUID();
      mine.push(id);
      ops.push(newTask(id, h(), { title: `w${w} b${b} #${i}` }));
    }
    ops.push(op('tasks', mine[b]!, 'UPDATE', h(), { status: 'done' }));
    ops.push(
      op('tasks', shared[w % shared.length]!, 'UPDATE', h(), { description: `touched by ${w} in ${b}` }),
    );
    if (b === BATCHES - 1) ops.push(op('tasks', mine[0]!, 'DELETE', h()));
    const r = await client.push(token, { client_id: `writer-${w}`, ops });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.results.filter((x: { status: string }) => x.status !== 'applied')).toEqual([]);
    await tick(); // interleave with the other writers and the pullers
  }
}

/** A device pulling in small pages until told to stop, then draining; records every change it saw. */
async function puller(token: string, done: () => boolean) {
  const seen: Change[] = [];
  let cursor: string | undefined;
  let pagesDuringWrites = 0;
  for (;;) {
    const finishing = done(); // read before the pull: a pull after every writer finished must come up empty
    const q = new URLSearchParams({ limit: '7', ...(cursor ? { cursor } : {}) });
    const r = await client.pull(token, `?${q}`);
    expect(r.status).toBe(200);
    if (!done()) pagesDuringWrites++;
    seen.push(...(r.body.changes as Change[]));
    cursor = r.body.cursor;
    if (!r.body.has_more) {
      if (finishing) return { seen, cursor, pagesDuringWrites };
      await tick();
    }
  }
}

describe('no skipped changes under concurrent pushes', () => {
  it('every puller sees every change once per version, in increasing version order', async () => {
    const u = await client.signup();
    const shared = [randomUUID(), randomUUID(), randomUUID()];
    await client.push(u.access_token, {
      client_id: 'seed',
      ops: shared.map((id) => newTask(id, hlc(Date.now() - 1000))),
    });

    let writersDone = false;
    const pullers = [puller(u.access_token, () => writersDone), puller(u.access_token, () => writersDone)];
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(u.access_token, w, shared)));
    writersDone = true;
    const results = await Promise.all(pullers);

    const server_ = await pullAll(client, u.access_token);
    const truth = rowsOf(server_.changes, true);
    const opsPerWriter = BATCHES * (OPS_PER_BATCH + 2) + 1;
    const [user] = await server.db.query<{ version: number }>('SELECT version FROM users WHERE id = $1', [
      u.user_id,
    ]);
    // One version per operation that changed something: only edits of the shared rows may lose to a newer HLC.
    const sharedEdits = WRITERS * BATCHES;
    expect(Number(user!.version)).toBeLessThanOrEqual(shared.length + WRITERS * opsPerWriter);
    expect(Number(user!.version)).toBeGreaterThanOrEqual(
      shared.length + WRITERS * opsPerWriter - sharedEdits,
    );
    expect(server_.changes.at(-1)?.version).toBe(String(user!.version));
    expect(truth.size).toBe(shared.length + WRITERS * BATCHES * OPS_PER_BATCH);
    expect(server_.cursor).toBe(results[0]!.cursor);

    for (const { seen, pagesDuringWrites } of results) {
      expect(pagesDuringWrites).toBeGreaterThan(0); // the puller really raced the writers
      const versions = seen.map((c) => Number(c.version));
      for (let i = 1; i < versions.length; i++) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!);
      // The client's stored state after applying every page equals the server's state.
      expect(rowsOf(seen, true)).toEqual(truth);
    }
    // Deletes and updates reached the pullers as well.
    const tombstones = [...truth.values()].filter((r) => r.deleted);
    expect(tombstones).toHaveLength(WRITERS);
    const sharedRows = shared.map((id) => truth.get(`tasks/${id}`)!);
    for (const r of sharedRows) expect(r.data?.description).toMatch(/^touched by \d+ in \d+$/);
  });
});
