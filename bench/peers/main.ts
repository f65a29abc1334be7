/**
 * `npm run bench:peers` (through bench/isolated.mjs): the same workloads on SelfTracker, on a bare pipeline of its own
 * architecture, and on the systems a user would pick instead, each with its own server on loopback, in one run.
 * Prints one table of figures and one of SelfTracker's ratios next to the aims of issue 11. Asserts nothing.
 *
 * Knobs: PEERS_ROWS (W1, W4; 10000), PEERS_INITIAL (W2; 100000), PEERS_EDITS (one-edit and live; 20),
 * PEERS_ONLY (comma-separated system names or file names, e.g. "bare,selftracker"), PEERS_PROFILE=1 (CPU profiles
 * of SelfTracker's client per workload and of its server, printed after the tables; slows SelfTracker down).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchPostgres } from '../support.ts';
import { profiled, serverProfiles } from './profile.ts';
import { rawInsert } from './raw.ts';
import { percentile, type System } from './types.ts';

const N = Number(process.env.PEERS_ROWS ?? 10_000);
const INITIAL = Number(process.env.PEERS_INITIAL ?? 100_000);
const EDITS = Number(process.env.PEERS_EDITS ?? 20);
const ONLY = process.env.PEERS_ONLY?.toLowerCase().split(',').filter(Boolean);
const PROFILE = process.env.PEERS_PROFILE === '1';
if (PROFILE) process.env.PEERS_PROFILE_DIR = mkdtempSync(join(tmpdir(), 'selftracker-peers-profiles-'));
const profiles: string[] = [];
const here = dirname(fileURLToPath(import.meta.url));
const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const secs = (ms: number | undefined) => (ms === undefined ? 'n/a' : (ms / 1000).toFixed(2));
const perSec = (n: number, ms: number | undefined) => (ms === undefined ? Number.NaN : n / (ms / 1000));
const gc = () => (globalThis as { gc?: () => void }).gc?.();

interface Result {
  name: string;
  version: string;
  note: string;
  single?: number;
  bulk?: number;
  initial?: number;
  push?: number;
  pull?: number;
  edits?: number[];
  live?: number[];
  errors: string[];
}

/** Every systems/*.ts (default export: a factory), the bare pipeline and SelfTracker first. */
async function loadSystems(): Promise<{ file: string; make: () => System }[]> {
  const files = readdirSync(join(here, 'systems'))
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const out: { file: string; make: () => System }[] = [];
  for (const f of files) {
    const mod = (await import(join(here, 'systems', f))) as { default: () => System };
    out.push({ file: basename(f, '.ts'), make: mod.default });
  }
  return out;
}
const rank = (f: string) => (f.startsWith('bare') ? 0 : f.startsWith('selftracker') ? 1 : 2);

async function step<T>(r: Result, what: string, fn: (() => Promise<T>) | undefined): Promise<T | undefined> {
  if (!fn) return undefined;
  gc();
  try {
    const v = PROFILE && r.name === 'SelfTracker' ? await profiled(what, profiles, fn) : await fn();
    const shown = Array.isArray(v)
      ? `p50 ${percentile(v, 50).toFixed(1)} ms`
      : typeof v === 'number'
        ? `${secs(v)} s`
        : Object.entries(v as Record<string, number>)
            .map(([k, x]) => `${k} ${secs(x)} s`)
            .join(', ');
    console.log(`  ${what}: ${shown}`);
    return v;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    console.log(`  ${what}: failed: ${msg}`);
    r.errors.push(`${what}: ${msg}`);
    return undefined;
  }
}

