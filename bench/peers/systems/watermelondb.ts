/**
 * WatermelonDB: clients are @nozbe/watermelondb Databases on its SQLiteAdapter, which in Node runs on
 * better-sqlite3 (one SQLite file per client in the run's temp dir), with plain Model classes (no decorators:
 * fields are read and written through the Model's raw accessors, as its @field decorator does). Sync is
 * WatermelonDB's own `synchronize()` against a pull/push server written here (_watermelondb-server.ts) in its own
 * process on loopback, storing rows in PostgreSQL. Each server workload uses a user of its own, so every count
 * is exact. No live channel: WatermelonDB has none (an app calls synchronize() again).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { uuidv7 } from '@selftracker/core';
import pg from 'pg';
import { type PeerServer, startPeerServer } from '../server-process.ts';
import { type BenchTask, expectCount, type RunContext, type System, taskTitle, timed } from '../types.ts';
import { seed, type WireTask } from './_watermelondb-store.ts';

const require = createRequire(import.meta.url);
// WatermelonDB's CommonJS build, loaded with require(): its typings are Flow-first and add little here.
type Any = any;
const { Database, Model, appSchema, tableSchema }: Any = require('@nozbe/watermelondb');
const SQLiteAdapter: Any = require('@nozbe/watermelondb/adapters/sqlite').default;
const { synchronize, hasUnsyncedChanges }: Any = require('@nozbe/watermelondb/sync');
// The Node adapter's connections (tag → driver → better-sqlite3 handle): used to set the pragmas every client
// in this comparison runs with, and to close the file at the end (the adapter has no close()).
const bridge: Any = require('@nozbe/watermelondb/adapters/sqlite/sqlite-node/DatabaseBridge').default;
// Its "[SQLite] Setting up database…" lines on every fresh client; warnings and errors still print.
require('@nozbe/watermelondb/utils/common/logger').default.log = () => {};
const VERSIONS = `@nozbe/watermelondb ${require('@nozbe/watermelondb/package.json').version}, better-sqlite3 ${require('better-sqlite3/package.json').version}, pg ${require('pg/package.json').version} (server)`;

const schema = appSchema({
  version: 1,
  tables: [
    tableSchema({
      name: 'tasks',
      columns: [
        { name: 'title', type: 'string' },
        { name: 'status', type: 'string' },
        { name: 'created_at', type: 'number' },
        { name: 'updated_at', type: 'number' },
      ],
    }),
  ],
});

class Task extends Model {
  static table = 'tasks';
  get title(): string {
    return this._getRaw('title');
  }
}

interface Client {
  db: Any;
  tag: string;
}

/** Fills a new task record (inside prepareCreate/create), as a model's @field setters would. */
const fill = (i: number) => (r: Any) => {
  const now = Date.now();
  r._setRaw('title', taskTitle(i));
  r._setRaw('status', 'todo' satisfies BenchTask['status']);
  r._setRaw('created_at', now);
  r._setRaw('updated_at', now);
};

