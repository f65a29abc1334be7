import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNodeDriver } from '../drivers/node/index.ts';
import { Engine, type EngineOptions } from '../engine.ts';

/** A temporary directory removed by `cleanup`. */
export function tempDir(prefix = 'selftracker-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A device: an engine on a real SQLite file. */
export async function openDevice(
  file: string,
  server: string,
  opts: Partial<Omit<EngineOptions, 'driver' | 'server'>> = {},
): Promise<Engine> {
  return Engine.open({ driver: openNodeDriver(file), server, ...opts });
}

let accounts = 0;

/**
 * `count` devices of one new account (`<prefix><time><n>@example.com`): the first signs up, the others sign in.
 * Device `i` keeps its data in `file(i)`.
 */
export async function devicesOfOneAccount(
  server: string,
  count: number,
  file: (i: number) => string,
  { prefix = 'dev', password = 'password123' } = {},
): Promise<{ email: string; engines: Engine[] }> {
  const email = `${prefix}${Date.now()}${accounts++}@example.com`;
  const engines: Engine[] = [];
  for (let i = 0; i < count; i++) {
    const e = await openDevice(file(i), server);
    if (i === 0) await e.signup(email, password);
    else await e.login(email, password);
    engines.push(e);
  }
  return { email, engines };
}

export { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';
export { createFakeClock, type FakeClock } from './fake-clock.ts';
export { createFakeLocks, type FakeLockTable } from './fake-locks.ts';
export { createFaultyFetch, type Fault, type FaultyFetch, type FaultyFetchOptions } from './faulty-fetch.ts';
export { withoutHlc } from './older-server.ts';
