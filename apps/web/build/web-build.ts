/**
 * Building the web app from Node: one staleness rule and one `vite build` call shared by `npm start`,
 * the browser tests and the web benchmark.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_DIR = join(WEB_DIR, '..', '..');
export const DEFAULT_OUT_DIR = join(WEB_DIR, 'dist');

/** Everything a build reads: the app, its build config, and the sources of the packages it bundles. */
export function buildInputs(): string[] {
  return [
    join(WEB_DIR, 'src'),
    join(WEB_DIR, 'sw'),
    join(WEB_DIR, 'build'),
    join(REPO_DIR, 'packages', 'ui', 'public'),
    join(WEB_DIR, 'index.html'),
    join(WEB_DIR, 'bench.html'),
    join(WEB_DIR, 'vite.config.ts'),
    join(WEB_DIR, 'package.json'),
    ...['client', 'react', 'core', 'ui'].flatMap((p) => [
      join(REPO_DIR, 'packages', p, 'src'),
      join(REPO_DIR, 'packages', p, 'package.json'),
    ]),
  ];
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.endsWith('.test.ts')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Why a build is needed (a sentence for the log), or null when `outDir/index.html` is newer than every input. */
export function staleReason(outDir = DEFAULT_OUT_DIR): string | null {
  const built = join(outDir, 'index.html');
  if (!existsSync(built)) return `${built} does not exist`;
  const builtAt = statSync(built).mtimeMs;
  for (const input of buildInputs()) {
    if (newestMtime(input) > builtAt) return `${input} changed since the last build`;
  }
  return null;
}

/** Runs `vite build` with apps/web/vite.config.ts through Vite's JS API. */
export async function buildWeb(opts: { outDir?: string; quiet?: boolean } = {}): Promise<string> {
  const { build } = await import('vite');
  const outDir = opts.outDir ?? DEFAULT_OUT_DIR;
  // Vite derives import.meta.env.PROD from NODE_ENV, which Vitest sets to 'test': a build is a production build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(WEB_DIR, 'vite.config.ts'),
      root: WEB_DIR,
      mode: 'production',
      logLevel: opts.quiet ? 'warn' : 'info',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  return outDir;
}
