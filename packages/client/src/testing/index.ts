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

export { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';
export { createFakeClock, type FakeClock } from './fake-clock.ts';
export { createFaultyFetch, type Fault, type FaultyFetch, type FaultyFetchOptions } from './faulty-fetch.ts';
export { withoutHlc } from './older-server.ts';
