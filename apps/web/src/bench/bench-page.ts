/**
 * bench.html: storage benchmarks for `npm run bench:web`, in the page so they use the app's own build of the
 * engine and the web driver. `window.__bench.bulkCreate(n)` times `engine.tasks.bulkCreate` through the web
 * driver; `window.__bench.rawInsert(n)` times the same inserts directly on sqlite-wasm in a worker.
 */
import { Engine } from '@selftracker/client';
import { openWebDriver } from '@selftracker/client/web';

async function bulkCreate(rows: number): Promise<{ ms: number }> {
  const driver = await openWebDriver({ file: `bench-${Date.now()}.sqlite3`, vfs: 'selftracker-bench' });
  // Never started: no sync, only local writes. The server URL is never contacted.
  const engine = await Engine.open({ driver, server: window.location.origin });
  const now = Date.now();
  const inputs = Array.from({ length: rows }, (_, i) => ({
    title: `Bench task ${i}`,
    created_at: now,
    updated_at: now,
  }));
  const started = performance.now();
  await engine.tasks.bulkCreate(inputs);
  const ms = performance.now() - started;
  await engine.close();
  return { ms };
}

function rawInsert(rows: number): Promise<{ ms: number }> {
  const worker = new Worker(new URL('./raw-worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (ev: MessageEvent<{ ok: boolean; ms: number; error?: string }>) => {
      worker.terminate();
      if (ev.data.ok) resolve({ ms: ev.data.ms });
      else reject(new Error(ev.data.error));
    };
    worker.onerror = (ev) => {
      worker.terminate();
      reject(new Error(ev.message));
    };
    worker.postMessage({ rows });
  });
}

Object.defineProperty(window, '__bench', { value: { bulkCreate, rawInsert } });
document.getElementById('out')!.textContent = 'Benchmark page ready.';
