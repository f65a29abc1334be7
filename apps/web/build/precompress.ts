/**
 * Precompresses the built web app: next to every compressible file of at least 1 KiB (scripts, styles, HTML,
 * `sqlite3.wasm`, JSON, SVG) a `.br` (brotli, quality 11) and a `.gz` (gzip, level 9), each kept only when smaller.
 * The server sends one when the browser accepts it (apps/server/src/web.ts, `precompressed`), so nothing is
 * compressed per request.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, isAbsolute, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

const COMPRESSIBLE = new Set([
  '.js',
  '.mjs',
  '.css',
  '.html',
  '.wasm',
  '.json',
  '.svg',
  '.webmanifest',
  '.txt',
  '.map',
]);
const MIN_BYTES = 1024;

/** Compresses every eligible file under `dir`; returns the bytes before and after (brotli) for a summary. */
export function precompress(dir: string): { files: number; bytes: number; brotli: number } {
  const out = { files: 0, bytes: 0, brotli: 0 };
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      if (!COMPRESSIBLE.has(extname(name))) continue;
      const data = readFileSync(path);
      if (data.byteLength < MIN_BYTES) continue;
      const br = brotliCompressSync(data, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: data.byteLength,
        },
      });
      const gz = gzipSync(data, { level: 9 });
      if (br.byteLength < data.byteLength) writeFileSync(`${path}.br`, br);
      if (gz.byteLength < data.byteLength) writeFileSync(`${path}.gz`, gz);
      out.files++;
      out.bytes += data.byteLength;
      out.brotli += Math.min(br.byteLength, data.byteLength);
    }
  };
  walk(dir);
  return out;
}

/** A Vite plugin: precompresses the output once the bundle is written (after the service worker's). */
export function precompressPlugin(): Plugin {
  let outDir = '';
  let info: (m: string) => void = () => {};
  return {
    name: 'selftracker-precompress',
    apply: 'build' as const,
    configResolved(c) {
      outDir = isAbsolute(c.build.outDir) ? c.build.outDir : join(c.root, c.build.outDir);
      info = (m) => c.logger.info(m);
    },
    closeBundle: {
      order: 'post',
      handler() {
        const s = precompress(outDir);
        const kb = (n: number) => `${Math.round(n / 1024)} KB`;
        info(`precompressed ${s.files} files: ${kb(s.bytes)} → ${kb(s.brotli)} with brotli (and gzip)`);
      },
    },
  };
}
