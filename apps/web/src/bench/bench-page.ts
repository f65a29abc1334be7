/**
 * bench.html: storage benchmarks for `npm run bench:web`, in the page so they use the app's own build of the
 * engine and the web driver. `window.__bench.bulkCreate(n)` times `engine.tasks.bulkCreate` through the web
 * driver; `window.__bench.rawInsert(n)` times the same inserts directly on sqlite-wasm in the driver's own
 * worker (bench-worker.ts: the production database worker plus the raw baseline), on the same file.
 */
import { Engine } from '@selftracker/client';
import { openWebDriver } from '@selftracker/client/web';
import type { RawInsertRequest } from './bench-worker.ts';

const file = `bench-${Date.now()}.sqlite3`;
const vfs = 'selftracker-bench';
let shared: Promise<{ worker: Worker; engine: Engine }> | undefined;

/** One database for both sides: the engine migrates it, the raw baseline copies its `tasks` table. */
function openShared() {
  shared ??= (async () => {
    const worker = new Worker(new URL('./bench-worker.ts', import.meta.url), {
      type: 'module',
      name: 'selftracker-sqlite-bench',
    });
    const driver = await openWebDriver({ file, vfs, worker });
    // Never started: no sync, only local writes. The server URL is never contacted.
    return { worker, engine: await Engine.open({ driver, server: window.location.origin }) };
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
  const { worker } = await openShared();
  const { port1, port2 } = new MessageChannel();
  const reply = new Promise<{ ms?: number; error?: string }>((resolve) => {
    port1.onmessage = (ev) => resolve(ev.data);
  });
  worker.postMessage({ type: 'bench-raw-insert', file, vfs, rows } satisfies RawInsertRequest, [port2]);
  const { ms, error } = await reply;
  port1.close();
  if (ms === undefined) throw new Error(`the raw baseline failed: ${error}`);
  return { ms };
}

Object.defineProperty(window, '__bench', { value: { bulkCreate, rawInsert } });
document.getElementById('out')!.textContent = 'Benchmark page ready.';
