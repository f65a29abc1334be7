import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The desktop app's front end: the shared UI (packages/ui) with the Tauri composition root. */
export default defineConfig({
  root,
  // zod-config.js: Zod validates without generating code (the webview's CSP has no 'unsafe-eval').
  publicDir: `${root}../../packages/ui/public`,
  plugins: [react()],
  clearScreen: false,
  build: {
    target: 'es2022',
    outDir: `${root}dist`,
    emptyOutDir: true,
    rollupOptions: {
      input: { main: `${root}index.html`, contract: `${root}contract.html`, bench: `${root}bench.html` },
    },
  },
  server: { port: 1420, strictPort: true },
});
