import { join } from 'node:path';
import { startTestServer, type TestServer } from '@selftracker/server/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteDriver, SqliteExecutor } from './driver.ts';
import { openNodeDriver } from './drivers/node/index.ts';
import { Engine } from './engine.ts';
import { ftsQuery, MAX_SEARCH_WORDS, matchesSearch, searchWords } from './search.ts';
import { openDevice, tempDir } from './testing/index.ts';

const dir = tempDir('selftracker-search-');
let server: TestServer;
const open: Engine[] = [];
let n = 0;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const e of open) await e.close().catch(() => {});
  await server.close();
  dir.cleanup();
});

async function engine(driver: SqliteDriver = openNodeDriver(join(dir.path, `s${n++}.db`))) {
  const e = await Engine.open({ driver, server: 'http://127.0.0.1:9' });
  open.push(e);
  return { e, driver };
}
const titles = async (p: Promise<{ title: string }[]>) => (await p).map((t) => t.title);
/** FTS5's own check that the index holds exactly what `tasks` holds (throws SQLITE_CORRUPT_VTAB otherwise). */
const integrityCheck = (db: SqliteExecutor) =>
  db.exec("INSERT INTO tasks_fts (tasks_fts, rank) VALUES ('integrity-check', 1)");

describe('the query of a search: user text is data', () => {
  it('quotes every word, keeps the last one a prefix while it is typed', () => {
    expect(ftsQuery('write rep')).toBe('"write" "rep"*');
    expect(ftsQuery('write rep ')).toBe('"write" "rep"'); // a space: the word is finished
    expect(ftsQuery('say "hi" -x a:b c* (d) AND NEAR')).toBe(
      '"say" """hi""" "-x" "a:b" "c*" "(d)" "AND" "NEAR"*',
    );
    expect(ftsQuery('report (')).toBe('"report"'); // ends with a chunk that is no word
    expect(ftsQuery('  café  ')).toBe('"café"');
  });

  it('has no words (so is the plain list) for blank text and punctuation alone', () => {
    for (const text of ['', '   ', '"', '*', '-', '(', ') ( " :', '😀']) {
      expect(searchWords(text)).toEqual([]);
      expect(ftsQuery(text)).toBeUndefined();
    }
  });

  it('counts at most MAX_SEARCH_WORDS words', () => {
    const many = Array.from({ length: MAX_SEARCH_WORDS + 5 }, (_, i) => `w${i}`).join(' ');
    expect(searchWords(many)).toHaveLength(MAX_SEARCH_WORDS);
    expect(ftsQuery(many)?.endsWith(`"w${MAX_SEARCH_WORDS - 1}"`)).toBe(true); // not a prefix: cut short
  });
});

