import type { EntityName, Fields, Row, TaskStatus } from '@selftracker/core';
import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import { LOCAL_TABLES, type LocalTable } from './local-tables.ts';

/**
 * The list filters and sort orders of every entity, each declared once with its SQL (for the repositories)
 * and the same rule in TypeScript (for an optimistic cache that must place a row where the query will).
 */

/** Tasks by status (any of), project (`null`: no project), due before a time, or text in the title. */
export interface TaskFilter {
  status?: readonly TaskStatus[];
  projectId?: string | null;
  /** Tasks with a due date strictly before this ms epoch. */
  dueBefore?: number;
  /**
   * Title contains this text, ASCII letters matched case-insensitively (like SQLite's `lower`): a plain substring
   * test an optimistic cache can repeat exactly. Full-text search (words, prefixes, descriptions, accents,
   * ranking) is `engine.tasks.search` (search.ts).
   */
  search?: string;
}
/** Projects by archived flag or text in the name. */
export interface ProjectFilter {
  archived?: boolean;
  /** Name contains this text, ASCII letters matched case-insensitively. */
  search?: string;
}
/** Timers by state, task, project, or overlap with a time range. */
export interface TimerFilter {
  /** `true`: only running timers; `false`: only stopped ones. */
  running?: boolean;
  taskId?: string;
  projectId?: string;
  /** Timers that overlap [from, to): started before `to` and still running or stopped at/after `from`. */
  from?: number;
  to?: number;
}
/** The filter of each entity's lists, by entity name. */
export interface Filters {
  projects: ProjectFilter;
  tasks: TaskFilter;
  timers: TimerFilter;
}
/** The filter of one entity's lists. */
export type Filter<E extends EntityName> = Filters[E];

/** One filter key: its SQL condition over the table and the same test on a row. */
interface Clause<E extends EntityName, V> {
  sql: (t: LocalTable<E>, v: V) => SQL | undefined;
  test: (row: Fields<E>, v: V) => boolean;
}
type Clauses<E extends EntityName> = { [K in keyof Filters[E]]-?: Clause<E, NonNullable<Filters[E][K]>> };

/** Lower-cases ASCII letters only, as SQLite's built-in `lower()` and `NOCASE` do. */
export const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** Text contains `needle` (ASCII case-insensitive): `instr(lower(col), ?)` in SQL. */
function contains<E extends EntityName>(field: keyof Fields<E> & keyof LocalTable<E>): Clause<E, string> {
  return {
    sql: (t, v) => sql`instr(lower(${t[field]}), ${asciiLower(v)}) > 0`,
    test: (row, v) => asciiLower(String(row[field])).includes(asciiLower(v)),
  };
}

const CLAUSES: { [E in EntityName]: Clauses<E> } = {
  projects: {
    archived: { sql: (t, v) => eq(t.archived, v), test: (r, v) => r.archived === v },
    search: contains<'projects'>('name'),
  },
  tasks: {
    status: { sql: (t, v) => inArray(t.status, [...v]), test: (r, v) => v.includes(r.status) },
    projectId: {
      sql: (t, v) => (v === null ? isNull(t.project_id) : eq(t.project_id, v)),
      test: (r, v) => r.project_id === v,
    },
    dueBefore: { sql: (t, v) => lt(t.due_at, v), test: (r, v) => r.due_at !== null && r.due_at < v },
    search: contains<'tasks'>('title'),
  },
  timers: {
    running: {
      sql: (t, v) => (v ? isNull(t.stopped_at) : isNotNull(t.stopped_at)),
      test: (r, v) => (r.stopped_at === null) === v,
    },
    taskId: { sql: (t, v) => eq(t.task_id, v), test: (r, v) => r.task_id === v },
    projectId: { sql: (t, v) => eq(t.project_id, v), test: (r, v) => r.project_id === v },
    from: {
      sql: (t, v) => or(isNull(t.stopped_at), gte(t.stopped_at, v)),
      test: (r, v) => r.stopped_at === null || r.stopped_at >= v,
    },
    to: { sql: (t, v) => lt(t.started_at, v), test: (r, v) => r.started_at < v },
  },
};

function presentClauses<E extends EntityName>(entity: E, filter: Filter<E>) {
  const clauses = CLAUSES[entity] as unknown as Record<string, Clause<E, unknown>>;
  return Object.entries(filter)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      const c = clauses[k];
      if (!c) throw new Error(`unknown ${entity} filter ${k}`); // programmer error
      return [c, v] as const;
    });
}

/** The SQL condition of `filter` over the entity's table (undefined: no condition). */
export function filterSql<E extends EntityName>(entity: E, filter: Filter<E>): SQL | undefined {
  const t = LOCAL_TABLES[entity] as LocalTable<E>;
  return and(...presentClauses(entity, filter).map(([c, v]) => c.sql(t, v)));
}

/** Whether `row` belongs in a list with `filter`: the same rules as `filterSql`. */
export function matchesFilter<E extends EntityName>(entity: E, row: Row<E>, filter: Filter<E>): boolean {
  return presentClauses(entity, filter).every(([c, v]) => c.test(row as Fields<E>, v));
}

/** Compares by Unicode code point, which is SQLite's BINARY order of UTF-8 text (JS `<` compares UTF-16 units). */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Below the surrogates, or both surrogates: unit order is code point order.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys || (!xs && x < 0xd800) || (!ys && y < 0xd800)) return x - y;
    return xs ? 1 : -1; // a surrogate (a code point above U+FFFF) sorts after U+E000..U+FFFF
  }
  return a.length - b.length;
}

/** SQLite's `COLLATE NOCASE`: ASCII letters folded, then code point order. */
export const compareNoCase = (a: string, b: string) => compareText(asciiLower(a), asciiLower(b));

/** A list's order: the SQL ORDER BY and the same order as a comparator. */
interface SortOrder<E extends EntityName> {
  sql: (t: LocalTable<E>) => SQL[];
  compare: (a: Row<E>, b: Row<E>) => number;
}

/** The order of every entity's lists. */
export const SORT_ORDERS: { [E in EntityName]: SortOrder<E> } = {
  projects: {
    sql: (t) => [sql`${t.name} COLLATE NOCASE`, asc(t.id)],
    compare: (a, b) => compareNoCase(a.name, b.name) || compareText(a.id, b.id),
  },
  tasks: {
    sql: (t) => [asc(t.created_at), asc(t.id)],
    compare: (a, b) => a.created_at - b.created_at || compareText(a.id, b.id),
  },
  timers: {
    sql: (t) => [desc(t.started_at), asc(t.id)],
    compare: (a, b) => b.started_at - a.started_at || compareText(a.id, b.id),
  },
};

/** Sorts rows as the entity's list query orders them. */
export function sortRows<E extends EntityName, R extends Row<E>>(entity: E, rows: readonly R[]): R[] {
  const order = SORT_ORDERS[entity] as unknown as SortOrder<EntityName>;
  return [...rows].sort(order.compare as (a: R, b: R) => number);
}
