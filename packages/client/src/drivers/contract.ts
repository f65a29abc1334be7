import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SqliteDriver, type SqliteExecutor, StorageError } from '../driver.ts';

/**
 * The driver contract (STYLE.md "The driver boundary"): every SqliteDriver — node, web, tauri, expo — runs
 * this one suite, so platforms cannot drift. Platform-free on purpose: the caller gives `open`, a factory
 * from a file name to a driver (a path under a temp dir on Node, an OPFS name in a browser, ...).
 *
 * `open` is called with a fresh file name per test (`file(n)`); the same name must reopen the same
 * database. Only `describe`, `it`, `beforeEach`, `afterEach` and plain `expect` matchers are used, so a
 * browser or device page can run the suite through a small shim. Skips: none at present. A driver that cannot honour a case must skip it here with
 * `it.skipIf(...)` and a comment saying why, not quietly weaken the assertion.
 */
export function runDriverContract(
  name: string,
  open: (file: string) => SqliteDriver | Promise<SqliteDriver>,
  opts: { file?: (test: string) => string } = {},
): void {
  let seq = 0;
  const fileFor = opts.file ?? ((t: string) => `contract-${t}-${Date.now()}-${seq++}.db`);

  describe(`SqliteDriver contract: ${name}`, () => {
    let file: string;
    let db: SqliteDriver;
    const opened: SqliteDriver[] = [];
    const reopen = async () => {
      const d = await open(file);
      opened.push(d);
      return d;
    };

    beforeEach(async () => {
      file = fileFor(String(seq++));
      db = await reopen();
      await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v)');
      await db.exec('CREATE TABLE u (k TEXT PRIMARY KEY, n INTEGER NOT NULL)');
    });
    afterEach(async () => {
      for (const d of opened.splice(0)) await d.close().catch(() => {});
    });

    it('exec binds parameters and returns the number of rows changed; query returns rows', async () => {
      expect(await db.exec('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'a'])).toBe(1);
      expect(await db.exec('INSERT INTO t (id, v) VALUES (?, ?), (?, ?)', [2, 'b', 3, 'c'])).toBe(2);
      expect(await db.exec('UPDATE t SET v = ? WHERE id >= ?', ['z', 2])).toBe(2);
      expect(await db.exec('UPDATE t SET v = ? WHERE id = ?', ['z', 99])).toBe(0);
      expect(await db.query('SELECT id, v FROM t WHERE id > ? ORDER BY id', [1])).toEqual([
        { id: 2, v: 'z' },
        { id: 3, v: 'z' },
      ]);
      expect(await db.query('SELECT id FROM t WHERE id = ?', [42])).toEqual([]);
      expect(await db.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 3 }]);
      // A parameter is a value, never SQL.
      await db.exec('INSERT INTO t (id, v) VALUES (?, ?)', [4, "x'); DROP TABLE t; --"]);
      expect(await db.query('SELECT v FROM t WHERE id = 4')).toEqual([{ v: "x'); DROP TABLE t; --" }]);
    });

    it('round-trips every SQLite value type', async () => {
      const values: { id: number; v: unknown }[] = [
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
      for (const { id, v } of values) await db.exec('INSERT INTO t (id, v) VALUES (?, ?)', [id, v as never]);
      const blob = new Uint8Array([0, 1, 2, 254, 255, 0]);
      await db.exec('INSERT INTO t (id, v) VALUES (?, ?)', [100, blob]);
      await db.exec('INSERT INTO t (id, v) VALUES (?, ?)', [101, new Uint8Array(0)]);
      await db.exec('INSERT INTO t (id, v) VALUES (?, ?)', [102, 42n]);

      const rows = await db.query<{ id: number; v: unknown; ty: string }>(
        'SELECT id, v, typeof(v) AS ty FROM t ORDER BY id',
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const { id, v } of values) {
        expect(byId.get(id)?.v, `value ${id}`).toEqual(v);
      }
      expect(byId.get(1)?.ty).toBe('null');
      expect(byId.get(4)?.ty).toBe('integer');
      expect(byId.get(7)?.ty).toBe('real');
      expect(byId.get(11)?.ty).toBe('text');
      // Blobs come back as bytes (a Uint8Array or a subclass such as Buffer), never as text.
      const b = byId.get(100)?.v;
      expect(b).toBeInstanceOf(Uint8Array);
      expect(Array.from(b as Uint8Array)).toEqual(Array.from(blob));
      expect(byId.get(100)?.ty).toBe('blob');
      expect(Array.from(byId.get(101)?.v as Uint8Array)).toEqual([]);
      expect(byId.get(101)?.ty).toBe('blob');
      // A bigint parameter binds as an integer; a safe integer reads back as a number.
      expect(byId.get(102)).toMatchObject({ v: 42, ty: 'integer' });
      // Parameters work in WHERE clauses with their type intact.
      expect(await db.query('SELECT id FROM t WHERE v = ?', [Number.MAX_SAFE_INTEGER])).toEqual([{ id: 4 }]);
      expect(await db.query('SELECT id FROM t WHERE v = ?', [values[10]!.v as string])).toEqual([{ id: 11 }]);
    });

    it('commits a transaction and returns its result', async () => {
      const r = await db.transaction(async (tx) => {
        await tx.exec('INSERT INTO t (id, v) VALUES (1, ?)', ['one']);
        await tx.exec('INSERT INTO t (id, v) VALUES (2, ?)', ['two']);
        const [row] = await tx.query<{ n: number }>('SELECT count(*) AS n FROM t');
        return row!.n;
      });
      expect(r).toBe(2);
      expect(await db.query('SELECT v FROM t ORDER BY id')).toEqual([{ v: 'one' }, { v: 'two' }]);
    });

    it('rolls back everything when the function throws, and rethrows the same error', async () => {
      await db.exec("INSERT INTO t (id, v) VALUES (1, 'before')");
      const boom = new Error('boom');
      await expect(
        db.transaction(async (tx) => {
          await tx.exec("UPDATE t SET v = 'changed' WHERE id = 1");
          await tx.exec("INSERT INTO t (id, v) VALUES (2, 'new')");
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await db.query('SELECT id, v FROM t ORDER BY id')).toEqual([{ id: 1, v: 'before' }]);
      // The driver is usable afterwards.
      await db.transaction((tx) => tx.exec("INSERT INTO t (id, v) VALUES (3, 'after')"));
      expect(await db.query('SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 3 }]);
    });

    it("passes the caller's own errors through unchanged, even ones with a `code` property", async () => {
      class AppError extends Error {
        readonly code = 'not_found';
        override readonly name = 'AppError';
      }
      const mine = new AppError('row 42 not found');
      const err = await db
        .transaction(async (tx) => {
          await tx.exec("INSERT INTO t (id, v) VALUES (1, 'x')");
          throw mine;
        })
        .catch((e: unknown) => e);
      expect(err).toBe(mine);
      const rejected = await db.transaction(() => Promise.reject('a string')).catch((e: unknown) => e);
      expect(rejected).toBe('a string');
      expect(await db.query('SELECT * FROM t')).toEqual([]);
    });

    it('rolls back when a statement inside the transaction fails', async () => {
      const err = await db
        .transaction(async (tx) => {
          await tx.exec("INSERT INTO u (k, n) VALUES ('a', 1)");
          await tx.exec("INSERT INTO u (k, n) VALUES ('a', 2)"); // duplicate key
        })
        .catch((e: unknown) => e);
      expect(StorageError.is(err)).toBe(true);
      expect((err as StorageError).code).toBe('constraint');
      expect(await db.query('SELECT * FROM u')).toEqual([]);
    });

    it('serializes concurrent transactions: read-increment-write never loses an update', async () => {
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
      expect(await db.query("SELECT n FROM u WHERE k = 'c'")).toEqual([{ n: 3 * N }]);
    });

    it('runs a transaction started inside another after the outer one ends (no interleaving, no deadlock)', async () => {
      const order: string[] = [];
      let inner: Promise<void> | undefined;
      await db.transaction(async (tx) => {
        order.push('outer:start');
        inner = db.transaction(async (tx2) => {
          order.push('inner');
          const [r] = await tx2.query<{ n: number }>('SELECT count(*) AS n FROM t');
          expect(r!.n).toBe(2); // sees the outer transaction fully committed
          await tx2.exec("INSERT INTO t (id, v) VALUES (3, 'inner')");
        });
        await tx.exec("INSERT INTO t (id, v) VALUES (1, 'outer')");
        await new Promise((r) => setTimeout(r, 5));
        await tx.exec("INSERT INTO t (id, v) VALUES (2, 'outer')");
        order.push('outer:end');
      });
      await inner;
      expect(order).toEqual(['outer:start', 'outer:end', 'inner']);
      expect(await db.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 3 }]);
    });

    it('refuses the transaction executor once its transaction has ended', async () => {
      let leaked: SqliteExecutor | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
        await tx.exec("INSERT INTO t (id, v) VALUES (1, 'in')");
      });
      const err = await leaked!.exec("INSERT INTO t (id, v) VALUES (2, 'escaped')").catch((e: unknown) => e);
      expect(StorageError.is(err)).toBe(true);
      expect((err as StorageError).code).toBe('closed');
      const readErr = await leaked!.query('SELECT 1').catch((e: unknown) => e);
      expect(StorageError.is(readErr)).toBe(true);
      expect(await db.query('SELECT id FROM t')).toEqual([{ id: 1 }]);
    });

    it('readers outside a transaction never see half of it', async () => {
      await db.exec("INSERT INTO u (k, n) VALUES ('a', 100), ('b', 0)");
      const seen: number[] = [];
      let done = false;
      const writer = (async () => {
        for (let i = 0; i < 20; i++) {
          await db.transaction(async (tx) => {
            await tx.exec("UPDATE u SET n = n - 1 WHERE k = 'a'");
            await new Promise((r) => setTimeout(r, 0));
            await tx.exec("UPDATE u SET n = n + 1 WHERE k = 'b'");
          });
        }
        done = true;
      })();
      const reader = (async () => {
        while (!done) {
          const [r] = await db.query<{ s: number }>('SELECT sum(n) AS s FROM u');
          seen.push(r!.s);
          await new Promise((r) => setTimeout(r, 0));
        }
      })();
      await Promise.all([writer, reader]);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((s) => s === 100)).toBe(true);
      // A second connection to the same file sees only committed states too.
      const other = await reopen();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const tx = db.transaction(async (t) => {
        await t.exec("UPDATE u SET n = n - 50 WHERE k = 'a'");
        entered();
        await gate;
        await t.exec("UPDATE u SET n = n + 50 WHERE k = 'b'");
      });
      await inside;
      expect(await other.query<{ s: number }>('SELECT sum(n) AS s FROM u')).toEqual([{ s: 100 }]);
      release();
      await tx;
      expect(await other.query('SELECT k, n FROM u ORDER BY k')).toEqual([
        { k: 'a', n: 30 },
        { k: 'b', n: 70 },
      ]);
    });

    it("maps a constraint violation to StorageError 'constraint', keeping the cause", async () => {
      await db.exec("INSERT INTO u (k, n) VALUES ('a', 1)");
      const err = await db.exec("INSERT INTO u (k, n) VALUES ('a', 2)").catch((e: unknown) => e);
      expect(StorageError.is(err)).toBe(true);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).code).toBe('constraint');
      expect((err as StorageError).name).toBe('StorageError');
      expect((err as StorageError).cause).toBeDefined();
      const notNull = await db.exec("INSERT INTO u (k, n) VALUES ('b', NULL)").catch((e: unknown) => e);
      expect(notNull).toMatchObject({ name: 'StorageError', code: 'constraint' });
      // Inside a transaction too.
      const inTx = await db
        .transaction((tx) => tx.exec("INSERT INTO u (k, n) VALUES ('a', 3)"))
        .catch((e: unknown) => e);
      expect(inTx).toMatchObject({ name: 'StorageError', code: 'constraint' });
      expect((inTx as StorageError).cause).toBeDefined();
      expect(await db.query('SELECT k, n FROM u')).toEqual([{ k: 'a', n: 1 }]);
    });

    it('maps a bad statement to a StorageError (not a raw native error)', async () => {
      const err = await db.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
      expect(StorageError.is(err)).toBe(true);
      expect((err as StorageError).cause).toBeDefined();
    });

    it("fails every call after close with StorageError 'closed'", async () => {
      await db.close();
      for (const call of [
        () => db.exec('INSERT INTO t (id, v) VALUES (1, 1)'),
        () => db.query('SELECT 1'),
        () => db.transaction(async () => 1),
      ]) {
        const err = await call().catch((e: unknown) => e);
        expect(StorageError.is(err)).toBe(true);
        expect((err as StorageError).code).toBe('closed');
      }
      await expect(db.close()).resolves.toBeUndefined(); // closing twice is harmless
    });

    it('lets calls queued before close finish or fail cleanly', async () => {
      const pending = db.transaction(async (tx) => {
        await new Promise((r) => setTimeout(r, 5));
        await tx.exec("INSERT INTO t (id, v) VALUES (1, 'kept')");
      });
      const closing = db.close();
      const after = db.query('SELECT 1').catch((e: unknown) => e);
      await pending;
      await closing;
      expect(await after).toMatchObject({ name: 'StorageError', code: 'closed' });
      const again = await reopen();
      expect(await again.query('SELECT v FROM t')).toEqual([{ v: 'kept' }]);
    });

    it('persists committed data across close and reopen of the same file', async () => {
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
      expect(rows.map((r) => r.id)).toEqual([1, 2]);
      expect(rows[0]!.v).toBe('durable');
      expect(Array.from(rows[1]!.v as Uint8Array)).toEqual([9, 8, 7]);
      expect(await again.query('PRAGMA user_version')).toEqual([{ user_version: 7 }]);
    });
  });
}
