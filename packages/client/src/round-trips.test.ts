/**
 * Requests per sync round (issue #11): a round that pushed costs one round trip — the push's answer carries the
 * pull page after the device's cursor (`?pull_cursor=`) — and still brings in what other devices wrote; a round
 * with nothing to push is one pull. Against an older server that ignores the parameter, the engine pulls on its
 * own, as before. Real server (in process), real SQLite files.
 */
import { startTestServer, type TestServer } from '@selftracker/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from './engine.ts';
import { openDevice, tempDir } from './testing/index.ts';
import type { FetchLike } from './transport.ts';

let server: TestServer;
const dir = tempDir('selftracker-trips-');
const engines: Engine[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const e of engines) await e.close().catch(() => {});
  await server.close();
  dir.cleanup();
});

/** A fetch that records `METHOD path` of every sync request; `strip` drops the pull part of push answers. */
function recordingFetch(opts: { strip?: boolean } = {}) {
  const seen: string[] = [];
  const f: FetchLike = async (url, init) => {
    const u = new URL(url);
    if (u.pathname.startsWith('/v1/sync/')) seen.push(`${init?.method ?? 'GET'} ${u.pathname}`);
    if (opts.strip) u.searchParams.delete('pull_cursor'); // what an older server would do: ignore it
    return fetch(u, init);
  };
  return { fetch: f, take: () => seen.splice(0) };
}

let n = 0;
async function pair(opts: { strip?: boolean } = {}) {
  const rec = recordingFetch(opts);
  const email = `trips${Date.now()}${n++}@example.com`;
  const a = await openDevice(`${dir.path}/a${n}.sqlite`, server.url, { fetch: rec.fetch });
  const b = await openDevice(`${dir.path}/b${n}.sqlite`, server.url);
  engines.push(a, b);
  await a.signup(email, 'password123');
  await b.login(email, 'password123');
  await a.sync();
  await b.sync();
  rec.take();
  return { a, b, take: rec.take };
}

describe('requests per sync round', () => {
  it('a round that pushed is one request, and brings what another device wrote meanwhile', async () => {
    const { a, b, take } = await pair();
    await a.tasks.create({ title: 'From A' });
    expect((await a.sync()).pushed).toBe(1);
    expect(take()).toEqual(['POST /v1/sync/push']);

    await b.sync();
    const fromB = await b.tasks.create({ title: 'From B' });
    await b.sync();
    await a.tasks.create({ title: 'Second from A' });
    const report = await a.sync();
    expect(take()).toEqual(['POST /v1/sync/push']);
    expect(report.pulled).toBeGreaterThanOrEqual(2); // B's task and A's own echo
    expect((await a.tasks.get(fromB.id))?.title).toBe('From B');
    expect(a.status.pending).toBe(0);

    // Nothing to push: one pull.
    await b.tasks.update(fromB.id, { title: 'Renamed on B' });
    await b.sync();
    await a.sync();
    expect(take()).toEqual(['GET /v1/sync/pull']);
    expect((await a.tasks.get(fromB.id))?.title).toBe('Renamed on B');
  });

  it('an edit that lost on every field still comes back in the carried page (the echo check holds)', async () => {
    const { a, b, take } = await pair();
    const t = await a.tasks.create({ title: 'Shared' });
    await a.sync();
    await b.sync();
    await a.tasks.update(t.id, { title: 'Older edit on A' });
    await new Promise((r) => setTimeout(r, 5));
    await b.tasks.update(t.id, { title: 'Newer edit on B' });
    await b.sync();
    take();
    await a.sync();
    expect(take()).toEqual(['POST /v1/sync/push']);
    expect((await a.tasks.get(t.id))?.title).toBe('Newer edit on B');
  });

  it('against a server that ignores pull_cursor, the engine pulls on its own', async () => {
    const { a, b, take } = await pair({ strip: true });
    const fromB = await b.tasks.create({ title: 'From B' });
    await b.sync();
    await a.tasks.create({ title: 'From A' });
    await a.sync();
    expect(take()).toEqual(['POST /v1/sync/push', 'GET /v1/sync/pull']);
    expect((await a.tasks.get(fromB.id))?.title).toBe('From B');
  });
});
