/**
 * PouchDB: pouchdb-node clients (leveldb directories in the run's temp dir) replicating with CouchDB's protocol
 * against express-pouchdb (the server pouchdb-server runs), itself on pouchdb-node/leveldb, in its own process.
 * Each server workload uses a database of its own on the server (CouchDB's database-per-user model), so every
 * count is exact. Replication runs with batch_size 1,000 (PouchDB's default is 100) and the default
 * batches_limit of 10.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { uuidv7 } from '@selftracker/core';
import { type PeerServer, startPeerServer } from '../server-process.ts';
import { type BenchTask, expectCount, type RunContext, type System, taskTitle, timed } from '../types.ts';

const require = createRequire(import.meta.url);
// pouchdb-node ships no types (and @types/pouchdb is not installed): its API is used untyped.
type Pouch = any;
const PouchDB: Pouch = require('pouchdb-node');
const VERSIONS = `pouchdb-node ${require('pouchdb-node/package.json').version}, express-pouchdb ${require('express-pouchdb/package.json').version}`;

const BATCH_SIZE = 1000;
const SEED_BATCH = 5000;

interface TaskDoc {
  _id: string;
  _rev?: string;
  title: string;
  status: BenchTask['status'];
  created_at: number;
  updated_at: number;
}

const newDoc = (i: number): TaskDoc => {
  const now = Date.now();
  return { _id: uuidv7(now), title: taskTitle(i), status: 'todo', created_at: now, updated_at: now };
};
const docs = (from: number, n: number) => Array.from({ length: n }, (_, i) => newDoc(from + i));

function checkBulk(what: string, results: { ok?: boolean; error?: unknown }[], n: number) {
  const bad = results.filter((r) => !r.ok);
  if (bad.length) throw new Error(`${what}: ${bad.length} of ${n} failed, e.g. ${JSON.stringify(bad[0])}`);
  expectCount(what, results.length, n);
}

export default function pouchdb(): System {
  let child: PeerServer | undefined;
  let url = '';
  let dir = '';
  let files = 0;
  const open = new Set<Pouch>();
  /** A fresh client: a new leveldb directory. */
  const local = () => {
    const db = new PouchDB(join(dir, `pouch-client-${files++}`));
    open.add(db);
    return db;
  };
  /** A fresh database on the server, reached over HTTP. */
  const remote = (name: string) => {
    const db = new PouchDB(`${url}/${name}-${files++}`);
    open.add(db);
    return db;
  };
  const closeAll = async () => {
    for (const db of [...open]) {
      open.delete(db);
      await db.close().catch(() => {});
    }
  };
  const count = async (db: Pouch) => ((await db.info()) as { doc_count: number }).doc_count;
  const replicate = async (from: Pouch, to: Pouch) => {
    const r = await PouchDB.replicate(from, to, { batch_size: BATCH_SIZE });
    if (!r.ok) throw new Error(`replication failed: ${JSON.stringify(r.errors)}`);
    return r as { docs_written: number };
  };
  const edit = async (db: Pouch, id: string, title: string) => {
    const doc = (await db.get(id)) as TaskDoc;
    await db.put({ ...doc, title, updated_at: Date.now() });
  };

  return {
    name: 'PouchDB',
    version: VERSIONS,
    setupNote:
      'pouchdb-node clients, each a leveldb directory (leveldown) in the temp dir; express-pouchdb 4.2.0 ' +
      '(minimumForPouchDB mode) on pouchdb-node/leveldb as its own process, one server database per workload; ' +
      'CouchDB replication protocol over HTTP with batch_size 1,000 (default batches_limit 10); ' +
      'live edit = B in live, retry replication (longpoll _changes), timed until B’s local changes feed has the title.',
    async setup(ctx: RunContext) {
      dir = ctx.dir;
      child = await startPeerServer(
        join(import.meta.dirname, '_pouchdb-server.ts'),
        { DATA_DIR: ctx.dir },
        'express-pouchdb server',
      );
      url = child.url;
    },
    async teardown() {
      await closeAll();
      await child?.stop();
    },
    async localSingle(n) {
      try {
        const db = local();
        const [, ms] = await timed(async () => {
          for (let i = 0; i < n; i++) await db.put(newDoc(i));
        });
        expectCount('local docs', await count(db), n);
        return ms;
      } finally {
        await closeAll();
      }
    },
    async localBulk(n) {
      try {
        const db = local();
        const batch = docs(0, n);
        const [results, ms] = await timed(() => db.bulkDocs(batch));
        checkBulk('bulkDocs', results as { ok?: boolean }[], n);
        expectCount('local docs', await count(db), n);
        return ms;
      } finally {
        await closeAll();
      }
    },
    async transfer(n) {
      try {
        const server = remote('transfer');
        const a = local();
        checkBulk('bulkDocs on A', await a.bulkDocs(docs(0, n)), n);
        const [pushed, pushMs] = await timed(() => replicate(a, server));
        expectCount('docs written to the server', pushed.docs_written, n);
        // A is another device: closed before B's pull, as in the other systems.
        open.delete(a);
        await a.close();
        const b = local();
        const [, pullMs] = await timed(() => replicate(server, b));
        expectCount('docs on B', await count(b), n);
        return { pushMs, pullMs };
      } finally {
        await closeAll();
      }
    },
    async oneEdit(k) {
      try {
        const server = remote('oneedit');
        const a = local();
        const b = local();
        const doc = newDoc(0);
        await a.put(doc);
        await replicate(a, server);
        await replicate(server, b);
        const out: number[] = [];
        for (let i = 1; i <= k; i++) {
          const title = `edit ${i}`;
          const [, ms] = await timed(async () => {
            await edit(a, doc._id, title);
            await replicate(a, server);
            await replicate(server, b);
          });
          const got = ((await b.get(doc._id)) as TaskDoc).title;
          if (got !== title) throw new Error(`B has "${got}", not "${title}"`);
          out.push(ms);
        }
        return out;
      } finally {
        await closeAll();
      }
    },
    async liveEdit(k) {
      const server = remote('live');
      const a = local();
      const b = local();
      const doc = newDoc(0);
      await a.put(doc);
      await replicate(a, server);
      await replicate(server, b);
      // B listens: live, retrying replication from the server, and its own local changes feed.
      const live = PouchDB.replicate(server, b, { live: true, retry: true, batch_size: BATCH_SIZE });
      let waiting: { title: string; resolve: () => void } | undefined;
      const feed = b.changes({ since: 'now', live: true, include_docs: true });
      feed.on('change', (c: { id: string; doc?: TaskDoc }) => {
        if (waiting && c.id === doc._id && c.doc?.title === waiting.title) waiting.resolve();
      });
      try {
        const out: number[] = [];
        for (let i = 1; i <= k; i++) {
          const title = `live ${i}`;
          const arrived = new Promise<void>((resolve, reject) => {
            waiting = { title, resolve };
            setTimeout(() => reject(new Error(`B did not get "${title}" within 30 s`)), 30_000).unref();
          });
          arrived.catch(() => {}); // awaited below; this only keeps an early throw from leaving it unhandled
          const [, ms] = await timed(async () => {
            await edit(a, doc._id, title);
            await replicate(a, server);
            await arrived;
          });
          const got = ((await b.get(doc._id)) as TaskDoc).title;
          if (got !== title) throw new Error(`B has "${got}", not "${title}"`);
          out.push(ms);
        }
        return out;
      } finally {
        feed.cancel();
        live.cancel();
        await closeAll();
      }
    },
    async initialSync(rows) {
      try {
        const server = remote('initial');
        for (let b = 0; b < rows; b += SEED_BATCH)
          checkBulk(
            'seeding bulkDocs',
            await server.bulkDocs(docs(b, Math.min(SEED_BATCH, rows - b))),
            Math.min(SEED_BATCH, rows - b),
          );
        expectCount('docs on the server', await count(server), rows);
        const c = local();
        const [, ms] = await timed(() => replicate(server, c));
        expectCount('docs on the fresh client', await count(c), rows);
        return ms;
      } finally {
        await closeAll();
      }
    },
  };
}
