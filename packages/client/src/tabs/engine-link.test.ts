import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openNodeDriver } from '../drivers/node/index.ts';
import { Engine } from '../engine.ts';
import { createFakeLocks, tempDir } from '../testing/index.ts';
import { linkEngine } from './engine-link.ts';
import { broadcastChannelPort } from './port.ts';
import { shareDatabase } from './shared-database.ts';

const dir = tempDir('selftracker-tab-engines-');
afterAll(() => dir.cleanup());

const until = async (cond: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 500 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 5));
  expect(await cond()).toBe(true);
};

/** A tab of the app: its engine on the shared database, linked to the other tabs. */
async function openTab(locks: ReturnType<typeof createFakeLocks>, id: string, file: string, channel: string) {
  const shared = shareDatabase({
    name: 'db',
    tabId: id,
    port: broadcastChannelPort(channel),
    locks: locks.forTab(id),
    open: async () => openNodeDriver(file),
  });
  const engine = await Engine.open({ driver: shared.driver, server: 'http://127.0.0.1:9' });
  const unlink = linkEngine(engine, shared);
  const changes: string[] = [];
  engine.onChange((tables, d) =>
    changes.push(`${tables.join(',')}:${d.source}${d.elsewhere ? ':elsewhere' : ''}`),
  );
  const close = async () => {
    unlink();
    await engine.close();
  };
  return { shared, engine, changes, close };
}

describe('engines in several tabs', () => {
  it('tells every tab of a write made in any tab; the owner syncs, the others show its status', async () => {
    const locks = createFakeLocks();
    const file = join(dir.path, 'engines.db');
    const one = await openTab(locks, 'one', file, 'engines-1');
    const two = await openTab(locks, 'two', file, 'engines-1');
    await until(() => one.shared.role === 'owner' && two.shared.ownerTerm === one.shared.ownerTerm);

    const task = await two.engine.tasks.create({ title: 'Written in tab two' });
    await until(() => one.changes.includes('tasks:local:elsewhere'));
    expect((await one.engine.tasks.get(task.id))?.title).toBe('Written in tab two');
    // The owner counted tab two's operation as its own pending work, and tab two shows the owner's status.
    await until(() => one.engine.status.pending === 1);
    await until(() => two.engine.status.pending === 1);
    expect(two.engine.status.phase).toBe(one.engine.status.phase);

    // "Sync now" in tab two runs the round in tab one (no server here: it fails there, and the failure comes back).
    const ownerSync = vi.spyOn(one.engine, 'sync');
    const asked = two.engine.sync().catch((e: unknown) => e);
    expect(await asked).toBeInstanceOf(Error);
    expect(ownerSync).toHaveBeenCalledTimes(1);
    ownerSync.mockRestore();

    await one.engine.tasks.update(task.id, { status: 'done' });
    await until(() => two.changes.includes('tasks:local:elsewhere'));
    expect((await two.engine.tasks.get(task.id))?.status).toBe('done');
    // Tab two's clock moved past tab one's write: its next write is ordered after it.
    expect(two.engine.hlc >= one.engine.hlc.replace(/-[^-]*$/, '')).toBe(true);

    await one.close();
    await until(() => two.shared.role === 'owner');
    await two.engine.tasks.update(task.id, { title: 'Tab two owns it now' });
    const [queued] = await two.shared.driver.query<{ n: number }>('SELECT count(*) AS n FROM sync_queue');
    expect(queued?.n).toBeGreaterThan(1);
    await until(() => two.engine.status.pending === queued?.n); // its own count now, read from the outbox
    expect((await two.engine.tasks.get(task.id))?.title).toBe('Tab two owns it now');
    await two.close();
  });
});
