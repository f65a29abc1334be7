/**
 * bench.html: storage benchmarks for `npm run bench:web`, in the page so they use the app's own build of the
 * engine and the web driver. `window.__bench.bulkCreate(n)` times `engine.tasks.bulkCreate` through the web
 * driver; `window.__bench.rawInsert(n)` times the same inserts directly on sqlite-wasm in the driver's own worker.
 */
import { Engine } from '@selftracker/client';
import { openWebDriver, type WebDriver } from '@selftracker/client/web';

let shared: Promise<{ driver: WebDriver; engine: Engine }> | undefined;

/** One database for both sides: the engine migrates it, the raw baseline copies its `tasks` table. */
function openShared() {
  shared ??= (async () => {
    const driver = await openWebDriver({ file: `bench-${Date.now()}.sqlite3`, vfs: 'selftracker-bench' });
    // Never started: no sync, only local writes. The server URL is never contacted.
    return { driver, engine: await Engine.open({ driver, server: window.location.origin }) };
  })();
  return shared;
}

async function bulkCreate(rows: number): Promise<{ ms: number }> {
  const { engine } = await openShared();
  const now = Date.now();
  const inputs = Array.from({ length: rows }, (_, i) => ({
    title: `Bench task ${i}`,
    created_at: now,
    updated_at: now,
  }));
  const started = performance.now();
  await engine.tasks.bulkCreate(inputs);
  return { ms: performance.now() - started };
}

/** The same inserts straight on sqlite-wasm, in the web driver's own worker, into a copy of `tasks`. */
async function rawInsert(rows: number): Promise<{ ms: number }> {
  const { driver } = await openShared();
  return { ms: await driver.rawInsertBenchmark(rows) };
}

Object.defineProperty(window, '__bench', { value: { bulkCreate, rawInsert } });
document.getElementById('out')!.textContent = 'Benchmark page ready.';
