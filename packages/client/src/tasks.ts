import { and, sql } from 'drizzle-orm';
import { tasksFtsTable, tasksTable } from './local-tables.ts';
import { type ListOptions, Repository, type Task, type WriteContext } from './repositories.ts';
import { isSearch, type SearchMode, searchMode, searchSql } from './search.ts';

/** Tasks: a repository plus full-text search. */
export class Tasks extends Repository<'tasks'> {
  #mode: Promise<SearchMode> | undefined;

  constructor(private readonly wctx: WriteContext) {
    super(wctx, 'tasks');
  }

  /**
   * Live tasks whose title or description has every word of `text`, the last one as a prefix while it is being
   * typed ("rep" finds "Write report"), accents and case folded ("cafe" finds "Café"); `where`/`filter` narrow
   * them as in `list`. Ranked by relevance (bm25, the title weighing more), then open before done, then by
   * creation. Any text is safe: quotes, `-`, `*`, `AND` are searched as text, never parsed as query syntax.
   * Text without a letter or digit is the plain `list`. Where SQLite has no FTS5, words match as substrings,
   * unranked (search.ts).
   */
  async search(text: string, opts: ListOptions<'tasks'> = {}): Promise<Task[]> {
    if (!isSearch(text)) return this.list(opts);
    const mode = await this.searchMode();
    const t = tasksTable;
    const s = searchSql(mode, t, text);
    return this.selectRows(and(this.listWhere(opts), s.where), {
      limit: opts.limit,
      order: s.order,
      ...(mode === 'fts5'
        ? { join: { table: tasksFtsTable, on: sql`${tasksFtsTable}.rowid = ${t}.rowid` } }
        : {}),
    });
  }

  /** How this database runs searches: `fts5` (the index) or `like` (no FTS5 in this SQLite build). */
  searchMode(): Promise<SearchMode> {
    this.#mode ??= searchMode(this.wctx.driver).catch((e: unknown) => {
      this.#mode = undefined; // ask again next time (the driver was busy or closing)
      throw e;
    });
    return this.#mode;
  }
}
