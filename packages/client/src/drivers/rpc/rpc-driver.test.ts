import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { type SqliteDriver, StorageError } from '../../driver.ts';
import { tempDir } from '../../testing/index.ts';
import { holdTransaction } from '../contract/index.ts';
import { describeContract } from '../contract/vitest.ts';
import { openNodeDriver } from '../node/index.ts';
import { createChannelPair, createRpcDriver, type RpcRequest, type RpcResponse, serveRpc } from './index.ts';

const dir = tempDir('selftracker-rpc-driver-');
afterAll(() => dir.cleanup());

/** An RPC driver over an in-process channel, served by a node driver on `file`. */
function openOverChannel(file: string, leaseTimeoutMs?: number) {
  const [near, far] = createChannelPair<RpcRequest, RpcResponse>();
  const service = serveRpc(
    openNodeDriver(join(dir.path, file)),
    far,
    leaseTimeoutMs === undefined ? {} : { leaseTimeoutMs },
  );
  return { driver: createRpcDriver(near), near, service };
}

const links = new WeakMap<SqliteDriver, ReturnType<typeof openOverChannel>>();
describeContract({
  name: 'rpc (in-process channel, node driver on the far side)',
  open(file) {
    const link = openOverChannel(file);
    links.set(link.driver, link);
    return link.driver;
  },
  async vanish(driver) {
    const link = links.get(driver)!;
    link.near.close(); // as a reloaded page: no rollback, no close request
    await link.service.done;
  },
});

describe('rpc driver leases', () => {
  afterEach(() => void vi.useRealTimers());

  it('rolls back a transaction whose caller is silent for the lease timeout, and frees the database', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { driver } = openOverChannel('lease-timeout.db', 1_000);
    const other = openNodeDriver(join(dir.path, 'lease-timeout.db'));
    await driver.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v)');
    const held = holdTransaction(
      driver,
      (tx) => tx.exec("INSERT INTO t (id, v) VALUES (1, 'half')"),
      (tx) => tx.exec("INSERT INTO t (id, v) VALUES (2, 'late')"),
    );
    await held.inside;
    await vi.advanceTimersByTimeAsync(1_001);
    // Without the rollback this write would wait for the lock and fail with 'busy'.
    await other.exec("INSERT INTO t (id, v) VALUES (3, 'other')");
    held.resume();
    const err = await held.done.catch((e: unknown) => e);
    expect(StorageError.is(err) && err.code).toBe('closed');
    expect(await other.query('SELECT id, v FROM t')).toEqual([{ id: 3, v: 'other' }]);
    await driver.close();
    await other.close();
  });

  it('keeps a lease alive while its caller keeps talking, however long the transaction', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { driver } = openOverChannel('lease-alive.db', 1_000);
    await driver.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v)');
    const slow = driver.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) {
        await tx.exec('INSERT INTO t (id, v) VALUES (?, ?)', [i, 'slow']);
        await new Promise((r) => setTimeout(r, 800)); // 4 s in all, never 1 s silent
      }
    });
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(800);
    await slow;
    expect(await driver.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 5 }]);
    await driver.close();
  });

  it('fails calls with StorageError once the far side is gone, and closes harmlessly', async () => {
    const { driver, near, service } = openOverChannel('gone.db');
    near.fail(new StorageError('io', 'the database worker failed'));
    await service.done;
    const err = await driver.query('SELECT 1').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StorageError', code: 'io', message: 'the database worker failed' });
    await expect(driver.close()).resolves.toBeUndefined();
  });
});
