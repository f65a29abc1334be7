/**
 * bench.html: storage benchmarks for `npm run bench:desktop`, in the built app's webview so they use the app's own
 * build of the engine and the Tauri driver. `window.__bench.bulkCreate(n)` times `engine.tasks.bulkCreate` (one
 * transaction) through the Tauri driver; `window.__bench.driverInsert(n)` the bare inserts through the same driver
 * (IPC per statement, no engine); `window.__bench.rawInsert(n)` the same inserts in Rust on the same connection
 * (`db_bench_raw_insert`: one prepared statement, no IPC).
 */
import { Engine } from '@selftracker/client';
import { openTauriDriver, type TauriDriver } from '@selftracker/client/tauri';
import { invoke } from '@tauri-apps/api/core';

let shared: Promise<{ driver: TauriDriver; engine: Engine }> | undefined;

function openShared() {
  shared ??= (async () => {
    const { data_dir } = await invoke<{ data_dir: string }>('desktop_config');
    const driver = await openTauriDriver({ url: `sqlite:${data_dir}/bench-${Date.now()}.sqlite3` });
    // Never started: no sync, only local writes. The server URL is never contacted.
    return { driver, engine: await Engine.open({ driver, server: 'http://127.0.0.1:9' }) };
  })();
  return shared;
}

const timed = async (run: () => Promise<unknown>) => {
  const started = performance.now();
  await run();
  return { ms: performance.now() - started };
};

async function bulkCreate(rows: number) {
  const { engine } = await openShared();
  const now = Date.now();
  const inputs = Array.from({ length: rows }, (_, i) => ({
    title: `Bench task ${i}`,
    created_at: now,
    updated_at: now,
  }));
  return timed(() => engine.tasks.bulkCreate(inputs));
}

async function driverInsert(rows: number) {
  const { driver } = await openShared();
  const now = Date.now();
  await driver.exec('CREATE TABLE IF NOT EXISTS bench_driver_tasks AS SELECT * FROM tasks WHERE 0');
  const result = await timed(() =>
    driver.transaction(async (tx) => {
      for (let i = 0; i < rows; i++)
        await tx.exec(
          'INSERT INTO bench_driver_tasks (id, deleted, title, status, created_at, updated_at) VALUES (?, 0, ?, ?, ?, ?)',
          [crypto.randomUUID(), `Bench task ${i}`, 'todo', now, now],
        );
    }),
  );
  await driver.exec('DROP TABLE bench_driver_tasks');
  return result;
}

async function rawInsert(rows: number) {
  const { driver } = await openShared();
  const ms = await invoke<number>('db_bench_raw_insert', { handle: driver.handle, rows });
  return { ms };
}

Object.defineProperty(window, '__bench', { value: { bulkCreate, driverInsert, rawInsert } });
document.getElementById('out')!.textContent = 'Benchmark page ready.';
