import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { copyThroughBlob } from './copy.ts';
import { type Database, inIssueOrder, MIGRATIONS_DIR, type Orm } from './database.ts';
import * as schema from './schema.ts';

/** Opens an embedded PGlite database (in memory when `dataDir` is undefined) and applies migrations. */
export async function openPglite(dataDir?: string): Promise<Database> {
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    restrictModes(dataDir);
  }
  const db = new PGlite(dataDir);
  await db.waitReady;
  const orm = drizzle(db, { schema }) as unknown as Orm;
  await migrate(drizzle(db, { schema }), { migrationsFolder: MIGRATIONS_DIR });
  if (dataDir) restrictModes(dataDir);
  return {
    kind: 'pglite',
    orm,
    async query(text, params) {
      return (await db.query(text, params as unknown[])).rows as never[];
    },
    async transaction(fn) {
      // PGlite has one connection: transactions are serialized, so every isolation level holds.
      return db.transaction((t) => {
        const ordered = inIssueOrder();
        return fn({
          query: (text, params) =>
            ordered(async () => (await t.query(text, params as unknown[])).rows as never[]),
          copyFrom: (table, columns, data) => ordered(() => copyThroughBlob(t, table, columns, data)),
        });
      });
    },
    async listen(channel, onPayload) {
      const unsub = await db.listen(channel, onPayload);
      return async () => unsub();
    },
    async close() {
      await db.close();
      if (dataDir) restrictModes(dataDir);
    },
  };
}

/**
 * Makes a data directory private to the server's user: directories 0700, files 0600. PGlite's file system layer
 * creates files 0666 whatever the umask, so this runs at open (an existing directory from an older version),
 * after initialisation and at close; the directory itself being 0700 already shuts out other users meanwhile.
 */
export function restrictModes(dir: string, create = false): void {
  if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) restrictModes(path);
    else if (e.isFile()) chmodSync(path, 0o600);
  }
}
