// The thread that owns PGlite (pglite-thread.ts starts it): every statement runs here, so a long query
// (a checksum over 100,000 rows, a 5,000-row pull) never blocks the HTTP thread. Plain JavaScript, so it loads
// the same way under tsx, Vitest and a build. Messages: see the `Request` type in pglite-thread.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';

const port = parentPort;
const db = new PGlite(workerData.dataDir ?? undefined);
/** Open transactions by id: the PGlite transaction object and how to end it. */
const txs = new Map();
let nextTx = 1;
const ROLLBACK = new Error('rollback');

const errorOf = (e) => ({
  message: e instanceof Error ? e.message : String(e),
  code: e?.code,
  name: e instanceof Error ? e.name : 'Error',
});
const reply = (id, result) => port.postMessage({ id, ok: true, result });
const fail = (id, e) => port.postMessage({ id, ok: false, error: errorOf(e) });

async function query(m) {
  const target = m.tx ? txs.get(m.tx)?.t : db;
  if (!target) throw new Error('the transaction has already ended');
  const r = await target.query(m.sql, m.params ?? [], m.rowMode ? { rowMode: m.rowMode } : undefined);
  return r.rows;
}

function begin(id) {
  const tx = nextTx++;
  let finish;
  const ended = new Promise((resolve) => {
    finish = resolve;
  });
  db.transaction(async (t) => {
    txs.set(tx, { t });
    reply(id, tx);
    const commit = await ended;
    if (!commit) throw ROLLBACK; // PGlite rolls back a transaction whose function throws
  })
    .then(
      () => txs.get(tx)?.done?.(null),
      (e) => txs.get(tx)?.done?.(e === ROLLBACK ? null : e),
    )
    .finally(() => txs.delete(tx));
  // `end` resolves `ended`, and hears how the transaction finished through `done`.
  return { tx, finish };
}
const enders = new Map();

async function handle(m) {
  switch (m.op) {
    case 'query':
      return query(m);
    case 'begin': {
      const { tx, finish } = begin(m.id);
      enders.set(tx, finish);
      return undefined; // answered from inside the transaction
    }
    case 'end': {
      const entry = txs.get(m.tx);
      const finish = enders.get(m.tx);
      enders.delete(m.tx);
      if (!entry || !finish) throw new Error('the transaction has already ended');
      const outcome = new Promise((resolve, reject) => {
        entry.done = (e) => (e ? reject(e) : resolve(null));
      });
      finish(m.commit);
      await outcome;
      return null;
    }
    case 'copy': {
      const t = txs.get(m.tx)?.t;
      if (!t) throw new Error('the transaction has already ended');
      await t.query(`COPY ${m.table} (${m.columns.join(', ')}) FROM '/dev/blob'`, [], {
        blob: new Blob([m.data]),
      });
      return null;
    }
    case 'listen':
      await db.listen(m.channel, (payload) => port.postMessage({ notify: m.channel, payload }));
      return null;
    case 'close':
      await db.close();
      return null;
    default:
      throw new Error(`unknown request ${m.op}`);
  }
}

port.on('message', (m) => {
  handle(m).then(
    (result) => {
      if (m.op !== 'begin') reply(m.id, result);
    },
    (e) => fail(m.id, e),
  );
});

try {
  await db.waitReady;
  await migrate(drizzle(db), { migrationsFolder: workerData.migrationsDir });
  port.postMessage({ ready: true });
} catch (e) {
  port.postMessage({ ready: false, error: errorOf(e) });
}
