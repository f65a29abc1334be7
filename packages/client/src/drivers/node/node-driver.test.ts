import { join } from 'node:path';
import { afterAll } from 'vitest';
import { tempDir } from '../../testing/index.ts';
import { describeContract } from '../contract/vitest.ts';
import { openNodeDriver } from './index.ts';

const dir = tempDir('selftracker-node-driver-');
afterAll(() => dir.cleanup());

describeContract({ name: 'node (better-sqlite3)', open: (file) => openNodeDriver(join(dir.path, file)) });
describeContract({
  name: 'node (better-sqlite3, synchronous=FULL)',
  open: (file) => openNodeDriver(join(dir.path, file), { synchronous: 'FULL' }),
});
