import { join } from 'node:path';
import { afterAll } from 'vitest';
import { tempDir } from '../../testing/index.ts';
import { runDriverContract } from '../contract.ts';
import { openNodeDriver } from './index.ts';

const dir = tempDir('selftracker-node-driver-');
afterAll(() => dir.cleanup());

runDriverContract('node (better-sqlite3)', (file) => openNodeDriver(join(dir.path, file)));
runDriverContract('node (better-sqlite3, synchronous=FULL)', (file) =>
  openNodeDriver(join(dir.path, file), { synchronous: 'FULL' }),
);
