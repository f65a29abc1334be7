/**
 * PowerSync, local writes only: @powersync/node clients (each a SQLite file in the run's temp dir, opened by the
 * SDK in worker threads on better-sqlite3 with PowerSync's native SQLite extension loaded). A PowerSync client
 * syncs only through the PowerSync Service (its replication server in front of PostgreSQL), which is not
 * installed here, so the sync workloads are left out (n/a).
 *
 * Writes go through the SDK as an app's would: INSERT into the `tasks` view PowerSync defines from its schema,
 * whose triggers store the row and queue it in ps_crud for upload.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AbstractPowerSyncDatabase } from '@powersync/node';
import { uuidv7 } from '@selftracker/core';
import { expectCount, type RunContext, type System, taskTitle, timed } from '../types.ts';

// Read from the files: @powersync/common's exports map does not expose its package.json to require().
const version = (p: string) => {
  try {
    const file = join(import.meta.dirname, '..', 'node_modules', p, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
};
const VERSIONS = `@powersync/node ${version('@powersync/node')}, @powersync/common ${version('@powersync/common')}, better-sqlite3 ${version('better-sqlite3')}`;

const INSERT = 'INSERT INTO tasks (id, title, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)';
const row = (i: number) => {
  const now = Date.now();
  return [uuidv7(now), taskTitle(i), 'todo', now, now];
};

export default function powersync(): System {
  let dir = '';
  let files = 0;
  let sdk: typeof import('@powersync/node') | undefined;
  let schema: InstanceType<typeof import('@powersync/node').Schema> | undefined;
  const open = new Set<AbstractPowerSyncDatabase>();

  /** A fresh client: a new SQLite file, initialised (schema views, PowerSync's internal tables). */
  const local = async (label: string) => {
    const db = new sdk!.PowerSyncDatabase({
      schema: schema!,
      database: { dbFilename: `ps-${label}-${files++}.db`, dbLocation: dir },
    });
    open.add(db);
    await db.init();
    return db;
  };
  const closeAll = async () => {
    for (const db of [...open]) {
      open.delete(db);
      await db.close().catch(() => {});
    }
  };
  /** Checks the rows and that each insert was queued for upload, as an app's write would be. */
  const check = async (db: AbstractPowerSyncDatabase, n: number) => {
    expectCount('local tasks', (await db.get<{ n: number }>('SELECT count(*) AS n FROM tasks')).n, n);
    expectCount('queued uploads (ps_crud)', (await db.getUploadQueueStats()).count, n);
  };

  return {
    name: 'PowerSync',
    version: VERSIONS,
    setupNote:
      '@powersync/node clients only: one SQLite file per client through the SDK’s worker threads on ' +
      'better-sqlite3 with PowerSync’s native extension (WAL, synchronous=NORMAL: the SDK’s own settings); ' +
      'inserts into its schema’s `tasks` view, stored and queued in ps_crud for upload. W1 single = one ' +
      'db.execute() per task (autocommit), bulk = one writeTransaction() with executeBatch(). No server: PowerSync ' +
      'syncs only through the PowerSync Service, which is not available here, so W2/W4 are n/a.',
    async setup(ctx: RunContext) {
      dir = ctx.dir;
      try {
        sdk = await import('@powersync/node');
        const { Schema, Table, column } = sdk;
        schema = new Schema({
          tasks: new Table({
            title: column.text,
            status: column.text,
            created_at: column.integer,
            updated_at: column.integer,
          }),
        });
        // A probe client: the native extension loads (or the error says why it cannot).
        const probe = await local('probe');
        const core = await probe.get<{ v: string }>('SELECT powersync_rs_version() AS v');
        if (!core.v) throw new Error('powersync_rs_version() returned nothing');
      } catch (e) {
        await closeAll();
        throw new Error(
          `@powersync/node cannot run here (${join(dir, 'ps-probe-0.db')}): ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      await closeAll();
    },
    async teardown() {
      await closeAll();
    },
    async localSingle(n) {
      try {
        const db = await local('single');
        const [, ms] = await timed(async () => {
          for (let i = 0; i < n; i++) await db.execute(INSERT, row(i));
        });
        await check(db, n);
        return ms;
      } finally {
        await closeAll();
      }
    },
    async localBulk(n) {
      try {
        const db = await local('bulk');
        const params = Array.from({ length: n }, (_, i) => row(i));
        const [, ms] = await timed(() => db.writeTransaction((tx) => tx.executeBatch(INSERT, params)));
        await check(db, n);
        return ms;
      } finally {
        await closeAll();
      }
    },
  };
}
