import { describe, expect, it } from 'vitest';
import { normalizeServer } from './app-controller.ts';

describe('the Server field', () => {
  it('accepts an origin with or without a scheme and drops a trailing slash', () => {
    expect(normalizeServer('http://localhost:8787')).toBe('http://localhost:8787');
    expect(normalizeServer('  https://tracker.example.com/ ')).toBe('https://tracker.example.com');
    expect(normalizeServer('192.168.1.5:8787')).toBe('http://192.168.1.5:8787');
  });

  it('refuses what is not a server origin, saying what to type', () => {
    expect(() => normalizeServer('')).toThrow(/Enter the address/);
    expect(() => normalizeServer('ftp://example.com')).toThrow(/http:\/\/ or https:\/\//);
    expect(() => normalizeServer('http://exa mple')).toThrow(/not a server address/);
    expect(() => normalizeServer('http://example.com/api?x=1')).toThrow();
  });
});
