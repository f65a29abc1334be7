#!/usr/bin/env node
/**
 * `npm run desktop:build`: the desktop app as a debug binary without installer bundles (`tauri build --debug
 * --no-bundle`, which first builds the front end), then prints where the binary is. Honours CARGO_TARGET_DIR.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const desktop = fileURLToPath(new URL('../apps/desktop', import.meta.url));
const started = Date.now();
const r = spawnSync('npx', ['tauri', 'build', '--debug', '--no-bundle', ...process.argv.slice(2)], {
  cwd: desktop,
  stdio: 'inherit',
});
if (r.status !== 0) {
  console.error(
    `desktop:build failed (exit ${r.status ?? r.signal}). The Debian packages it needs are listed in the README.`,
  );
  process.exit(r.status ?? 1);
}
export const binary = join(
  process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(desktop, 'src-tauri', 'target'),
  'debug',
  'selftracker-desktop',
);
if (!existsSync(binary)) {
  console.error(`desktop:build finished but ${binary} is missing`);
  process.exit(1);
}
console.log(`\nSelfTracker desktop built in ${((Date.now() - started) / 1000).toFixed(0)} s: ${binary}`);