async function runSystem(make: () => System, file: string): Promise<Result> {
  const sys = make();
  const r: Result = { name: sys.name, version: sys.version, note: sys.setupNote, errors: [] };
  console.log(`\n${sys.name} (${sys.version})`);
  const scratch = await scratchPostgres(`peers_${file.replace(/\W/g, '_')}`);
  const dir = mkdtempSync(join(tmpdir(), `selftracker-peers-${file}-`));
  try {
    await sys.setup({ pgUrl: scratch.url, dir });
    r.single = await step(
      r,
      `W1 ${fmt(N)} creates, one transaction each`,
      sys.localSingle && (() => sys.localSingle!(N)),
    );
    r.bulk = await step(
      r,
      `W1 ${fmt(N)} creates, one transaction`,
      sys.localBulk && (() => sys.localBulk!(N)),
    );
    const t = await step(
      r,
      `W4 ${fmt(N)} tasks A → server → B`,
      sys.transfer && (() => sys.transfer!(N).then((x) => x)),
    );
    if (t) Object.assign(r, { push: t.pushMs, pull: t.pullMs });
    r.edits = await step(r, `W4 one-edit round trip ×${EDITS}`, sys.oneEdit && (() => sys.oneEdit!(EDITS)));
    r.live = await step(r, `W4 live edit ×${EDITS}`, sys.liveEdit && (() => sys.liveEdit!(EDITS)));
    r.initial = await step(
      r,
      `W2 initial sync of ${fmt(INITIAL)} rows`,
      sys.initialSync && (() => sys.initialSync!(INITIAL)),
    );
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    console.log(`  setup failed: ${msg}`);
    r.errors.push(`setup: ${msg}`);
  } finally {
    await sys
      .teardown()
      .catch((e) => r.errors.push(`teardown: ${e instanceof Error ? e.message : String(e)}`));
    await scratch.drop();
    rmSync(dir, { recursive: true, force: true });
  }
  return r;
}

