/**
 * Crash safety of local writes: a child process writes through the engine until it is SIGKILLed at a random
 * moment; after each kill the same SQLite file is reopened and must hold every write the child reported as
 * done, each with its outbox entry, and no outbox entry without its row. Real files, real processes.
 * More kills: CRASH_KILLS=200.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openNodeDriver } from './drivers/node/index.ts';
import { Engine } from './engine.ts';
import { tempDir } from './testing/index.ts';

const KILLS = Number(process.env.CRASH_KILLS ?? 24);
const WRITER = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const dir = tempDir('selftracker-crash-');
afterAll(() => dir.cleanup());

/** Starts the writer on `file`; collects what it reports as done. */
function startWriter(file: string) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', WRITER, file], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done: { entity: string; id: string }[] = [];
  let ready = false;
  let stderr = '';
  let buffer = '';
  const readyWaiters: (() => void)[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
      if (line === 'ready') {
        ready = true;
        for (const w of readyWaiters.splice(0)) w();
        continue;
      }
      const [entity, ...ids] = line.split(' ');
      for (const id of ids) done.push({ entity: entity!, id });
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    done,
    exited,
    stderr: () => stderr,
    ready: () => (ready ? Promise.resolve() : new Promise<void>((r) => readyWaiters.push(r))),
    kill: () => child.kill('SIGKILL'),
    /** Lines still in the pipe when the child died were fully written before it died: read them. */
    async drained() {
      const r = await exited;
      await new Promise<void>((resolve) =>
        child.stdout!.readableEnded ? resolve() : child.stdout!.once('end', resolve),
      );
      return r;
    },
  };
}

/** Reopens the file through the engine (migrations, clock restore) and reads what survived. */
async function inspect(file: string) {
  const driver = openNodeDriver(file);
  const engine = await Engine.open({ driver, server: 'http://127.0.0.1:9' });
  try {
    const [integrity] = await driver.query<{ integrity_check: string }>('PRAGMA integrity_check');
    const rows = new Map<string, string>();
    for (const e of ['projects', 'tasks', 'timers']) {
      for (const r of await driver.query<{ id: string }>(`SELECT id FROM ${e} WHERE deleted = 0`))
        rows.set(r.id, e);
    }
    const outbox = await driver.query<{ entity: string; entity_id: string; operation: string }>(
      'SELECT entity, entity_id, operation FROM sync_queue ORDER BY seq',
    );
    const running = await driver.query<{ id: string }>(
      'SELECT id FROM timers WHERE deleted = 0 AND stopped_at IS NULL',
    );
    return { integrity: integrity?.integrity_check, rows, outbox, running, pending: engine.status.pending };
  } finally {
    await engine.close();
  }
}

describe('a device killed mid-write', () => {
  it(
    `keeps every reported write with its outbox entry across ${KILLS} SIGKILLs`,
    async () => {
      const file = `${dir.path}/device.db`;
      const reported = new Map<string, string>();
      let kills = 0;
      // Half the kills count from the spawn (they hit start-up and migrations), half from `ready` (mid-writes).
      const killPlan = fc.record({ fromSpawn: fc.boolean(), ms: fc.integer({ min: 0, max: 250 }) });
      await fc.assert(
        fc.asyncProperty(killPlan, async ({ fromSpawn, ms }) => {
          const w = startWriter(file);
          if (!fromSpawn) await Promise.race([w.ready(), w.exited]);
          await new Promise((r) => setTimeout(r, ms));
          w.kill();
          const { signal } = await w.drained();
          expect(signal, `the writer died on its own: ${w.stderr()}`).toBe('SIGKILL');
          kills++;
          for (const d of w.done) reported.set(d.id, d.entity);

          const s = await inspect(file);
          expect(s.integrity).toBe('ok');
          const queued = new Set(
            s.outbox.filter((o) => o.operation === 'CREATE').map((o) => `${o.entity}:${o.entity_id}`),
          );
          for (const [id, entity] of reported) {
            expect(s.rows.get(id), `reported ${entity} ${id} is missing`).toBe(entity);
            expect(queued.has(`${entity}:${id}`), `reported ${entity} ${id} has no outbox entry`).toBe(true);
          }
          for (const o of s.outbox)
            expect(s.rows.get(o.entity_id), `outbox entry without row: ${JSON.stringify(o)}`).toBe(o.entity);
          // Starting a timer stops the running one in the same transaction: never two running.
          expect(s.running.length).toBeLessThanOrEqual(1);
          expect(s.pending).toBe(s.outbox.length);
        }),
        { numRuns: KILLS, endOnFailure: true },
      );
      expect(kills).toBe(KILLS);
      // The kills must have landed mid-work, not only before the first write.
      expect(reported.size).toBeGreaterThan(KILLS);
    },
    KILLS * 10_000,
  );
});
