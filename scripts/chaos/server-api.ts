/** What the chaos controller asks the servers directly (no proxy): accounts, the final state, convergence, pokes. */
import type { ChecksumResponse, PullResponse } from '@selftracker/core';
import { type Checksums, type RowMap, rowKey, sameChecksums } from './checker.ts';
import type { ClientProcess, Instance } from './processes.ts';

export interface ChaosUser {
  email: string;
  user_id: string;
  access_token: string;
}

async function call<T>(base: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

/**
 * Signs every user in again for a fresh access token (they live 15 minutes: a long run outlives the sign-up's).
 * The controller's own sessions, not the clients'.
 */
export async function signInAgain(base: string, users: ChaosUser[], password: string): Promise<void> {
  for (const u of users) {
    const r = await call<ChaosUser>(base, 'POST', '/v1/auth/login', undefined, { email: u.email, password });
    u.access_token = r.access_token;
  }
}

export async function signUp(base: string, email: string, password: string): Promise<ChaosUser> {
  const r = await call<ChaosUser>(base, 'POST', '/v1/auth/signup', undefined, { email, password });
  return { email, user_id: r.user_id, access_token: r.access_token };
}

/** Per user: every row from a pull from the beginning (tombstones included) and the server's checksums. */
export async function serverState(base: string, users: readonly ChaosUser[]) {
  const out = new Map<string, { rows: RowMap; checksums: Checksums; ledger?: Set<string> }>();
  for (const u of users) {
    const rows: RowMap = new Map();
    let cursor: string | undefined;
    for (;;) {
      const q = `?limit=5000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call<PullResponse>(base, 'GET', `/v1/sync/pull${q}`, u.access_token);
      for (const c of page.changes)
        rows.set(rowKey(c.entity, c.entity_id), { deleted: c.deleted, data: c.data });
      cursor = page.cursor;
      if (!page.has_more) break;
    }
    const sums = await call<ChecksumResponse>(base, 'GET', '/v1/sync/checksum', u.access_token);
    out.set(u.user_id, { rows, checksums: sums.entities as Checksums });
  }
  return out;
}

/**
 * Waits until every client's outbox is empty and its engine's checksums equal its user's on the server, asking
 * a client that lags for a round now and then. The engines' last figures are kept for the checker.
 */
export async function converge(
  clients: readonly ClientProcess[],
  base: string,
  users: readonly ChaosUser[],
  timeoutMs: number,
): Promise<{ ok: boolean; checksums: Map<number, Checksums> }> {
  const deadline = Date.now() + timeoutMs;
  const checksums = new Map<number, Checksums>();
  let nudged = Date.now();
  for (;;) {
    const server = new Map<string, Checksums>();
    for (const u of users) {
      const r = await call<ChecksumResponse>(base, 'GET', '/v1/sync/checksum', u.access_token);
      server.set(u.user_id, r.entities);
    }
    const lagging: ClientProcess[] = [];
    for (const c of clients) {
      const s = await c.request('state');
      if (s.type !== 'state') throw new Error(`client ${c.index}: ${JSON.stringify(s)}`);
      checksums.set(c.index, s.checksums);
      if (s.pending > 0 || !sameChecksums(s.checksums, server.get(c.user)!)) lagging.push(c);
    }
    if (lagging.length === 0) return { ok: true, checksums };
    if (Date.now() > deadline) return { ok: false, checksums };
    if (Date.now() - nudged > 10_000) {
      nudged = Date.now();
      await Promise.all(lagging.map((c) => c.request('sync', 60_000).catch(() => {})));
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * After healing, a push through one instance pokes an event stream held on another (the last one; the same one
 * when there is only one).
 */
export async function pokeCheck(
  instances: readonly Instance[],
  user: ChaosUser,
): Promise<{ ok: boolean; message: string }> {
  const on = instances.at(-1)!;
  const via = instances[0]!;
  const ac = new AbortController();
  try {
    const res = await fetch(`${on.url}/v1/sync/events`, {
      headers: { authorization: `Bearer ${user.access_token}` },
      signal: ac.signal,
    });
    if (res.status !== 200 || !res.body)
      return { ok: false, message: `the event stream answered ${res.status}` };
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        seen += value;
      }
    })().catch(() => {});
    const started = Date.now();
    const id = crypto.randomUUID();
    const hlc = `${String(Date.now()).padStart(15, '0')}-00000-chaos-controller`;
    const push = await call<{ version: string }>(via.url, 'POST', '/v1/sync/push', user.access_token, {
      client_id: 'chaos-controller',
      ops: [
        {
          op_id: crypto.randomUUID(),
          entity: 'projects',
          entity_id: id,
          operation: 'CREATE',
          data: { name: 'poke check', created_at: Date.now(), updated_at: Date.now() },
          hlc,
        },
      ],
    });
    const want = `event: poke\ndata: {"version":"${push.version}"}`;
    while (!seen.includes(want) && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
    const got = seen.includes(want);
    const where = `push via instance ${via.index}, stream on instance ${on.index}`;
    return got
      ? { ok: true, message: `poked in ${Date.now() - started} ms (${where}, version ${push.version})` }
      : {
          ok: false,
          message: `no poke within 10 s (${where}); stream read: ${JSON.stringify(seen.slice(0, 200))}`,
        };
  } finally {
    ac.abort();
  }
}
