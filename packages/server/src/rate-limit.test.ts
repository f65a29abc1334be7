import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeClock, fakeClock } from './test-fixtures.ts';
import { api, createTestDatabase, startTestServer, type TestServer } from './testing/index.ts';

/** Rate limits live in the database: two server instances on one database share one budget. */
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let one: TestServer;
let two: TestServer;
let clock: FakeClock;
const limits = { authPerAddressPerMinute: 6, loginFailures: 4 };

beforeAll(async () => {
  db = await createTestDatabase();
  clock = fakeClock(Date.now());
  one = await startTestServer({ db, clock, limits });
  two = await startTestServer({ db, clock, limits });
});
afterAll(async () => {
  await one?.close();
  await two?.close();
  await db?.close();
});

const address = () => ({ 'x-test-address': `10.${randomBytes(3).join('.')}` });
const logout = (s: TestServer, headers: Record<string, string>) =>
  api(s.url).call('POST', '/v1/auth/logout', { body: { refresh_token: 'none' }, headers });
const login = (s: TestServer, email: string, password: string) =>
  api(s.url).call('POST', '/v1/auth/login', { body: { email, password }, headers: address() });

describe('rate limits shared by every instance on the database', () => {
  it('counts auth requests per address across instances, with Retry-After', async () => {
    const a = address();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await logout(i % 2 ? one : two, a)).status);
    expect(statuses).toEqual(Array(6).fill(204));
    for (const s of [one, two]) {
      const r = await logout(s, a);
      expect(r.status).toBe(429);
      expect(r.body.error.code).toBe('rate_limited');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    }
    expect((await logout(one, address())).status).toBe(204); // another address is unaffected
    clock.advance(60_000);
    expect((await logout(two, a)).status).toBe(204); // a new window
  });

  it('counts failed logins per email across instances; a success resets the count everywhere', async () => {
    const u = await api(one.url).signup();
    for (let i = 0; i < 3; i++)
      expect((await login(i % 2 ? one : two, u.email, 'wrong pass')).status).toBe(401);
    expect((await login(two, u.email, u.password)).status).toBe(200); // resets
    for (let i = 0; i < 4; i++)
      expect((await login(i % 2 ? two : one, u.email, 'wrong pass')).status).toBe(401);
    const r = await login(two, u.email, u.password);
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(60);
    // Concurrent guesses on both instances cannot slip past together.
    const v = await api(two.url).signup();
    const guesses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login(i % 2 ? one : two, v.email, `guess ${i}`)),
    );
    expect(guesses.filter((g) => g.status === 401)).toHaveLength(4);
    expect(guesses.filter((g) => g.status === 429)).toHaveLength(8);
  });

  it('a megabyte of email is counted under its hash, and pruning drops old windows', async () => {
    const huge = `${'x'.repeat(1_500_000)}@example.com`;
    expect((await login(one, huge, 'whatever1')).status).toBe(401);
    const [row] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM rate_limits WHERE key LIKE 'login:sha256:%'",
    );
    expect(row!.n).toBeGreaterThanOrEqual(1);
    clock.advance(25 * 3600 * 1000);
    const pruned = await one.server.prune();
    expect(pruned.rateLimits).toBeGreaterThanOrEqual(3);
    const [left] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rate_limits');
    expect(left!.n).toBe(0);
  });
});
