import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseOrigins } from './config.ts';

const root = mkdtempSync(join(tmpdir(), 'selftracker-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = (extra: Record<string, string>) => ({ SELFTRACKER_DATA_DIR: join(root, 'data'), ...extra });

it('reads SELFTRACKER_TRUST_PROXY as hops or a list, and refuses a bad value at start', () => {
  expect(loadConfig(env({})).trustProxy).toEqual({ kind: 'none' });
  expect(loadConfig(env({ SELFTRACKER_TRUST_PROXY: '1' })).trustProxy).toEqual({ kind: 'hops', hops: 1 });
  expect(loadConfig(env({ SELFTRACKER_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' })).trustProxy.kind).toBe('list');
  expect(() => loadConfig(env({ SELFTRACKER_TRUST_PROXY: 'caddy' }))).toThrow(
    /SELFTRACKER_TRUST_PROXY: "caddy"/,
  );
});

it('reads the per-user limits, keeping defaults for unset ones and refusing nonsense', () => {
  expect(loadConfig(env({})).limits).toEqual({});
  expect(
    loadConfig(
      env({
        SELFTRACKER_PUSHES_PER_MINUTE: '120',
        SELFTRACKER_ROWS_PER_USER: '50000',
        SELFTRACKER_PULLS_PER_MINUTE: ' ',
      }),
    ).limits,
  ).toEqual({ pushesPerUserPerMinute: 120, rowsPerUser: 50_000 });
  for (const bad of ['0', '-1', '1.5', 'many'])
    expect(() => loadConfig(env({ SELFTRACKER_PULLS_PER_MINUTE: bad }))).toThrow(
      /SELFTRACKER_PULLS_PER_MINUTE/,
    );
});

it('creates the data directory 0700 and the generated JWT secret 0600', () => {
  const dir = join(root, 'fresh', 'data');
  loadConfig({ SELFTRACKER_DATA_DIR: dir });
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(statSync(join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
});

describe('SELFTRACKER_CORS_ORIGINS', () => {
  it('is a comma-separated list of origins; unset or empty keeps the default', () => {
    expect(parseOrigins(undefined)).toBeUndefined();
    expect(parseOrigins('  ')).toBeUndefined();
    expect(parseOrigins('tauri://localhost, https://app.example.com/ ,http://localhost:8081')).toEqual([
      'tauri://localhost',
      'https://app.example.com',
      'http://localhost:8081',
    ]);
  });

  it('refuses a wildcard, a path or a bare host, naming the bad entry', () => {
    expect(() => parseOrigins('*')).toThrow(/"\*" is not an origin/);
    expect(() => parseOrigins('https://ok.example.com,https://x.example.com/app')).toThrow(
      /x\.example\.com\/app/,
    );
    expect(() => parseOrigins('example.com')).toThrow(/"example.com" is not an origin/);
  });
});
