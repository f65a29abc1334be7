import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * A data directory holds one SQLite database per account (`user-<id>.db`; `local.db` before the first
 * sign-in, adopted by it) and `session.json` naming the current account. Separate databases mean signing
 * in as someone else never pushes one user's outbox with another's token.
 */
export interface DataDir {
  readonly path: string;
  currentDb(): string;
  /** The database for `userId`, adopting the anonymous one when this account has none yet. */
  adopt(userId: string): string;
  setCurrent(userId: string | null): void;
}

export function defaultDataDir(env = process.env): string {
  return resolve(env.SELFTRACKER_DATA_DIR ?? join(homedir(), '.selftracker'));
}

export function openDataDir(path: string): DataDir {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const sessionFile = join(path, 'session.json');
  const readCurrent = (): string | null => {
    try {
      const v = (JSON.parse(readFileSync(sessionFile, 'utf8')) as { current?: unknown }).current;
      return typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v) ? v : null;
    } catch {
      return null;
    }
  };
  const userDb = (id: string) => join(path, `user-${id}.db`);
  const local = join(path, 'local.db');
  return {
    path,
    currentDb() {
      const current = readCurrent();
      return current ? userDb(current) : local;
    },
    adopt(userId) {
      const target = userDb(userId);
      if (!existsSync(target) && existsSync(local)) {
        for (const suffix of ['', '-wal', '-shm']) {
          if (existsSync(local + suffix)) renameSync(local + suffix, target + suffix);
        }
      }
      return target;
    },
    setCurrent(userId) {
      writeFileSync(sessionFile, `${JSON.stringify({ current: userId })}\n`, { mode: 0o600 });
    },
  };
}
