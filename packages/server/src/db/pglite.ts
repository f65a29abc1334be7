import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { copyThroughBlob } from './copy.ts';
import { type Database, inIssueOrder, MIGRATIONS_DIR, type Orm } from './database.ts';
import * as schema from './schema.ts';

/** Opens an embedded PGlite database (in memory when `dataDir` is undefined) and applies migrations. */
export async function openPglite(dataDir?: string): Promise<Database> {
  const db = new PGlite(dataDir);
  await db.waitReady;
  const orm = drizzle(db, { schema }) as unknown as Orm;
  await migrate(drizzle(db, { schema }), { migrationsFolder: MIGRATIONS_DIR });
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
    },
  };
}
