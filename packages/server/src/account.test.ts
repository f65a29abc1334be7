/**
 * PROTOCOL.md "Account": changing the password ends every other sign-in; deleting the account removes the user
 * and everything of theirs, closes their streams, and their still-signed tokens stop working. Both need the
 * password, and a wrong one counts toward the login lockout.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlc, newTask } from './test-fixtures.ts';
import { api, startTestServer, type TestServer } from './testing/index.ts';

let server: TestServer;
let http: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startTestServer({ limits: { loginFailures: 3 } });
  http = api(server.url);
});
afterAll(() => server.close());

const login = (email: string, password: string) =>
  http.call('POST', '/v1/auth/login', { body: { email, password } });
const refresh = (refresh_token: string) => http.call('POST', '/v1/auth/refresh', { body: { refresh_token } });
const changePassword = (token: string, body: unknown) =>
  http.call('POST', '/v1/auth/password', { token, body });
const deleteAccount = (token: string, body: unknown) => http.call('DELETE', '/v1/account', { token, body });

/** Reads the event stream until it ends; resolves with what arrived. */
async function openStream(token: string) {
  const res = await fetch(`${server.url}/v1/sync/events`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let text = '';
  const ended = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += new TextDecoder().decode(value);
    }
  })();
  return { ended };
}

describe('POST /v1/auth/password', () => {
  it('stores the new password, answers a fresh pair and ends every other sign-in', async () => {
    const u = await http.signup();
    const other = await login(u.email, u.password);
    expect(other.status).toBe(200);

    const r = await changePassword(u.access_token, {
      current_password: u.password,
      new_password: 'a brand new secret',
    });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'user_id']);
    expect(r.body.user_id).toBe(u.user_id);

    // Both earlier sign-ins are over; the pair just issued works.
    expect((await refresh(u.refresh_token)).status).toBe(401);
    expect((await refresh(other.body.refresh_token)).status).toBe(401);
    expect((await refresh(r.body.refresh_token)).status).toBe(200);
    expect((await login(u.email, u.password)).status).toBe(401);
    expect((await login(u.email, 'a brand new secret')).status).toBe(200);
  });

  it('refuses a wrong current password (401 invalid_credentials) and changes nothing', async () => {
    const u = await http.signup();
    const r = await changePassword(u.access_token, {
      current_password: 'not the password',
      new_password: 'another new secret',
    });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('invalid_credentials');
    expect((await login(u.email, u.password)).status).toBe(200);
    expect((await refresh(u.refresh_token)).status).toBe(200);
  });

  it('counts a wrong current password as a failed login for the lockout', async () => {
    const u = await http.signup();
    for (let i = 0; i < 3; i++) {
      const r = await changePassword(u.access_token, {
        current_password: 'wrong!!!!',
        new_password: 'x'.repeat(9),
      });
      expect(r.status).toBe(401);
    }
    // The 4th failure of this email within the window: locked out, even with the right password.
    expect((await login(u.email, u.password)).status).toBe(429);
  });

  it('validates the body and needs a bearer token', async () => {
    const u = await http.signup();
    const short = await changePassword(u.access_token, {
      current_password: u.password,
      new_password: 'short',
    });
    expect(short.status).toBe(400);
    expect(short.body.error.message).toMatch(/new_password/);
    const extra = await changePassword(u.access_token, {
      current_password: u.password,
      new_password: 'long enough one',
      admin: true,
    });
    expect(extra.status).toBe(400);
    expect((await changePassword(u.access_token, { current_password: u.password })).status).toBe(400);
    const anon = await http.call('POST', '/v1/auth/password', {
      body: { current_password: u.password, new_password: 'long enough one' },
    });
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toBe('Bearer');
    expect((await login(u.email, u.password)).status).toBe(200);
  });
});

describe('DELETE /v1/account', () => {
  it('removes the user and everything of theirs; their tokens stop working; the email starts afresh', async () => {
    const u = await http.signup();
    const keep = await http.signup();
    const t = Date.now();
    const pushed = await http.push(u.access_token, {
      client_id: randomUUID(),
      ops: [newTask(randomUUID(), hlc(t)), newTask(randomUUID(), hlc(t, 1))],
    });
    expect(pushed.status).toBe(200);
    const theirs = await http.push(keep.access_token, {
      client_id: randomUUID(),
      ops: [newTask(randomUUID(), hlc(t))],
    });
    expect(theirs.status).toBe(200);
    const stream = await openStream(u.access_token);

    const r = await deleteAccount(u.access_token, { password: u.password });
    expect(r.status).toBe(204);
    // Its counters went with it (the refused requests below count afresh; those windows are pruned in a day).
    expect(
      await server.db.query('SELECT 1 FROM rate_limits WHERE key LIKE $1', [`%${u.user_id}%`]),
    ).toHaveLength(0);

    // The open stream closes (the NOTIFY reaches every instance).
    await expect(stream.ended).resolves.toContain(': connected');
    // The access token is still validly signed, but every request with it is refused.
    for (const res of [
      await http.pull(u.access_token),
      await http.push(u.access_token, { client_id: randomUUID(), ops: [newTask(randomUUID(), hlc(t, 2))] }),
      await http.call('GET', '/v1/sync/checksum', { token: u.access_token }),
      await http.call('GET', '/v1/sync/events', { token: u.access_token }),
      await changePassword(u.access_token, { current_password: u.password, new_password: 'whatever123' }),
      await deleteAccount(u.access_token, { password: u.password }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    expect((await refresh(u.refresh_token)).status).toBe(401);
    expect((await login(u.email, u.password)).status).toBe(401);

    // Nothing of the user is left in any table.
    for (const table of ['users', 'refresh_tokens']) {
      const col = table === 'users' ? 'id' : 'user_id';
      expect(await server.db.query(`SELECT 1 FROM "${table}" WHERE ${col} = $1`, [u.user_id])).toHaveLength(
        0,
      );
    }
    for (const table of ['projects', 'tasks', 'timers', 'op_ledger']) {
      expect(await server.db.query(`SELECT 1 FROM "${table}" WHERE user_id = $1`, [u.user_id])).toHaveLength(
        0,
      );
    }
    // Another user's data is untouched.
    const kept = await http.pull(keep.access_token);
    expect(kept.body.changes).toHaveLength(1);

    // The email signs up again into an empty account.
    const again = await http.signup(u.email, 'a fresh password');
    expect(again.user_id).not.toBe(u.user_id);
    const empty = await http.pull(again.access_token);
    expect(empty.status).toBe(200);
    expect(empty.body.changes).toEqual([]);
  });

  it('refuses a wrong password (401 invalid_credentials) and deletes nothing', async () => {
    const u = await http.signup();
    const r = await deleteAccount(u.access_token, { password: 'not the password' });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('invalid_credentials');
    expect((await http.pull(u.access_token)).status).toBe(200);
    expect((await login(u.email, u.password)).status).toBe(200);
  });

  it('validates the body and needs a bearer token', async () => {
    const u = await http.signup();
    expect((await deleteAccount(u.access_token, {})).status).toBe(400);
    expect((await deleteAccount(u.access_token, { password: 5 })).status).toBe(400);
    expect((await http.call('DELETE', '/v1/account', { body: { password: u.password } })).status).toBe(401);
    expect((await http.pull(u.access_token)).status).toBe(200);
  });
});