describe('engine.tasks.search on better-sqlite3 (FTS5)', () => {
  it('uses the FTS5 index here', async () => {
    const { e } = await engine();
    expect(await e.tasks.searchMode()).toBe('fts5');
  });

  it('finds words in the title and the description, every word required, ranked by relevance', async () => {
    const { e, driver } = await engine();
    await e.tasks.create({ title: 'Write report', description: 'quarterly figures for the board' });
    await e.tasks.create({ title: 'Board meeting' });
    await e.tasks.create({ title: 'Buy milk', description: 'and a report card' });
    await e.tasks.create({ title: 'Unrelated' });
    expect(await titles(e.tasks.search('report'))).toEqual(['Write report', 'Buy milk']); // title first
    expect(await titles(e.tasks.search('board'))).toEqual(['Board meeting', 'Write report']);
    expect(await titles(e.tasks.search('figures'))).toEqual(['Write report']);
    expect(await titles(e.tasks.search('report board'))).toEqual(['Write report']);
    expect(await titles(e.tasks.search('report nothing'))).toEqual([]);
    expect(await titles(e.tasks.search('REPORT'))).toEqual(['Write report', 'Buy milk']);
    await integrityCheck(driver);
  });

  it('matches the last word as a prefix while typing', async () => {
    const { e } = await engine();
    await e.tasks.create({ title: 'Write report' });
    await e.tasks.create({ title: 'Repaint the fence' });
    expect(await titles(e.tasks.search('r'))).toEqual(['Write report', 'Repaint the fence']);
    expect(await titles(e.tasks.search('rep'))).toEqual(['Write report', 'Repaint the fence']);
    expect(await titles(e.tasks.search('repo'))).toEqual(['Write report']);
    expect(await titles(e.tasks.search('wri repo'))).toEqual([]); // only the last word is a prefix
    expect(await titles(e.tasks.search('write repo'))).toEqual(['Write report']);
    expect(await titles(e.tasks.search('repo '))).toEqual([]); // a finished word is a whole word
  });

  it('folds accents and case both ways: "cafe" finds "Café", "CAFÉ" finds "cafe"', async () => {
    const { e } = await engine();
    await e.tasks.create({ title: 'Café au lait' });
    await e.tasks.create({ title: 'cafe racer', description: 'Ünïcödé naïve façade' });
    await e.tasks.create({ title: 'Straße' });
    expect(await titles(e.tasks.search('cafe'))).toEqual(['Café au lait', 'cafe racer']);
    expect(await titles(e.tasks.search('CAFÉ'))).toEqual(['Café au lait', 'cafe racer']);
    expect(await titles(e.tasks.search('facade unicode'))).toEqual(['cafe racer']);
    expect(await titles(e.tasks.search('naive'))).toEqual(['cafe racer']);
    expect(await titles(e.tasks.search('strasse'))).toEqual([]); // unicode61 folds accents, not ß
    expect(await titles(e.tasks.search('stra'))).toEqual(['Straße']);
  });

  it('never returns deleted tasks, and an update re-indexes the text', async () => {
    const { e, driver } = await engine();
    const a = await e.tasks.create({ title: 'Call the plumber' });
    const b = await e.tasks.create({ title: 'Plumber invoice' });
    await e.tasks.delete(b.id);
    expect(await titles(e.tasks.search('plumber'))).toEqual(['Call the plumber']);
    await e.tasks.update(a.id, { title: 'Call the electrician', description: 'about the wiring' });
    expect(await titles(e.tasks.search('plumber'))).toEqual([]);
    expect(await titles(e.tasks.search('electrician'))).toEqual(['Call the electrician']);
    expect(await titles(e.tasks.search('wiring'))).toEqual(['Call the electrician']);
    await e.tasks.update(a.id, { description: null });
    expect(await titles(e.tasks.search('wiring'))).toEqual([]);
    await e.tasks.update(a.id, { status: 'done' }); // text unchanged: no re-index, still found
    expect(await titles(e.tasks.search('electrician'))).toEqual(['Call the electrician']);
    await integrityCheck(driver);
    // A tombstone keeps no text, and the query requires live rows anyway.
    expect(await driver.query('SELECT title FROM tasks WHERE id = ?', [b.id])).toEqual([{ title: null }]);
    expect(
      await driver.query(
        "SELECT t.id FROM tasks t JOIN tasks_fts f ON f.rowid = t.rowid WHERE tasks_fts MATCH 'plumber'",
      ),
    ).toEqual([]);
  });

  it('ranks by relevance, then open before done, and narrows by filter, where and limit', async () => {
    const { e } = await engine();
    const p = await e.projects.create({ name: 'Home' });
    const done = await e.tasks.create({ title: 'Paint the door' });
    await e.tasks.update(done.id, { status: 'done' });
    await e.tasks.create({ title: 'Paint the wall', project_id: p.id });
    await e.tasks.create({ title: 'Buy paint', status: 'in-progress' });
    expect(await titles(e.tasks.search('paint'))).toEqual(['Buy paint', 'Paint the wall', 'Paint the door']);
    expect(await titles(e.tasks.search('paint', { filter: { status: ['done'] } }))).toEqual([
      'Paint the door',
    ]);
    expect(await titles(e.tasks.search('paint', { filter: { projectId: p.id } }))).toEqual([
      'Paint the wall',
    ]);
    expect(await titles(e.tasks.search('paint', { where: { status: 'in-progress' } }))).toEqual([
      'Buy paint',
    ]);
    expect(await e.tasks.search('paint', { limit: 2 })).toHaveLength(2);
    const all = await e.tasks.search('paint');
    expect(all.every((t) => t.synced === false)).toBe(true); // rows as list returns them
  });

  it('is the plain list for text without words', async () => {
    const { e } = await engine();
    await e.tasks.create({ title: 'One' });
    await e.tasks.create({ title: 'Two', status: 'done' });
    for (const text of ['', '  ', '(', '"']) expect(await e.tasks.search(text)).toEqual(await e.tasks.list());
    expect(await e.tasks.search('', { filter: { status: ['done'] } })).toEqual(
      await e.tasks.list({ filter: { status: ['done'] } }),
    );
  });

  it('takes hostile text as text: no FTS syntax error, ever', async () => {
    const { e } = await engine();
    await e.tasks.create({ title: 'Fix the "quoted" thing', description: 'x-ray AND co: (draft) *star*' });
    await e.tasks.create({ title: 'Other' });
    const hostile = [
      '"',
      '""',
      '"quoted',
      'quoted"',
      '*',
      'a*b',
      '*star',
      'AND',
      'OR',
      'NOT',
      'NEAR',
      'NEAR(x y)',
      'x AND',
      'AND x',
      '-x',
      '-',
      'x-ray',
      '(',
      '(draft',
      'draft)',
      ')',
      'co:',
      'title:fix',
      'description : x',
      '^fix',
      '{title}: fix',
      '+',
      "'",
      "it's",
      '\\',
      '\u0000',
      '%_',
      'x'.repeat(2000),
    ];
    for (const text of hostile) await expect(e.tasks.search(text), text).resolves.toBeInstanceOf(Array);
    expect(await titles(e.tasks.search('"quoted'))).toEqual(['Fix the "quoted" thing']);
    expect(await titles(e.tasks.search('x-ray'))).toEqual(['Fix the "quoted" thing']);
    expect(await titles(e.tasks.search('AND co:'))).toEqual(['Fix the "quoted" thing']);
    expect(await titles(e.tasks.search('title:fix'))).toEqual([]); // no column filter: a phrase "title fix"
    expect(await titles(e.tasks.search('(draft'))).toEqual(['Fix the "quoted" thing']);
    expect(await titles(e.tasks.search('NOT'))).toEqual([]);
  });

  it('finds tasks that arrive by a pull from another device, and drops those deleted there', async () => {
    const email = `search${Date.now()}@example.com`;
    const a = await openDevice(join(dir.path, `pa${n++}.db`), server.url);
    const b = await openDevice(join(dir.path, `pb${n++}.db`), server.url);
    open.push(a, b);
    await a.signup(email, 'password123');
    await b.login(email, 'password123');
    const t = await a.tasks.create({ title: 'Renew passport', description: 'photos at the Pharmacie' });
    await a.sync();
    await b.sync();
    expect(await titles(b.tasks.search('pharmacie passp'))).toEqual(['Renew passport']);
    await a.tasks.update(t.id, { title: 'Renew ID card' });
    await a.sync();
    await b.sync();
    expect(await titles(b.tasks.search('passport'))).toEqual([]);
    expect(await titles(b.tasks.search('card'))).toEqual(['Renew ID card']);
    await a.tasks.delete(t.id);
    await a.sync();
    await b.sync();
    expect(await titles(b.tasks.search('card'))).toEqual([]);
  });
});

