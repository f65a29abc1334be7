import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/index.ts';

/** The desktop app's webview (tauri://localhost) and a configured origin may call the API; others may not. */
let byDefault: TestServer;
let configured: TestServer;

beforeAll(async () => {
  byDefault = await startTestServer();
  configured = await startTestServer({ db: byDefault.db, corsOrigins: ['https://app.example.com'] });
});
afterAll(async () => {
  await configured?.close();
  await byDefault?.close();
});

const preflight = (s: TestServer, origin: string) =>
  fetch(`${s.url}/v1/sync/push`, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization, content-type, x-selftracker-protocol',
    },
  });

describe('CORS', () => {
  it("allows the desktop webview's origin by default, with the headers the client sends and reads", async () => {
    const r = await preflight(byDefault, 'tauri://localhost');
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('tauri://localhost');
    expect(r.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const health = await fetch(`${byDefault.url}/v1/health`, { headers: { Origin: 'tauri://localhost' } });
    expect(health.headers.get('access-control-allow-origin')).toBe('tauri://localhost');
    expect(health.headers.get('access-control-expose-headers')).toContain('Date');
  });

  it('refuses any other origin', async () => {
    const r = await preflight(byDefault, 'https://evil.example');
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('takes the configured list instead of the default', async () => {
    expect(
      (await preflight(configured, 'https://app.example.com')).headers.get('access-control-allow-origin'),
    ).toBe('https://app.example.com');
    expect(
      (await preflight(configured, 'tauri://localhost')).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });
});
