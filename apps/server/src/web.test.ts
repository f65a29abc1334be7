import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { openApiDocument } from '@selftracker/server';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { precompress } from '../../web/build/precompress.ts';
import { CONTENT_SECURITY_POLICY, createWebRoutes } from './web.ts';

const dir = mkdtempSync(join(tmpdir(), 'selftracker-web-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'assets'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
writeFileSync(join(dir, 'sw.js'), '');

const api = new Hono();
api.get('/v1/health', (c) => c.json({ status: 'ok' }));
const log = { info() {} };

describe('security headers of the web app', () => {
  const app = createWebRoutes(api, dir, log);
  it.each(['/', '/some/spa/route', '/assets/app-1234.js', '/sw.js', '/assets/missing.js'])(
    '%s carries the CSP, nosniff, no referrer and no framing',
    async (path) => {
      const r = await app.request(path);
      expect(
        Object.fromEntries(
          ['content-security-policy', 'x-content-type-options', 'referrer-policy', 'x-frame-options'].map(
            (h) => [h, r.headers.get(h)],
          ),
        ),
      ).toEqual({
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      });
    },
  );
  it('the policy allows only this origin, wasm compilation, and no framing', () => {
    const directives = Object.fromEntries(
      CONTENT_SECURITY_POLICY.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self' 'wasm-unsafe-eval'",
      'worker-src': "'self'",
      'connect-src': "'self'",
      'frame-ancestors': "'none'",
    });
  });
  it('the API keeps its own content types, with nosniff and no referrer but no page policy', async () => {
    const r = await app.request('/v1/health');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('content-security-policy')).toBeNull();
  });
  it('without a built app, the placeholder page carries them too', async () => {
    const r = await createWebRoutes(api, join(dir, 'nothing-here'), log).request('/');
    expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe('/docs: the API reference', () => {
  const app = createWebRoutes(api, join(dir, 'nothing-here'), log);
  const doc = openApiDocument();
  it('lists every operation of /v1/openapi.json with its responses and every schema, as static HTML', async () => {
    const r = await app.request('/docs');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await r.text();
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        expect(html).toContain(`<code>${method.toUpperCase()} ${path}</code>`);
        expect(html).toContain(`id="${op.operationId}"`);
        for (const status of Object.keys(op.responses)) expect(html).toContain(`<tr><td>${status}</td>`);
      }
    for (const id of Object.keys(doc.components.schemas)) expect(html).toContain(`id="schema-${id}"`);
    expect(html).toContain('href="/v1/openapi.json"');
  });
  it('runs no script and has no inline style, so the page CSP holds; its stylesheet is served from here', async () => {
    const r = await app.request('/docs');
    expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const html = await r.text();
    expect(html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=|javascript:/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const css = await app.request('/docs/docs.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(html).toContain('<link rel="stylesheet" href="/docs/docs.css">');
  });
});

describe('precompressed files of the build', () => {
  const big = `${'console.log("SelfTracker");\n'.repeat(200)}`;
  const pre = mkdtempSync(join(tmpdir(), 'selftracker-web-pre-'));
  afterAll(() => rmSync(pre, { recursive: true, force: true }));
  mkdirSync(join(pre, 'assets'));
  writeFileSync(join(pre, 'index.html'), `<!doctype html><title>t</title>${'<!-- padding -->'.repeat(100)}`);
  writeFileSync(join(pre, 'assets', 'main-abcd.js'), big);
  writeFileSync(join(pre, 'assets', 'tiny-abcd.js'), 'x()');
  const made = precompress(pre);
  const app = createWebRoutes(api, pre, log);

  it('writes .br and .gz beside every compressible file of at least 1 KiB, and leaves small ones alone', () => {
    expect(made.files).toBe(2);
    expect(made.brotli).toBeLessThan(made.bytes / 10);
    expect(existsSync(join(pre, 'assets', 'main-abcd.js.br'))).toBe(true);
    expect(existsSync(join(pre, 'assets', 'main-abcd.js.gz'))).toBe(true);
    expect(existsSync(join(pre, 'assets', 'tiny-abcd.js.br'))).toBe(false);
  });

  it.each([
    ['br, gzip', 'br'],
    ['gzip', 'gzip'],
    ['identity', null],
  ])(
    'Accept-Encoding %s gets %s, with the original type, Vary and the long cache',
    async (accept, encoding) => {
      const r = await app.request('/assets/main-abcd.js', { headers: { 'accept-encoding': accept } });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-encoding')).toBe(encoding);
      expect(r.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const body = Buffer.from(await r.arrayBuffer());
      const plain =
        encoding === 'br' ? brotliDecompressSync(body) : encoding === 'gzip' ? gunzipSync(body) : body;
      expect(plain.toString()).toBe(big);
      if (encoding) {
        expect(r.headers.get('vary')).toContain('Accept-Encoding');
        expect(body.byteLength).toBeLessThan(big.length / 10);
      }
    },
  );

  it('the page itself too, still uncached', async () => {
    const r = await app.request('/', { headers: { 'accept-encoding': 'br' } });
    expect(r.headers.get('content-encoding')).toBe('br');
    expect(r.headers.get('cache-control')).toBe('no-cache');
  });
});
