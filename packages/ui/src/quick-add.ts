/**
 * The quick-add syntax of the "New task" input: a task's due date, project and status typed into its title.
 *
 *   Buy milk tomorrow #Work          due tomorrow, in project Work, title "Buy milk"
 *   Call Bob fri !doing              due the next Friday, in progress
 *   Renew passport dec 5             the next 5 December (next year once this year's has passed)
 *
 * The rules, chosen so that a title is never eaten by surprise:
 * - `#name` picks a project by name, case-insensitively; `#"two words"` and `#two-words` (or `#two_words`)
 *   name a project with spaces. `!todo`, `!doing` (or `!in-progress`) and `!done` set the status. These carry a
 *   sigil, so they are taken anywhere in the text; when several are given, the last one counts. A `#name` that
 *   matches no project stays in the title and is reported in `unknownProjects`.
 * - A date is taken only from the end of the text (sigil words after it do not count): "Read Friday Night
 *   Lights" keeps its Friday, "Read Friday Night Lights fri" is due on Friday. At most one date is taken; an
 *   `on`, `by` or `due` right before it goes with it ("Call mum on friday").
 * - Dates: `today`, `tomorrow` (`tmrw`); a weekday (`fri`, `friday`, `next friday`) is the next such day after
 *   today, so typed on a Friday, `fri` means a week later (`today` says today), while `this friday` is today on
 *   a Friday; `dec 5`, `5 dec`, `december 5th` are the next such day, today included (a date already past this
 *   year means next year), with an optional year (`dec 5 2027`); `2026-12-05`; `in 3 days`, `in 2 weeks`,
 *   `in a week`.
 * All date arithmetic is on calendar days (see calendar-date.ts), never on 24-hour steps.
 */
import type { TaskStatus } from '@selftracker/core';
import { addDays, type CalendarDate, calendarDateOf, isCalendarDate, weekdayOf } from './calendar-date.ts';

/** A project the text may name. */
export interface QuickAddProject {
  readonly id: string;
  readonly name: string;
}

/** A piece of the text that was understood (and taken out of the title), as typed. */
export type QuickAddToken =
  | { readonly kind: 'due'; readonly text: string; readonly date: CalendarDate }
  | { readonly kind: 'project'; readonly text: string; readonly project: QuickAddProject }
  | { readonly kind: 'status'; readonly text: string; readonly status: TaskStatus };

/** What a quick-add text means. */
export interface QuickAdd {
  /** The text without the understood tokens, spaces collapsed; '' when nothing is left. */
  title: string;
  due: CalendarDate | null;
  project: QuickAddProject | null;
  status: TaskStatus | null;
  /** Every understood token, in the order typed. */
  tokens: QuickAddToken[];
  /** Names after `#` that matched no project (left in the title). */
  unknownProjects: string[];
}

interface Word {
  text: string;
  start: number;
  /** A `#…` or `!…` word: never part of a date, even when it stays in the title. */
  sigil: boolean;
  token?: QuickAddToken;
}

/** The words after `!` and the status each sets (every status in the registry has one: see the tests). */
export const STATUS_WORDS: Readonly<Record<string, TaskStatus>> = {
  todo: 'todo',
  doing: 'in-progress',
  'in-progress': 'in-progress',
  done: 'done',
};

const WEEKDAYS: Readonly<Record<string, number>> = {
  sun: 0,
  sunday: 0,
  mon: 1,
  monday: 1,
  tue: 2,
  tues: 2,
  tuesday: 2,
  wed: 3,
  weds: 3,
  wednesday: 3,
  thu: 4,
  thur: 4,
  thurs: 4,
  thursday: 4,
  fri: 5,
  friday: 5,
  sat: 6,
  saturday: 6,
};

const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
/** 1-12 for a month's full name, its three-letter abbreviation, or `sept`. */
function monthOf(word: string): number | null {
  if (word === 'sept') return 9;
  const i = MONTH_NAMES.findIndex((m) => word === m || (word.length === 3 && m.startsWith(word)));
  return i < 0 ? null : i + 1;
}

const COUNT_WORDS: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
};
const CONNECTORS = new Set(['on', 'by', 'due']);

/** `record[key]` for the record's own keys only ("constructor" is no weekday). */
const own = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** Parses quick-add text typed at `now` (its local day is "today"), against the projects it may name. */
export function parseQuickAdd(
  text: string,
  now: number | Date,
  opts: { projects?: readonly QuickAddProject[] } = {},
): QuickAdd {
  const today = calendarDateOf(now);
  const projects = opts.projects ?? [];
  const words = splitWords(text);
  const unknownProjects: string[] = [];
  for (const w of words) {
    if (w.text.startsWith('#')) {
      w.sigil = true;
      const name = unquote(w.text.slice(1));
      const project = findProject(projects, name);
      if (project) w.token = { kind: 'project', text: w.text, project };
      else if (name) unknownProjects.push(name);
    } else if (/^![a-z-]*$/i.test(w.text)) {
      w.sigil = true;
      const status = own(STATUS_WORDS, w.text.slice(1).toLowerCase());
      if (status) w.token = { kind: 'status', text: w.text, status };
    }
  }
  takeTrailingDate(
    words.filter((w) => !w.sigil),
    today,
  );
  const tokens = words.flatMap((w) => (w.token ? [w.token] : []));
  return {
    title: words
      .filter((w) => !w.token)
      .map((w) => w.text)
      .join(' '),
    due: lastOf(tokens, 'due')?.date ?? null,
    project: lastOf(tokens, 'project')?.project ?? null,
    status: lastOf(tokens, 'status')?.status ?? null,
    tokens: mergeDateWords(tokens),
    unknownProjects,
  };
}

