// npm run mobile:web — exports the Expo app's web build to apps/mobile/dist (static files) and prints the path.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const mobileDir = fileURLToPath(new URL('../apps/mobile/', import.meta.url));
const outDir = fileURLToPath(new URL('../apps/mobile/dist', import.meta.url));
const r = spawnSync('npx', ['expo', 'export', '--platform', 'web', '--output-dir', outDir], {
  cwd: mobileDir,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, EXPO_NO_TELEMETRY: '1' },
});
if (r.status !== 0) process.exit(r.status ?? 1);
console.log(outDir);
