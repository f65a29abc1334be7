/**
 * Web Locks for tests in Node (which has no `navigator.locks`): exclusive locks with a FIFO queue,
 * `ifAvailable` and `signal`, shared by several simulated tabs. `kill(tab)` is what the browser does when a tab
 * dies: its locks are freed and its queued requests dropped, without running anything of it.
 */
import type { TabLocks } from '../tabs/port.ts';

interface Request {
  tab: string;
  grant(): void;
}

export interface FakeLockTable {
  /** The `navigator.locks` of simulated tab `tab`. */
  forTab(tab: string): TabLocks;
  kill(tab: string): void;
}

export function createFakeLocks(): FakeLockTable {
  const held = new Map<string, { tab: string; release(): void }>();
  const queues = new Map<string, Request[]>();
  const dead = new Set<string>();

  const next = (name: string) => {
    if (held.has(name)) return;
    const q = queues.get(name) ?? [];
    const r = q.shift();
    if (r) r.grant();
  };

  return {
    forTab(tab) {
      return {
        request(name, options, callback) {
          return new Promise((resolve, reject) => {
            if (dead.has(tab)) return;
            const run = () => {
              let released = false;
              const release = () => {
                if (released) return;
                released = true;
                if (held.get(name)?.release === release) held.delete(name);
                next(name);
              };
              held.set(name, { tab, release });
              Promise.resolve()
                .then(() => callback({ name }))
                .then(resolve, reject)
                .finally(() => {
                  if (!dead.has(tab)) release();
                });
            };
            if (!held.has(name) && !(queues.get(name)?.length ?? 0)) return run();
            if (options.ifAvailable) {
              Promise.resolve(callback(null)).then(resolve, reject);
              return;
            }
            const q = queues.get(name) ?? [];
            queues.set(name, q);
            const req: Request = { tab, grant: run };
            q.push(req);
            options.signal?.addEventListener('abort', () => {
              const i = q.indexOf(req);
              if (i < 0) return;
              q.splice(i, 1);
              reject(options.signal?.reason ?? new Error('aborted'));
            });
          });
        },
      };
    },
    kill(tab) {
      dead.add(tab);
      for (const q of queues.values()) {
        for (let i = q.length - 1; i >= 0; i--) if (q[i]!.tab === tab) q.splice(i, 1);
      }
      for (const [, h] of [...held]) if (h.tab === tab) h.release();
    },
  };
}