function splitWords(text: string): Word[] {
  // `#"two words"` is one word; an unclosed quote runs to the end (still being typed).
  return Array.from(text.matchAll(/#"[^"]*"?|\S+/g), (m) => ({ text: m[0], start: m.index, sigil: false }));
}

const unquote = (s: string) => (s.startsWith('"') ? s.replace(/^"|"$/g, '') : s).trim();

const normalize = (s: string) => s.normalize('NFC').toLocaleLowerCase().replace(/\s+/g, ' ').trim();

/** A project by exact (case-insensitive) name, else with `-`/`_` read as spaces. */
function findProject(projects: readonly QuickAddProject[], name: string): QuickAddProject | undefined {
  if (!name) return undefined;
  const exact = normalize(name);
  const spaced = normalize(name.replace(/[-_]+/g, ' '));
  return (
    projects.find((p) => normalize(p.name) === exact) ?? projects.find((p) => normalize(p.name) === spaced)
  );
}

function lastOf<K extends QuickAddToken['kind']>(
  tokens: readonly QuickAddToken[],
  kind: K,
): Extract<QuickAddToken, { kind: K }> | undefined {
  return tokens.findLast((t): t is Extract<QuickAddToken, { kind: K }> => t.kind === kind);
}

/** Marks the date at the end of `plain` (the words without sigils), and a connector before it, as a token. */
function takeTrailingDate(plain: Word[], today: CalendarDate): void {
  for (let n = Math.min(3, plain.length); n >= 1; n--) {
    const tail = plain.slice(plain.length - n);
    const date = dateOf(
      tail.map((w) => w.text.toLowerCase()),
      today,
    );
    if (!date) continue;
    const before = plain[plain.length - n - 1];
    // "Call mum on friday": the "on" goes too, unless it is all that would be left of the title.
    if (before && CONNECTORS.has(before.text.toLowerCase()) && plain.length - n - 1 > 0) tail.unshift(before);
    for (const w of tail) w.token = { kind: 'due', text: w.text, date };
    return;
  }
}

/** The words of one date as one token ("next friday", not "next" and "friday"). */
function mergeDateWords(tokens: QuickAddToken[]): QuickAddToken[] {
  const dates = tokens.filter((t) => t.kind === 'due');
  if (dates.length <= 1) return tokens;
  const merged: QuickAddToken = { ...dates[0]!, text: dates.map((t) => t.text).join(' ') };
  return tokens.flatMap((t): QuickAddToken[] => (t === dates[0] ? [merged] : t.kind === 'due' ? [] : [t]));
}

/** The date that lower-cased words `w` name, seen from `today`; null when they are not exactly a date. */
function dateOf(w: readonly string[], today: CalendarDate): CalendarDate | null {
  const [a = '', b = '', c = ''] = w;
  switch (w.length) {
    case 1:
      if (a === 'today' || a === 'tonight') return today;
      if (a === 'tomorrow' || a === 'tmrw') return addDays(today, 1);
      return weekdayDate(today, a, false) ?? isoDateOf(a);
    case 2:
      if (a === 'next' || a === 'this') return weekdayDate(today, b, a === 'this');
      return monthDay(today, a, b) ?? monthDay(today, b, a);
    case 3:
      if (a === 'in') return inCount(today, b, c);
      return monthDay(today, a, b, c) ?? monthDay(today, b, a, c);
    default:
      return null;
  }
}

/** The next day named `word` after today (or from today on, when `todayCounts`); null if no weekday. */
function weekdayDate(today: CalendarDate, word: string, todayCounts: boolean): CalendarDate | null {
  const weekday = own(WEEKDAYS, word);
  if (weekday === undefined) return null;
  const ahead = (weekday - weekdayOf(today) + 7) % 7;
  return addDays(today, ahead === 0 && !todayCounts ? 7 : ahead);
}

function isoDateOf(word: string): CalendarDate | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(word);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isCalendarDate(year, month, day) ? { year, month, day } : null;
}

/**
 * `monthWord dayWord [yearWord]`: with a year, that day; without, the next such day from today on (29 February
 * waits for the next leap year).
 */
function monthDay(today: CalendarDate, monthWord: string, dayWord: string, yearWord?: string) {
  const month = monthOf(monthWord);
  const d = /^(\d{1,2})(?:st|nd|rd|th)?,?$/.exec(dayWord);
  if (month === null || !d) return null;
  const day = Number(d[1]);
  if (yearWord !== undefined) {
    if (!/^\d{4}$/.test(yearWord)) return null;
    const year = Number(yearWord);
    return isCalendarDate(year, month, day) ? { year, month, day } : null;
  }
  for (let year = today.year; year <= today.year + 8; year++) {
    if (!isCalendarDate(year, month, day)) continue;
    const date = { year, month, day };
    if (year > today.year || month > today.month || (month === today.month && day >= today.day)) return date;
  }
  return null;
}

/** `in <count> day(s)|week(s)`. */
function inCount(today: CalendarDate, countWord: string, unit: string): CalendarDate | null {
  const n = /^\d{1,3}$/.test(countWord) ? Number(countWord) : own(COUNT_WORDS, countWord);
  if (n === undefined) return null;
  if (unit === 'day' || unit === 'days') return addDays(today, n);
  if (unit === 'week' || unit === 'weeks') return addDays(today, 7 * n);
  return null;
}
