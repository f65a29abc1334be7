import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompressPlugin } from './build/precompress.ts';
import { serviceWorkerPlugin } from './build/service-worker-plugin.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  // Static files shared with the desktop app (zod-config.js: Zod without code generation under the CSP).
  publicDir: `${root}../../packages/ui/public`,
  plugins: [react(), serviceWorkerPlugin(`${root}sw/sw.js`), precompressPlugin()],
  // sqlite-wasm loads its .wasm relative to its own module: pre-bundling would break that.
  optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    rollupOptions: {
      input: { main: `${root}index.html`, bench: `${root}bench.html` },
    },
  },
  server: {
    proxy: { '/v1': { target: process.env.SELFTRACKER_API ?? 'http://localhost:8787', changeOrigin: true } },
  },
});