export default function watermelondb(): System {
  let child: PeerServer | undefined;
  let url = '';
  let dir = '';
  let pool: pg.Pool | undefined;
  let files = 0;
  const open = new Set<Client>();

  /** A fresh client: a new SQLite file, WAL and synchronous=NORMAL like the other SQLite clients here. */
  const local = async (label: string): Promise<Client> => {
    const adapter = new SQLiteAdapter({ schema, dbName: join(dir, `wm-${label}-${files++}.db`) });
    const db = new Database({ adapter, modelClasses: [Task] });
    const client = { db, tag: adapter._tag as string };
    open.add(client);
    await db.get('tasks').query().fetchCount(); // waits for the adapter's setup (schema creation)
    const sqlite = bridge.connections[client.tag]?.driver?.database?.instance;
    if (!sqlite) throw new Error('WatermelonDB: no better-sqlite3 connection behind the adapter');
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    return client;
  };
  const closeAll = () => {
    for (const c of [...open]) {
      open.delete(c);
      const conn = bridge.connections[c.tag];
      conn?.driver?.database?.instance?.close();
      delete bridge.connections[c.tag];
    }
  };
  const count = (c: Client): Promise<number> => c.db.get('tasks').query().fetchCount();
  const serverCount = async (user: string) =>
    Number(
      (await pool!.query('SELECT count(*) AS n FROM wm_tasks WHERE user_id = $1 AND NOT deleted', [user]))
        .rows[0].n,
    );
  const sync = (c: Client, user: string) =>
    synchronize({
      database: c.db,
      sendCreatedAsUpdated: true,
      pullChanges: async ({ lastPulledAt }: { lastPulledAt?: number | null }) => {
        const r = await fetch(
          `${url}/pull?user=${encodeURIComponent(user)}&last_pulled_at=${lastPulledAt ?? ''}`,
        );
        if (!r.ok) throw new Error(`pull: HTTP ${r.status} ${await r.text()}`);
        return r.json();
      },
      pushChanges: async ({ changes, lastPulledAt }: { changes: unknown; lastPulledAt: number }) => {
        const r = await fetch(`${url}/push?user=${encodeURIComponent(user)}&last_pulled_at=${lastPulledAt}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(changes),
        });
        if (!r.ok) throw new Error(`push: HTTP ${r.status} ${await r.text()}`);
      },
    });
  const createMany = (c: Client, from: number, n: number) =>
    c.db.write(() => {
      const tasks = c.db.get('tasks');
      return c.db.batch(Array.from({ length: n }, (_, i) => tasks.prepareCreate(fill(from + i))));
    });
  const user = (what: string) => `${what}-${uuidv7()}`;

  return {
    name: 'WatermelonDB',
    version: VERSIONS,
    setupNote:
      'WatermelonDB Databases on its SQLiteAdapter (Node: better-sqlite3, one SQLite file per client, set to WAL + ' +
      'synchronous=NORMAL), plain Model classes without decorators; W1 single = one database.write() with ' +
      'collection.create() per task, bulk = one write() with database.batch() of prepareCreate(); sync = ' +
      'WatermelonDB’s synchronize() (sendCreatedAsUpdated) against a pull/push HTTP server written for this bench ' +
      '(node:http, its own process) storing rows in PostgreSQL: pull = rows with a sequence cursor above ' +
      'lastPulledAt, push = conflict check + one unnest upsert in a transaction; W2 rows seeded into PostgreSQL ' +
      'directly. No live channel.',
    async setup(ctx: RunContext) {
      dir = ctx.dir;
      child = await startPeerServer(
        join(import.meta.dirname, '_watermelondb-server.ts'),
        { PG_URL: ctx.pgUrl },
        'WatermelonDB sync server',
      );
      url = child.url;
      pool = new pg.Pool({ connectionString: ctx.pgUrl, max: 2 });
    },
    async teardown() {
      closeAll();
      await pool?.end();
      await child?.stop();
    },
    async localSingle(n) {
      try {
        const c = await local('single');
        const tasks = c.db.get('tasks');
        const [, ms] = await timed(async () => {
          for (let i = 0; i < n; i++) await c.db.write(() => tasks.create(fill(i)));
        });
        expectCount('local tasks', await count(c), n);
        return ms;
      } finally {
        closeAll();
      }
    },
    async localBulk(n) {
      try {
        const c = await local('bulk');
        const [, ms] = await timed(() => createMany(c, 0, n));
        expectCount('local tasks', await count(c), n);
        return ms;
      } finally {
        closeAll();
      }
    },
    async transfer(n) {
      try {
        const u = user('transfer');
        const a = await local('a');
        await createMany(a, 0, n);
        const [, pushMs] = await timed(() => sync(a, u));
        if (await hasUnsyncedChanges({ database: a.db })) throw new Error('A still has unsynced changes');
        expectCount('tasks on the server', await serverCount(u), n);
        const b = await local('b');
        const [, pullMs] = await timed(() => sync(b, u));
        expectCount('tasks on B', await count(b), n);
        return { pushMs, pullMs };
      } finally {
        closeAll();
      }
    },
    async oneEdit(k) {
      try {
        const u = user('oneedit');
        const a = await local('a');
        const b = await local('b');
        const task = await a.db.write(() => a.db.get('tasks').create(fill(0)));
        await sync(a, u);
        await sync(b, u);
        expectCount('tasks on B', await count(b), 1);
        const out: number[] = [];
        for (let i = 1; i <= k; i++) {
          const title = `edit ${i}`;
          const [, ms] = await timed(async () => {
            await a.db.write(() =>
              task.update((r: Any) => {
                r._setRaw('title', title);
                r._setRaw('updated_at', Date.now());
              }),
            );
            await sync(a, u);
            await sync(b, u);
          });
          const got = ((await b.db.get('tasks').find(task.id)) as Task).title;
          if (got !== title) throw new Error(`B has "${got}", not "${title}"`);
          out.push(ms);
        }
        return out;
      } finally {
        closeAll();
      }
    },
    async initialSync(rows) {
      try {
        const u = user('initial');
        const now = Date.now();
        const seeded: WireTask[] = Array.from({ length: rows }, (_, i) => ({
          id: uuidv7(now),
          title: taskTitle(i),
          status: 'todo',
          created_at: now,
          updated_at: now,
        }));
        await seed(pool!, u, seeded);
        expectCount('tasks on the server', await serverCount(u), rows);
        const c = await local('initial');
        const [, ms] = await timed(() => sync(c, u));
        expectCount('tasks on the fresh client', await count(c), rows);
        return ms;
      } finally {
        closeAll();
      }
    },
  };
}
