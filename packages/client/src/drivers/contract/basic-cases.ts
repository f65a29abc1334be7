/** Contract cases: statements, values, errors, close and persistence. */
import { equal, ok, rejection, same, storageError } from './check.ts';
import type { ContractCase } from './runner.ts';

export const basicCases: ContractCase[] = [
  {
    name: 'exec binds parameters and returns the number of rows changed; query returns rows',
    async run({ db }) {
      equal(await db.exec('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'a']), 1);
      equal(await db.exec('INSERT INTO t (id, v) VALUES (?, ?), (?, ?)', [2, 'b', 3, 'c']), 2);
      equal(await db.exec('UPDATE t SET v = ? WHERE id >= ?', ['z', 2]), 2);
      equal(await db.exec('UPDATE t SET v = ? WHERE id = ?', ['z', 99]), 0);
      equal(await db.query('SELECT id, v FROM t WHERE id > ? ORDER BY id', [1]), [
        { id: 2, v: 'z' },
        { id: 3, v: 'z' },
      ]);
      equal(await db.query('SELECT id FROM t WHERE id = ?', [42]), []);
      equal(await db.query('SELECT count(*) AS n FROM t'), [{ n: 3 }]);
      // A parameter is a value, never SQL.
      await db.exec('INSERT INTO t (id, v) VALUES (?, ?)', [4, "x'); DROP TABLE t; --"]);
      equal(await db.query('SELECT v FROM t WHERE id = 4'), [{ v: "x'); DROP TABLE t; --" }]);
    },
  },
  {
    name: 'round-trips every SQLite value type',
    async run({ db }) {
      const values: { id: number; v: string | number | null }[] = [
        { id: 1, v: null },
        { id: 2, v: 0 },
        { id: 3, v: -1 },
        { id: 4, v: Number.MAX_SAFE_INTEGER },
        { id: 5, v: Number.MIN_SAFE_INTEGER },
        { id: 6, v: 1_764_000_000_000 },
        { id: 7, v: Math.PI },
        { id: 8, v: -0.5e-300 },
        { id: 9, v: '' },
        { id: 10, v: 'plain ascii' },
        { id: 11, v: 'émoji 🚀👩‍👩‍👧 中文 עברית \u{10FFFF} tab\tnewline\n' },
        { id: 12, v: 'x'.repeat(100_000) },
      ];
      for (const { id, v } of values) await db.exec('INSERT INTO t (id, v) VALUES (?, ?)', [id, v]);
      const blob = new Uint8Array([0, 1, 2, 254, 255, 0]);
      await db.exec('INSERT INTO t (id, v) VALUES (?, ?)', [100, blob]);
      await db.exec('INSERT INTO t (id, v) VALUES (?, ?)', [101, new Uint8Array(0)]);
      await db.exec('INSERT INTO t (id, v) VALUES (?, ?)', [102, 42n]);

      const rows = await db.query<{ id: number; v: unknown; ty: string }>(
        'SELECT id, v, typeof(v) AS ty FROM t ORDER BY id',
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const { id, v } of values) equal(byId.get(id)?.v, v, `value ${id}`);
      equal(
        [1, 4, 7, 11].map((id) => byId.get(id)?.ty),
        ['null', 'integer', 'real', 'text'],
      );
      // Blobs come back as bytes (a Uint8Array or a subclass such as Buffer), never as text.
      ok(byId.get(100)?.v instanceof Uint8Array, 'a blob reads back as a Uint8Array');
      equal(Array.from(byId.get(100)?.v as Uint8Array), Array.from(blob));
      equal(Array.from(byId.get(101)?.v as Uint8Array), [], 'an empty blob');
      equal([byId.get(100)?.ty, byId.get(101)?.ty], ['blob', 'blob']);
      // A bigint parameter binds as an integer; a safe integer reads back as a number.
      equal(byId.get(102), { id: 102, v: 42, ty: 'integer' });
      // Parameters work in WHERE clauses with their type intact.
      equal(await db.query('SELECT id FROM t WHERE v = ?', [Number.MAX_SAFE_INTEGER]), [{ id: 4 }]);
      equal(await db.query('SELECT id FROM t WHERE v = ?', [values[10]!.v]), [{ id: 11 }]);
    },
  },
  {
    name: "maps a constraint violation to StorageError 'constraint', keeping the cause",
    async run({ db }) {
      await db.exec("INSERT INTO u (k, n) VALUES ('a', 1)");
      const err = storageError(
        await rejection(db.exec("INSERT INTO u (k, n) VALUES ('a', 2)")),
        'constraint',
      );
      equal(err.name, 'StorageError');
      ok(err.cause !== undefined, 'the native error is kept as cause');
      storageError(
        await rejection(db.exec("INSERT INTO u (k, n) VALUES ('b', NULL)")),
        'constraint',
        'NOT NULL',
      );
      // Inside a transaction too.
      const inTx = storageError(
        await rejection(db.transaction((tx) => tx.exec("INSERT INTO u (k, n) VALUES ('a', 3)"))),
        'constraint',
        'in a transaction',
      );
      ok(inTx.cause !== undefined, 'the native error is kept as cause in a transaction');
      equal(await db.query('SELECT k, n FROM u'), [{ k: 'a', n: 1 }]);
    },
  },
  {
    name: 'maps a bad statement to a StorageError (not a raw native error)',
    async run({ db }) {
      const err = storageError(await rejection(db.query('SELECT * FROM no_such_table')));
      ok(err.cause !== undefined, 'the native error is kept as cause');
    },
  },
  {
    name: "fails every call after close with StorageError 'closed'",
    async run({ db }) {
      await db.close();
      for (const call of [
        () => db.exec('INSERT INTO t (id, v) VALUES (1, 1)'),
        () => db.query('SELECT 1'),
        () => db.transaction(async () => 1),
      ]) {
        storageError(await rejection(call()), 'closed');
      }
      same(await db.close(), undefined, 'closing twice is harmless');
    },
  },
  {
    name: 'lets calls queued before close finish or fail cleanly',
    async run({ db, reopen }) {
      const pending = db.transaction(async (tx) => {
        await new Promise((r) => setTimeout(r, 5));
        await tx.exec("INSERT INTO t (id, v) VALUES (1, 'kept')");
      });
      const closing = db.close();
      const after = rejection(db.query('SELECT 1'));
      await pending;
      await closing;
      storageError(await after, 'closed');
      const again = await reopen();
      equal(await again.query('SELECT v FROM t'), [{ v: 'kept' }]);
    },
  },
  {
    name: 'persists committed data across close and reopen of the same file',
    async run({ db, reopen }) {
      await db.transaction(async (tx) => {
        await tx.exec("INSERT INTO t (id, v) VALUES (1, 'durable')");
        await tx.exec('INSERT INTO t (id, v) VALUES (2, ?)', [new Uint8Array([9, 8, 7])]);
      });
      await db.exec('PRAGMA user_version = 7');
      await db
        .transaction(async (tx) => {
          await tx.exec("INSERT INTO t (id, v) VALUES (3, 'rolled back')");
          throw new Error('abort');
        })
        .catch(() => {});
      await db.close();
      const again = await reopen();
      const rows = await again.query<{ id: number; v: unknown }>('SELECT id, v FROM t ORDER BY id');
      equal(
        rows.map((r) => r.id),
        [1, 2],
      );
      equal(rows[0]!.v, 'durable');
      equal(Array.from(rows[1]!.v as Uint8Array), [9, 8, 7]);
      equal(await again.query('PRAGMA user_version'), [{ user_version: 7 }]);
    },
  },
];
