/** Contract cases: transactions (commit, rollback, serializability, isolation, the scoped executor). */
import type { SqliteDriver, SqliteExecutor } from '../../driver.ts';
import { equal, ok, rejection, same, storageError, within } from './check.ts';
import type { ContractCase } from './runner.ts';

/** A promise with its resolver, to hold a transaction open at a known point. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

/**
 * A transaction on `db` held open between `first` and `then` until `resume()`: `inside` settles once `first`
 * ran (or the transaction failed before), `done` is the transaction's own promise.
 */
export function holdTransaction(
  db: SqliteDriver,
  first: (tx: SqliteExecutor) => Promise<unknown>,
  then: (tx: SqliteExecutor) => Promise<unknown>,
): { inside: Promise<unknown>; resume(): void; done: Promise<void> } {
  const entered = gate();
  const release = gate();
  const done = db.transaction(async (tx) => {
    await first(tx);
    entered.open();
    await release.promise;
    await then(tx);
  });
  return { inside: Promise.race([entered.promise, done]), resume: release.open, done };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

export const transactionCases: ContractCase[] = [
  {
    name: 'commits a transaction and returns its result',
    async run({ db }) {
      const r = await db.transaction(async (tx) => {
        await tx.exec('INSERT INTO t (id, v) VALUES (1, ?)', ['one']);
        await tx.exec('INSERT INTO t (id, v) VALUES (2, ?)', ['two']);
        const [row] = await tx.query<{ n: number }>('SELECT count(*) AS n FROM t');
        return row!.n;
      });
      equal(r, 2);
      equal(await db.query('SELECT v FROM t ORDER BY id'), [{ v: 'one' }, { v: 'two' }]);
    },
  },
  {
    name: 'rolls back everything when the function throws, and rethrows the same error',
    async run({ db }) {
      await db.exec("INSERT INTO t (id, v) VALUES (1, 'before')");
      const boom = new Error('boom');
      const err = await rejection(
        db.transaction(async (tx) => {
          await tx.exec("UPDATE t SET v = 'changed' WHERE id = 1");
          await tx.exec("INSERT INTO t (id, v) VALUES (2, 'new')");
          throw boom;
        }),
      );
      same(err, boom);
      equal(await db.query('SELECT id, v FROM t ORDER BY id'), [{ id: 1, v: 'before' }]);
      // The driver is usable afterwards.
      await db.transaction((tx) => tx.exec("INSERT INTO t (id, v) VALUES (3, 'after')"));
      equal(await db.query('SELECT id FROM t ORDER BY id'), [{ id: 1 }, { id: 3 }]);
    },
  },
  {
    name: "passes the caller's own errors through unchanged, even ones with a `code` property",
    async run({ db }) {
      class AppError extends Error {
        readonly code = 'not_found';
        override readonly name = 'AppError';
      }
      const mine = new AppError('row 42 not found');
      const err = await rejection(
        db.transaction(async (tx) => {
          await tx.exec("INSERT INTO t (id, v) VALUES (1, 'x')");
          throw mine;
        }),
      );
      same(err, mine);
      same(await rejection(db.transaction(() => Promise.reject('a string'))), 'a string');
      equal(await db.query('SELECT * FROM t'), []);
    },
  },
  {
    name: 'rolls back when a statement inside the transaction fails',
    async run({ db }) {
      const err = await rejection(
        db.transaction(async (tx) => {
          await tx.exec("INSERT INTO u (k, n) VALUES ('a', 1)");
          await tx.exec("INSERT INTO u (k, n) VALUES ('a', 2)"); // duplicate key
        }),
      );
      storageError(err, 'constraint');
      equal(await db.query('SELECT * FROM u'), []);
    },
  },
  {
    name: 'serializes concurrent transactions: read-increment-write never loses an update',
    async run({ db }) {
      await db.exec("INSERT INTO u (k, n) VALUES ('c', 0)");
      const N = 50;
      const worker = () =>
        db.transaction(async (tx) => {
          for (let i = 0; i < N; i++) {
            const [row] = await tx.query<{ n: number }>("SELECT n FROM u WHERE k = 'c'");
            await Promise.resolve(); // yield: give the other transaction every chance to interleave
            await tx.exec("UPDATE u SET n = ? WHERE k = 'c'", [row!.n + 1]);
          }
        });
      await Promise.all([worker(), worker(), worker()]);
      equal(await db.query("SELECT n FROM u WHERE k = 'c'"), [{ n: 3 * N }]);
    },
  },
  {
    name: 'runs a transaction started inside another after the outer one ends (no interleaving, no deadlock)',
    async run({ db }) {
      const order: string[] = [];
      let inner: Promise<unknown> | undefined;
      await db.transaction(async (tx) => {
        order.push('outer:start');
        inner = db.transaction(async (tx2) => {
          order.push('inner');
          // Sees the outer transaction fully committed.
          const seen = await tx2.query<{ n: number }>('SELECT count(*) AS n FROM t');
          await tx2.exec("INSERT INTO t (id, v) VALUES (3, 'inner')");
          return seen;
        });
        await tx.exec("INSERT INTO t (id, v) VALUES (1, 'outer')");
        await new Promise((r) => setTimeout(r, 5));
        await tx.exec("INSERT INTO t (id, v) VALUES (2, 'outer')");
        order.push('outer:end');
      });
      equal(await inner, [{ n: 2 }], 'the inner transaction saw');
      equal(order, ['outer:start', 'outer:end', 'inner']);
      equal(await db.query('SELECT count(*) AS n FROM t'), [{ n: 3 }]);
    },
  },
  {
    name: 'refuses the transaction executor once its transaction has ended',
    async run({ db }) {
      let leaked: SqliteExecutor | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
        await tx.exec("INSERT INTO t (id, v) VALUES (1, 'in')");
      });
      storageError(await rejection(leaked!.exec("INSERT INTO t (id, v) VALUES (2, 'escaped')")), 'closed');
      storageError(await rejection(leaked!.query('SELECT 1')));
      equal(await db.query('SELECT id FROM t'), [{ id: 1 }]);
    },
  },
  {
    name: 'readers outside a transaction never see half of it',
    async run({ db }) {
      await db.exec("INSERT INTO u (k, n) VALUES ('a', 100), ('b', 0)");
      const seen: number[] = [];
      let done = false;
      const writer = (async () => {
        for (let i = 0; i < 20; i++) {
          await db.transaction(async (tx) => {
            await tx.exec("UPDATE u SET n = n - 1 WHERE k = 'a'");
            await tick();
            await tx.exec("UPDATE u SET n = n + 1 WHERE k = 'b'");
          });
        }
        done = true;
      })();
      const reader = (async () => {
        while (!done) {
          const [r] = await db.query<{ s: number }>('SELECT sum(n) AS s FROM u');
          seen.push(r!.s);
          await tick();
        }
      })();
      await Promise.all([writer, reader]);
      ok(seen.length > 0, 'the reader read');
      equal(
        seen.filter((s) => s !== 100),
        [],
        'sums other than 100 seen',
      );
    },
  },
  {
    name: 'another connection to the same file sees only committed states',
    async run({ db, reopen }) {
      await db.exec("INSERT INTO u (k, n) VALUES ('a', 100), ('b', 0)");
      const other = await reopen();
      const held = holdTransaction(
        db,
        (t) => t.exec("UPDATE u SET n = n - 50 WHERE k = 'a'"),
        (t) => t.exec("UPDATE u SET n = n + 50 WHERE k = 'b'"),
      );
      await held.inside;
      equal(await other.query('SELECT sum(n) AS s FROM u'), [{ s: 100 }]);
      held.resume();
      await held.done;
      equal(await other.query('SELECT k, n FROM u ORDER BY k'), [
        { k: 'a', n: 50 },
        { k: 'b', n: 50 },
      ]);
    },
  },
  {
    name: 'a transaction whose caller vanishes is rolled back and releases the database',
    needs: 'vanish',
    async run({ db, reopen, vanish }) {
      await db.exec("INSERT INTO t (id, v) VALUES (1, 'before')");
      const caller = await reopen();
      const held = holdTransaction(
        caller,
        async (tx) => {
          await tx.exec("UPDATE t SET v = 'half' WHERE id = 1");
          await tx.exec("INSERT INTO t (id, v) VALUES (2, 'half')");
        },
        (tx) => tx.exec("INSERT INTO t (id, v) VALUES (3, 'after vanishing')"),
      );
      await held.inside;
      try {
        // Promptly: a lease timeout would release it too, but only much later.
        await within(5_000, vanish(caller), 'the far side rolled back when its caller vanished');
      } finally {
        held.resume(); // the caller's function goes on, as a page's code might before it is gone
      }
      // The other connection can write at once (the lock was released) and never sees the half transaction.
      await db.exec("INSERT INTO t (id, v) VALUES (4, 'other')");
      equal(await db.query('SELECT id, v FROM t ORDER BY id'), [
        { id: 1, v: 'before' },
        { id: 4, v: 'other' },
      ]);
      // The vanished caller's transaction fails instead of writing anywhere.
      storageError(await rejection(held.done), undefined, 'the abandoned transaction');
      equal(await db.query('SELECT count(*) AS n FROM t'), [{ n: 2 }]);
    },
  },
];
