import { describe, expect, it } from 'vitest';
import { parseOrigins } from './config.ts';

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
    expect(() => parseOrigins('https://ok.example.com,https://x.example.com/app')).toThrow(/x\.example\.com\/app/);
    expect(() => parseOrigins('example.com')).toThrow(/"example.com" is not an origin/);
  });
});
