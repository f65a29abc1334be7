/** What the browser and desktop benchmarks share: percentiles, rates, seeding an account, the measure runner. */
import { uuidv7 } from '@selftracker/core';

export const PASSWORD = 'bench password 1';

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
export const rate = (rows: number, ms: number) => Math.round((rows / ms) * 1000).toLocaleString('en-US');

/** Creates an account and pushes `n` tasks to it over the API, as another device would have. */
export async function seedUser(baseUrl: string, email: string, n: number): Promise<void> {
  const signup = await fetch(`${baseUrl}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const { access_token } = (await signup.json()) as { access_token: string };
  const node = uuidv7();
  const now = Date.now();
  for (let b = 0; b < n; b += 1000) {
    const ops = Array.from({ length: Math.min(1000, n - b) }, (_, i) => ({
      op_id: uuidv7(),
      entity: 'tasks',
      entity_id: uuidv7(),
      operation: 'CREATE',
      data: { title: `Seeded task ${b + i}`, status: 'todo', created_at: now + b + i, updated_at: now },
      hlc: `${String(now).padStart(15, '0')}-${String((b + i) % 100_000).padStart(5, '0')}-${node}`,
    }));
    const r = await fetch(`${baseUrl}/v1/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${access_token}` },
      body: JSON.stringify({ client_id: node, ops }),
    });
    if (!r.ok) throw new Error(`seeding failed: HTTP ${r.status} ${await r.text()}`);
  }
}

/**
 * Runs each measure in turn and prints its figure at once: one measure failing does not lose the others.
 * `table()` prints them all; `failed` says whether any failed.
 */
export function measures() {
  const rows: { measure: string; result: string }[] = [];
  let failed = false;
  return {
    async measure(name: string, run: () => Promise<string>) {
      try {
        rows.push({ measure: name, result: await run() });
        console.log(`${name}: ${rows.at(-1)!.result}`);
      } catch (e: unknown) {
        failed = true;
        console.error(`${name}: failed`, e);
        rows.push({ measure: name, result: 'failed (see above)' });
      }
    },
    table: () => console.table(rows),
    get failed() {
      return failed;
    },
  };
}

/**
 * Runs in the page (passed to `page.evaluate`, or as source to WebDriver): resolves, and leaves in
 * `window.__latency`, the time from the next Enter keydown to the first frame painted after a row titled `title`
 * appears under `list` (a row being an element matching `row` whose text is the title). Anonymous functions only:
 * tsx would wrap named ones in a `__name` helper that the page lacks.
 */
export function enterProbe(a: { list: string; row: string; title: string }): Promise<number> {
  return new Promise<number>((resolve) => {
    const w = window as unknown as { __latency: number | undefined };
    w.__latency = undefined;
    let pressedAt = 0;
    const list = document.querySelector(a.list)!;
    document.addEventListener(
      'keydown',
      (e: KeyboardEvent) => {
        if (e.key === 'Enter') pressedAt = e.timeStamp;
      },
      { capture: true, once: true },
    );
    const obs = new MutationObserver(() => {
      if (!Array.from(list.querySelectorAll(a.row)).some((el) => el.textContent === a.title)) return;
      obs.disconnect();
      requestAnimationFrame(() =>
        setTimeout(() => {
          w.__latency = performance.now() - pressedAt;
          resolve(w.__latency);
        }, 0),
      );
    });
    obs.observe(list, { childList: true, subtree: true, characterData: true });
  });
}

/**
 * A fresh PostgreSQL database for one benchmark run, next to DATABASE_URL (or the local server's `postgres`
 * database): its URL, its name, and `drop()`, which removes it and closes the admin connection.
 */
export async function scratchPostgres(
  prefix: string,
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const { default: pg } = await import('pg');
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `selftracker_${prefix}_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.end();
    },
  };
}
