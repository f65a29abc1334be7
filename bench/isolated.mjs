// `node bench/isolated.mjs <folder> <entry.ts> [args]`: a benchmark with dependencies of its own (bench/peers,
// bench/lighthouse). Installs <folder>/package.json on first run and whenever its lock changed (pinned by its
// package-lock.json, outside the workspace install), then runs <folder>/<entry.ts> with tsx from the repository
// root. Arguments after the entry go through.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [folder, entry, ...rest] = process.argv.slice(2);
if (!folder || !entry) {
  console.error('usage: node bench/isolated.mjs <folder> <entry.ts> [args]');
  process.exit(2);
}
const here = resolve(root, folder);
const lockFile = join(here, 'package-lock.json');
const stamp = join(here, 'node_modules', '.installed-lock');
const lock = existsSync(lockFile) ? readFileSync(lockFile, 'utf8') : '';
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lock) {
  console.log(`${folder}: installing its own dependencies (${folder}/package.json; first run only) …`);
  const r = spawnSync('npm', [lock ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: here,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error(`${folder}: npm install failed`);
    process.exit(r.status ?? 1);
  }
  mkdirSync(join(here, 'node_modules'), { recursive: true });
  writeFileSync(stamp, existsSync(lockFile) ? readFileSync(lockFile, 'utf8') : '');
}
const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, entry), ...rest], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
