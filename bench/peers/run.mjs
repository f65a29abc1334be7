// `npm run bench:peers`: installs bench/peers' own dependencies on first run (pinned by its package-lock.json,
// outside the workspace install), then runs the comparison. Arguments go through to main.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const stamp = join(here, 'node_modules', '.installed-lock');
const lock = existsSync(join(here, 'package-lock.json'))
  ? readFileSync(join(here, 'package-lock.json'), 'utf8')
  : '';
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lock) {
  console.log('bench:peers: installing the peers (bench/peers/package.json, first run only) …');
  const r = spawnSync('npm', [lock ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: here,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error('bench:peers: npm install in bench/peers failed');
    process.exit(r.status ?? 1);
  }
  mkdirSync(join(here, 'node_modules'), { recursive: true });
  const installed = join(here, 'package-lock.json');
  writeFileSync(stamp, existsSync(installed) ? readFileSync(installed, 'utf8') : '');
}
const r = spawnSync(
  process.execPath,
  ['--expose-gc', '--import', 'tsx', join(here, 'main.ts'), ...process.argv.slice(2)],
  { stdio: 'inherit', cwd: join(here, '..', '..') },
);
process.exit(r.status ?? 1);