describe('matchesSearch: the same rule in TypeScript (property)', () => {
  it('agrees with the FTS5 query on text with case, accents, punctuation and prefixes', async () => {
    const { e, driver } = await engine();
    const piece = fc.constantFrom(
      'a',
      'b',
      'ab',
      'ba',
      'A',
      'Ab',
      'é',
      'É',
      'e',
      'èa',
      'ß',
      'ss',
      'Ω',
      'ω',
      'x1',
      '1',
      'ﬁ',
      ' ',
      ' ',
      '-',
      '"',
      '(',
      '*',
      ':',
      '😀',
    );
    const text = fc.array(piece, { maxLength: 6 }).map((p) => p.join(''));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ title: text, description: fc.option(text, { nil: null }) }), { maxLength: 5 }),
        text,
        async (rows, query) => {
          await driver.exec('DELETE FROM tasks');
          await driver.exec('DELETE FROM sync_queue');
          const created = await e.tasks.bulkCreate(rows.map((r) => ({ ...r, title: `t ${r.title}` })));
          const expected = created.filter((r) => matchesSearch(query, r)).map((r) => r.id);
          const found = (await e.tasks.search(query)).map((r) => r.id);
          expect(found.sort()).toEqual(expected.sort());
        },
      ),
      { numRuns: 300 },
    );
    await integrityCheck(driver);
  });
});