async function main() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `bench:peers on ${cpus().length} × ${cpu}, Node ${process.version}; W1/W4 ${fmt(N)} tasks, W2 ${fmt(INITIAL)} rows, ${EDITS} edits`,
  );
  const systems = (await loadSystems()).filter(
    ({ file, make }) =>
      !ONLY || ONLY.includes(file.toLowerCase()) || ONLY.includes(make().name.toLowerCase()),
  );
  console.log(
    '\nraw better-sqlite3 (the local baseline, same pragmas as the clients: WAL, synchronous=NORMAL)',
  );
  const dir = mkdtempSync(join(tmpdir(), 'selftracker-peers-raw-'));
  const raw = {
    single: rawInsert(join(dir, 'single.sqlite'), N, false),
    bulk: rawInsert(join(dir, 'bulk.sqlite'), N, true),
    initial: rawInsert(join(dir, 'initial.sqlite'), INITIAL, true),
    // SelfTracker's table keeps an FTS5 search index by triggers: the same inserts with it, for comparison.
    singleFts: rawInsert(join(dir, 'single-fts.sqlite'), N, false, true),
    bulkFts: rawInsert(join(dir, 'bulk-fts.sqlite'), N, true, true),
    initialFts: rawInsert(join(dir, 'initial-fts.sqlite'), INITIAL, true, true),
  };
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `  ${fmt(perSec(N, raw.single))} rows/s one transaction each, ${fmt(perSec(N, raw.bulk))} rows/s in one`,
  );
  console.log(
    `  with the search index: ${fmt(perSec(N, raw.singleFts))} rows/s one transaction each, ${fmt(perSec(N, raw.bulkFts))} rows/s in one`,
  );

  const results: Result[] = [];
  for (const { file, make } of systems) results.push(await runSystem(make, file));

  console.log(
    `\n| system | W1 creates/s, one tx each | W1 creates/s, one tx | W2 ${fmt(INITIAL)} rows s | W2 rows/s | W4 push s | W4 pull s | W4 A → B rows/s | one edit p50 ms | live edit p50 / p95 ms |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  console.log(
    `| raw better-sqlite3 | ${fmt(perSec(N, raw.single))} | ${fmt(perSec(N, raw.bulk))} | ${secs(raw.initial)} (insert) | ${fmt(perSec(INITIAL, raw.initial))} | | | | | |`,
  );
  console.log(
    `| raw better-sqlite3, with SelfTracker's search index | ${fmt(perSec(N, raw.singleFts))} | ${fmt(perSec(N, raw.bulkFts))} | ${secs(raw.initialFts)} (insert) | ${fmt(perSec(INITIAL, raw.initialFts))} | | | | | |`,
  );
  for (const r of results) {
    const ab = r.push !== undefined && r.pull !== undefined ? perSec(N, r.push + r.pull) : Number.NaN;
    const live = r.live
      ? `${percentile(r.live, 50).toFixed(1)} / ${percentile(r.live, 95).toFixed(1)}`
      : 'n/a';
    console.log(
      `| ${r.name} | ${fmt(perSec(N, r.single))} | ${fmt(perSec(N, r.bulk))} | ${secs(r.initial)} | ${fmt(perSec(INITIAL, r.initial))} | ${secs(r.push)} | ${secs(r.pull)} | ${fmt(ab)} | ${r.edits ? percentile(r.edits, 50).toFixed(1) : 'n/a'} | ${live} |`,
    );
  }

  const by = (name: string) => results.find((r) => r.name.toLowerCase() === name.toLowerCase());
  const st = by('SelfTracker');
  if (st) {
    const abRate = (r?: Result) =>
      r?.push !== undefined && r.pull !== undefined ? perSec(N, r.push + r.pull) : Number.NaN;
    const p50 = (xs?: number[]) => (xs ? percentile(xs, 50) : Number.NaN);
    const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? (a / b).toFixed(2) : 'n/a');
    const met = (v: number, ok: (v: number) => boolean) =>
      Number.isFinite(v) ? (ok(v) ? 'met' : 'not met') : 'n/a';
    const bare = by('bare pipeline');
    const rows: [string, number, string, (v: number) => boolean][] = [
      ['W4 A → B rows/s ÷ bare pipeline', abRate(st) / abRate(bare), '≥ 1.0', (v) => v >= 1],
      ['W4 A → B rows/s ÷ WatermelonDB', abRate(st) / abRate(by('WatermelonDB')), '≥ 2', (v) => v >= 2],
      ['W4 A → B rows/s ÷ PouchDB', abRate(st) / abRate(by('PouchDB')), '≥ 20', (v) => v >= 20],
      [
        'one-edit round trip ÷ bare pipeline (time, lower is better)',
        p50(st.edits) / p50(bare?.edits),
        '≤ 1.2',
        (v) => v <= 1.2,
      ],
      ['live edit p50 ms', p50(st.live), '≤ 5', (v) => v <= 5],
      ['live edit p95 ms', st.live ? percentile(st.live, 95) : Number.NaN, '≤ 15', (v) => v <= 15],
      [
        'W2 rows/s ÷ bare pipeline pull of the same rows',
        perSec(INITIAL, st.initial) / perSec(INITIAL, bare?.initial),
        '≥ 1.5',
        (v) => v >= 1.5,
      ],
      [
        'W2 rows/s ÷ raw better-sqlite3 bulk insert',
        perSec(INITIAL, st.initial) / perSec(INITIAL, raw.initial),
        '≥ 0.5',
        (v) => v >= 0.5,
      ],
      ['W1 one tx each ÷ raw', perSec(N, st.single) / perSec(N, raw.single), '≥ 0.5', (v) => v >= 0.5],
      ['W1 bulk ÷ raw', perSec(N, st.bulk) / perSec(N, raw.bulk), '≥ 0.4', (v) => v >= 0.4],
      [
        'W1 one tx each ÷ raw with the search index',
        perSec(N, st.single) / perSec(N, raw.singleFts),
        '—',
        () => true,
      ],
      ['W1 bulk ÷ raw with the search index', perSec(N, st.bulk) / perSec(N, raw.bulkFts), '—', () => true],
      [
        'W2 rows/s ÷ raw bulk insert with the search index',
        perSec(INITIAL, st.initial) / perSec(INITIAL, raw.initialFts),
        '—',
        () => true,
      ],
    ];
    console.log('\nSelfTracker against the aims (same run)');
    console.log('| ratio | value | aim | |');
    console.log('|---|---|---|---|');
    for (const [label, v, aim, ok] of rows)
      console.log(
        `| ${label} | ${label.includes('ms') && !label.includes('÷') ? v.toFixed(1) : ratio(v, 1)} | ${aim} | ${aim === '—' ? '' : met(v, ok)} |`,
      );
  }
  console.log('\nWhat each system runs:');
  for (const r of results) console.log(`- ${r.name} (${r.version}): ${r.note}`);
  if (PROFILE) {
    console.log(
      '\nCPU profiles of SelfTracker (PEERS_PROFILE=1; idle = waiting on the network, the database or the other process):',
    );
    for (const p of [...profiles, ...serverProfiles(process.env.PEERS_PROFILE_DIR!)]) console.log(`\n${p}`);
    rmSync(process.env.PEERS_PROFILE_DIR!, { recursive: true, force: true });
  }
  const failed = results.filter((r) => r.errors.length);
  if (failed.length) {
    console.log('\nFailures:');
    for (const r of failed) for (const e of r.errors) console.log(`- ${r.name}: ${e}`);
  }
}

await main();
