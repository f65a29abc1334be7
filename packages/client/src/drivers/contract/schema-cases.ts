/**
 * Contract cases: the engine's own SQL on the driver under test. The local schema's migrations (FTS5 virtual
 * table and triggers included, where the build has FTS5), the upserts that fire those triggers and the search
 * queries must run on every platform's SQLite (better-sqlite3, sqlite-wasm, sqlx in the desktop app, expo-sqlite).
 */
import { Engine } from '../../engine.ts';
import { hasFts5, LATEST_VERSION, migrate } from '../../local-schema.ts';
import { equal, ok } from './check.ts';
import type { ContractCase } from './runner.ts';

export const schemaCases: ContractCase[] = [
  {
    name: 'runs the local schema and full-text search (FTS5 where the build has it, else the fallback)',
    async run({ db, fts5 }) {
      equal(await hasFts5(db), fts5, 'FTS5 in this SQLite build, as the fixture says');
      // Nothing listens at that address, and an engine that is not started never syncs.
      const engine = await Engine.open({ driver: db, server: 'http://127.0.0.1:9' });
      equal(await db.query('PRAGMA user_version'), [{ user_version: LATEST_VERSION }]);
      const fts = await db.query("SELECT name FROM sqlite_master WHERE name = 'tasks_fts'");
      equal(fts.length, fts5 ? 1 : 0, 'the index exists exactly where FTS5 does');
      equal(await engine.tasks.searchMode(), fts5 ? 'fts5' : 'like');

      // Inserts and upserts (INSERT … ON CONFLICT DO UPDATE) fire the triggers; a tombstone leaves the results.
      const cafe = await engine.tasks.create({ title: 'Café au lait', description: 'at the corner' });
      const gone = await engine.tasks.create({ title: 'Corner shop' });
      await engine.tasks.update(cafe.id, { title: 'Café crème' });
      await engine.tasks.delete(gone.id);
      const titles = async (text: string) => (await engine.tasks.search(text)).map((t) => t.title);
      equal(await titles('corn'), ['Café crème'], 'a prefix of a description word; the deleted row never');
      equal(await titles(fts5 ? 'cafe crem' : 'caf crè'), ['Café crème'], 'the updated title');
      equal(await titles('lait'), [], 'the old title is gone from the index');
      equal(await titles('"(-*'), ['Café crème'], 'punctuation alone: the plain list, no syntax error');
      equal(await titles('a" OR "b'), [], 'quotes and operators are text');
      if (fts5) await db.exec("INSERT INTO tasks_fts (tasks_fts, rank) VALUES ('integrity-check', 1)");
      ok((await migrate(db)) === LATEST_VERSION, 'migrating again changes nothing');
      await engine.close();
    },
  },
];
