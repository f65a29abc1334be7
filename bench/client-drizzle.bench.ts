/**
 * `npm run bench:client-drizzle`: the client's write hot paths through Drizzle (drizzle-orm/sqlite-proxy over
 * SqliteDriver, as the repositories' reads run) next to the prepared SQL the client uses for them, on the same
 * driver (better-sqlite3, WAL, synchronous=NORMAL). Prints ops/s and the ratio Drizzle / prepared; asserts nothing.
 *   (1) one write: a task row and its outbox entry in one transaction each (what tasks.create does)
 *   (2) bulk: 10,000 rows and their outbox entries in one transaction, 200 rows per statement (bulkCreate)
 *   (3) pull page apply: 10 pages of 1,000 pulled rows upserted, one transaction per page
 *   (4) outbox: 10,000 entries appended in one transaction
 * Knobs: BENCH_DRIZZLE_ONE (2000), BENCH_DRIZZLE_ROWS (10000), BENCH_DRIZZLE_REPEAT (3; the best run counts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type LocalDb,
  localDb,
  migrate,
  type SqliteExecutor,
  syncQueueTable,
  tasksTable,
} from '@selftracker/client';
import { openNodeDriver } from '@selftracker/client/node';
import { ENTITIES, uuidv7, withDefaults } from '@selftracker/core';
import { type SQL, sql } from 'drizzle-orm';
import { enqueueMany, type LocalRow, type NewOp, writeRows } from '../packages/client/src/local-store.ts';

const ONE = Number(process.env.BENCH_DRIZZLE_ONE ?? 2000);
const ROWS = Number(process.env.BENCH_DRIZZLE_ROWS ?? 10_000);
const REPEAT = Number(process.env.BENCH_DRIZZLE_REPEAT ?? 3);
const CHUNK = 200;

const dir = mkdtempSync(join(tmpdir(), 'selftracker-bench-drizzle-'));
let files = 0;

function rows(n: number): { rows: LocalRow[]; ops: NewOp[] } {
  const now = Date.now();
  const out: LocalRow[] = [];
  const ops: NewOp[] = [];
  for (let i = 0; i < n; i++) {
    const id = uuidv7(now);
    const data = withDefaults(ENTITIES.tasks, { title: `Task ${i}`, created_at: now, updated_at: now });
    out.push({ id, deleted: false, data });
    const hlc = `${String(now).padStart(15, '0')}-${String(i).padStart(5, '0')}-bench`;
    ops.push({
      op_id: uuidv7(now),
      entity: 'tasks',
      entity_id: id,
      operation: 'CREATE',
      data,
      hlc,
      created_at: now,
    });
  }
  return { rows: out, ops };
}

// ---------------------------------------------------------------- the same writes through Drizzle

const upsertSet: Record<string, SQL> = Object.fromEntries(
  ['deleted', ...ENTITIES.tasks.fieldNames].map((c) => [c, sql.raw(`excluded.${c}`)]),
);
const taskValues = (r: LocalRow) =>
  ({ id: r.id, deleted: r.deleted, ...r.data }) as typeof tasksTable.$inferInsert;
const opValues = (op: NewOp) => ({ ...op, data: op.data ? JSON.stringify(op.data) : null });

async function drizzleRows(db: LocalDb, list: readonly LocalRow[]) {
  for (let i = 0; i < list.length; i += CHUNK) {
    await db
      .insert(tasksTable)
      .values(list.slice(i, i + CHUNK).map(taskValues))
      .onConflictDoUpdate({ target: tasksTable.id, set: upsertSet });
  }
}
async function drizzleOps(db: LocalDb, ops: readonly NewOp[]) {
  for (let i = 0; i < ops.length; i += CHUNK) {
    await db.insert(syncQueueTable).values(ops.slice(i, i + CHUNK).map(opValues));
  }
}

type Way = 'prepared' | 'drizzle';
const write = {
  rows: (way: Way, tx: SqliteExecutor, list: readonly LocalRow[]) =>
    way === 'prepared' ? writeRows(tx, 'tasks', list) : drizzleRows(localDb(tx), list),
  ops: (way: Way, tx: SqliteExecutor, ops: readonly NewOp[]) =>
    way === 'prepared' ? enqueueMany(tx, ops) : drizzleOps(localDb(tx), ops),
};

// ---------------------------------------------------------------- runs

const CASES: Record<
  string,
  { n: number; run: (way: Way, tx: Tx, d: ReturnType<typeof rows>) => Promise<void> }
> = {
  '(1) one write: row + outbox, one transaction each': {
    n: ONE,
    run: async (way, tx, d) => {
      for (let i = 0; i < d.rows.length; i++) {
        await tx(async (x) => {
          await write.rows(way, x, [d.rows[i]!]);
          await write.ops(way, x, [d.ops[i]!]);
        });
      }
    },
  },
  '(2) bulk: rows + outbox in one transaction': {
    n: ROWS,
    run: (way, tx, d) =>
      tx(async (x) => {
        await write.rows(way, x, d.rows);
        await write.ops(way, x, d.ops);
      }),
  },
  '(3) pull page apply: 1,000-row pages': {
    n: ROWS,
    run: async (way, tx, d) => {
      for (let i = 0; i < d.rows.length; i += 1000)
        await tx((x) => write.rows(way, x, d.rows.slice(i, i + 1000)));
    },
  },
  '(4) outbox append': { n: ROWS, run: (way, tx, d) => tx((x) => write.ops(way, x, d.ops)) },
};
type Tx = (fn: (x: SqliteExecutor) => Promise<void>) => Promise<void>;

async function once(way: Way, c: (typeof CASES)[string]): Promise<number> {
  const driver = openNodeDriver(join(dir, `db-${files++}.sqlite`));
  await migrate(driver);
  const data = rows(c.n);
  const started = performance.now();
  await c.run(way, (fn) => driver.transaction(fn), data);
  const ms = performance.now() - started;
  // Both ways must have written the same: every row (or outbox entry) once.
  const [t] = await driver.query<{ n: number }>(
    'SELECT (SELECT count(*) FROM tasks) + (SELECT count(*) FROM sync_queue) AS n',
  );
  if (!t || t.n < c.n) throw new Error(`${way}: ${t?.n} rows written, expected at least ${c.n}`);
  await driver.close();
  return c.n / (ms / 1000);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log('\nclient writes: prepared SQL vs Drizzle (sqlite-proxy over SqliteDriver), better-sqlite3');
console.log('| path | prepared ops/s | drizzle ops/s | drizzle / prepared |\n|---|---|---|---|');
try {
  for (const [label, c] of Object.entries(CASES)) {
    const best = { prepared: 0, drizzle: 0 };
    for (let r = 0; r < REPEAT; r++) {
      for (const way of ['prepared', 'drizzle'] as const) best[way] = Math.max(best[way], await once(way, c));
    }
    console.log(
      `| ${label} | ${fmt(best.prepared)} | ${fmt(best.drizzle)} | ${(best.drizzle / best.prepared).toFixed(2)} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
