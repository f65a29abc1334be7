import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
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
