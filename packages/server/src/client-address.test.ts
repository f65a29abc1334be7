import { getConnInfo } from '@hono/node-server/conninfo';
import { describe, expect, it } from 'vitest';
import { clientAddress, parseTrustProxy } from './client-address.ts';
import { api, startTestServer } from './testing/index.ts';

describe('SELFTRACKER_TRUST_PROXY', () => {
  it('parses none, a hop count, and a list of addresses and CIDR ranges; refuses anything else', () => {
    for (const v of [undefined, '', ' ', '0', 'false']) expect(parseTrustProxy(v).kind).toBe('none');
    expect(parseTrustProxy('2')).toEqual({ kind: 'hops', hops: 2 });
    expect(parseTrustProxy('10.0.0.1, 192.168.0.0/16, ::1, fd00::/8').kind).toBe('list');
    for (const bad of [
      'yes',
      '10.0.0.300',
      '10.0.0.0/33',
      '10.0.0.0/8/1',
      '::1/129',
      'proxy.local',
      '11',
      '1,',
    ]) {
      expect(() => parseTrustProxy(bad), bad).toThrow(/SELFTRACKER_TRUST_PROXY/);
    }
  });

  it('without it, X-Forwarded-For is ignored: the socket is the client', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', parseTrustProxy(undefined))).toBe('203.0.113.9');
    expect(clientAddress('::ffff:127.0.0.1', undefined, parseTrustProxy(undefined))).toBe('127.0.0.1');
  });

  it('with hops, the entry that many proxies back; the client cannot choose it by sending the header', () => {
    const one = parseTrustProxy('1');
    expect(clientAddress('10.0.0.2', '198.51.100.7', one)).toBe('198.51.100.7');
    // A forged entry from the client sits left of what the proxy appended: it does not count.
    expect(clientAddress('10.0.0.2', '1.2.3.4, 198.51.100.7', one)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.2', '1.2.3.4, 198.51.100.7, 10.0.0.1', parseTrustProxy('2'))).toBe(
      '198.51.100.7',
    );
    // Fewer entries than hops: the farthest one known.
    expect(clientAddress('10.0.0.2', '198.51.100.7', parseTrustProxy('3'))).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.2', undefined, one)).toBe('10.0.0.2');
  });

  it('with a list, the first hop from the socket that is not a trusted proxy', () => {
    const trust = parseTrustProxy('10.0.0.0/8, ::1');
    expect(clientAddress('10.0.0.2', '1.2.3.4, 198.51.100.7, 10.1.2.3', trust)).toBe('198.51.100.7');
    expect(clientAddress('::1', '2001:db8::5', trust)).toBe('2001:db8::5');
    // A socket that is not a trusted proxy is the client, whatever the header says.
    expect(clientAddress('203.0.113.9', '198.51.100.7', trust)).toBe('203.0.113.9');
    // Every hop trusted: the leftmost entry.
    expect(clientAddress('10.0.0.2', '10.9.9.9', trust)).toBe('10.9.9.9');
  });

  it('behind one trusted proxy, users at different addresses get their own auth budget', async () => {
    const trust = parseTrustProxy('127.0.0.1');
    const server = await startTestServer({
      limits: { authPerAddressPerMinute: 3 },
      clientAddress: (c) =>
        clientAddress(getConnInfo(c).remote.address, c.req.header('x-forwarded-for'), trust),
    });
    try {
      const http = api(server.url);
      const login = (xff: string) =>
        http.call('POST', '/v1/auth/login', {
          body: { email: 'nobody@example.com', password: 'wrong password' },
          headers: { 'x-forwarded-for': xff },
        });
      for (let i = 0; i < 3; i++) expect((await login('198.51.100.1')).status).toBe(401);
      const limited = await login('198.51.100.1');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another user behind the same proxy still gets in; a forged left entry does not reset the budget.
      expect((await login('198.51.100.2')).status).toBe(401);
      expect((await login('9.9.9.9, 198.51.100.1')).status).toBe(429);
    } finally {
      await server.close();
    }
  });
});
