import { asc, type SQL, sql } from 'drizzle-orm';
import type { SqliteExecutor } from './driver.ts';
import { asciiLower } from './filters.ts';
import { fts5Ready, LATEST_VERSION } from './local-schema.ts';
import { type LocalTable, tasksFtsTable } from './local-tables.ts';

/**
 * Full-text search over tasks (issue #14): the user's text is data, never query syntax. It is cut into words at
 * whitespace; each word becomes one quoted FTS5 string (so `"`, `-`, `:`, `*`, `(`, `AND`, `NEAR` are matched as
 * text, never parsed), every word must match, and the last one matches as a prefix while it is being typed.
 * Words without a letter or digit (`-`, `(`, `"`) are dropped: FTS5 indexes no token for them.
 *
 * Two ways to run it, chosen once per database (`searchMode`):
 * - `fts5`: the `tasks_fts` index of migration 4 (unicode61, accents and case folded), ranked by bm25 with the
 *   title weighing more than the description;
 * - `like`: where the SQLite build has no FTS5 (expo-sqlite's web build), each word as a substring of the title
 *   or the description, ASCII case folded (as SQLite's `lower()`), accents not folded, not ranked.
 */

/** How searches run on one database. */
export type SearchMode = 'fts5' | 'like';

/** At most this many words of a query count (a pasted page must not become thousands of terms). */
export const MAX_SEARCH_WORDS = 32;

const hasWordChar = (chunk: string) => /[\p{L}\p{N}]/u.test(chunk);

/** The words of a search: cut at whitespace, only those with a letter or digit, at most `MAX_SEARCH_WORDS`. */
export function searchWords(text: string): string[] {
  return text.split(/\s+/u).filter(hasWordChar).slice(0, MAX_SEARCH_WORDS);
}

/** Whether `text` searches for anything (else a search is the plain list). */
export const isSearch = (text: string): boolean => searchWords(text).length > 0;

/**
 * The FTS5 query of `text`, or undefined when it has no words: each word a quoted string (`"` doubled inside),
 * all required, the last one a prefix (`"word"*`) unless the text ends with a space (the word is finished).
 */
export function ftsQuery(text: string): string | undefined {
  const words = searchWords(text);
  if (words.length === 0) return undefined;
  // Still being typed: the text ends with this word (not with a space or a chunk such as "(").
  const chunks = text.split(/\s+/u);
  const typing = hasWordChar(chunks.at(-1) ?? '') && chunks.filter(hasWordChar).length <= MAX_SEARCH_WORDS;
  return words
    .map((w, i) => `"${w.replaceAll('"', '""')}"${typing && i === words.length - 1 ? '*' : ''}`)
    .join(' ');
}

/**
 * The tokens of `text` as the index's tokenizer (unicode61, remove_diacritics 2) makes them, approximated in
 * TypeScript: runs of letters, digits and private-use characters, accents removed (NFD, combining marks
 * dropped), lower-cased. Characters unicode61 folds without a Unicode decomposition (ø, ł, đ) stay as they are.
 */
export function searchTokens(text: string): string[] {
  return (
    text
      .normalize('NFD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}\p{Co}]+/gu) ?? []
  );
}

/** Whether `phrase` occurs in `doc` as consecutive tokens, its last one as a prefix when `prefix`. */
function hasPhrase(doc: readonly string[], phrase: readonly string[], prefix: boolean): boolean {
  const last = phrase.length - 1;
  for (let i = 0; i + last < doc.length; i++) {
    if (phrase.every((t, j) => (prefix && j === last ? doc[i + j]!.startsWith(t) : doc[i + j] === t))) {
      return true;
    }
  }
  return false;
}

/**
 * Whether a task with this title and description matches a search of `text`: the rule of the FTS5 query, in
 * TypeScript, for an optimistic cache (a row edited or created while a search is shown). Every word must occur
 * in the title or in the description as a phrase of its tokens, the last word as a prefix while it is typed.
 * Text without words matches everything.
 */
export function matchesSearch(
  text: string,
  row: { readonly title: string | null; readonly description: string | null },
): boolean {
  const query = ftsQuery(text);
  if (query === undefined) return true;
  const prefix = query.endsWith('*');
  const words = searchWords(text);
  const columns = [searchTokens(row.title ?? ''), searchTokens(row.description ?? '')];
  return words.every((w, i) => {
    const phrase = searchTokens(w);
    if (phrase.length === 0) return false; // a word FTS5 indexes no token for matches nothing
    return columns.some((doc) => hasPhrase(doc, phrase, prefix && i === words.length - 1));
  });
}

/** bm25 weights of the index's columns: a word in the title counts four times one in the description. */
const RANK = sql`bm25(${tasksFtsTable}, 4.0, 1.0)`;

/** The conditions and order of a search of `text` (which has words) in `mode`, over the tasks table `t`. */
export function searchSql(
  mode: SearchMode,
  t: LocalTable<'tasks'>,
  text: string,
): { where: SQL; order: SQL[] } {
  // Open tasks before done ones, then the list's own order (creation).
  const tail = [sql`${t.status} = 'done'`, asc(t.created_at), asc(t.id)];
  if (mode === 'fts5') {
    return {
      where: sql`${tasksFtsTable} MATCH ${ftsQuery(text) ?? '""'}`,
      order: [RANK, ...tail],
    };
  }
  const words = searchWords(text).map((w) => asciiLower(w));
  const each = words.map(
    (w) => sql`(instr(lower(${t.title}), ${w}) > 0 OR instr(lower(${t.description}), ${w}) > 0)`,
  );
  return { where: sql.join(each, sql` AND `), order: tail };
}

/** How searches run on this database: over the FTS5 index where it is in place, else by substring. */
export async function searchMode(db: SqliteExecutor): Promise<SearchMode> {
  return (await fts5Ready(db, LATEST_VERSION)) ? 'fts5' : 'like';
}
