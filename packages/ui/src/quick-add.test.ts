import { TASK_STATUSES } from '@selftracker/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarDateOf, isoDate, localNoon } from './calendar-date.ts';
import { parseQuickAdd, type QuickAdd, STATUS_WORDS } from './quick-add.ts';

const projects = [
  { id: 'p-work', name: 'Work' },
  { id: 'p-home', name: 'Home office' },
  { id: 'p-read', name: 'Reading list' },
];

/** The parse of `text` typed at local `when` ('YYYY-MM-DDTHH:mm'), as a plain summary. */
function parse(text: string, when: string) {
  const q: QuickAdd = parseQuickAdd(text, new Date(when), { projects });
  return {
    title: q.title,
    due: q.due && isoDate(q.due),
    project: q.project?.name ?? null,
    status: q.status,
    tokens: q.tokens.map((t) => t.text),
    unknown: q.unknownProjects,
  };
}

// 2025-12-03 is a Wednesday.
const WED = '2025-12-03T09:00';

describe('parseQuickAdd', () => {
  it.each([
    // text, due, title
    ['Buy milk today', '2025-12-03', 'Buy milk'],
    ['Buy milk tonight', '2025-12-03', 'Buy milk'],
    ['Buy milk tomorrow', '2025-12-04', 'Buy milk'],
    ['Buy milk TOMORROW', '2025-12-04', 'Buy milk'],
    ['Buy milk tmrw', '2025-12-04', 'Buy milk'],
    // weekdays: the next such day after today
    ['Call Bob fri', '2025-12-05', 'Call Bob'],
    ['Call Bob Friday', '2025-12-05', 'Call Bob'],
    ['Call Bob next friday', '2025-12-05', 'Call Bob'],
    ['Call Bob mon', '2025-12-08', 'Call Bob'], // this week's Monday has passed: never in the past
    ['Call Bob next monday', '2025-12-08', 'Call Bob'],
    ['Call Bob tue', '2025-12-09', 'Call Bob'],
    ['Call Bob wed', '2025-12-10', 'Call Bob'], // today's weekday: a week later ("today" says today)
    ['Call Bob next wed', '2025-12-10', 'Call Bob'],
    ['Call Bob this wed', '2025-12-03', 'Call Bob'], // "this": today counts
    ['Call Bob this fri', '2025-12-05', 'Call Bob'],
    ['Call mum on friday', '2025-12-05', 'Call mum'],
    ['Pay rent by dec 5', '2025-12-05', 'Pay rent'],
    // month and day, either order, the next such day from today on
    ['Renew passport dec 5', '2025-12-05', 'Renew passport'],
    ['Renew passport 5 dec', '2025-12-05', 'Renew passport'],
    ['Renew passport december 5', '2025-12-05', 'Renew passport'],
    ['Renew passport December 5th', '2025-12-05', 'Renew passport'],
    ['Renew passport 5th of', null, 'Renew passport 5th of'],
    ['Renew passport dec 3', '2025-12-03', 'Renew passport'], // today is not past
    ['Renew passport dec 2', '2026-12-02', 'Renew passport'], // yesterday: next year
    ['Renew passport mar 1', '2026-03-01', 'Renew passport'],
    ['Renew passport sept 9', '2026-09-09', 'Renew passport'],
    ['Renew passport dec 5 2027', '2027-12-05', 'Renew passport'],
    ['Renew passport 5 dec 2024', '2024-12-05', 'Renew passport'], // a year given is taken as given
    ['Renew passport feb 29', '2028-02-29', 'Renew passport'], // the next 29 February
    ['Renew passport feb 30', null, 'Renew passport feb 30'], // no such day: left in the title
    ['Renew passport 2026-01-15', '2026-01-15', 'Renew passport'],
    ['Renew passport 2026-02-30', null, 'Renew passport 2026-02-30'],
    // in N days / weeks
    ['Water plants in 3 days', '2025-12-06', 'Water plants'],
    ['Water plants in 1 day', '2025-12-04', 'Water plants'],
    ['Water plants in 2 weeks', '2025-12-17', 'Water plants'],
    ['Water plants in a week', '2025-12-10', 'Water plants'],
    ['Water plants in 30 days', '2026-01-02', 'Water plants'],
    ['Water plants in 0 days', '2025-12-03', 'Water plants'],
    ['Water plants in constructor days', null, 'Water plants in constructor days'],
    ['Water plants in 3 months', null, 'Water plants in 3 months'],
    // a date only at the end: words inside the title stay
    ['Read Friday Night Lights', null, 'Read Friday Night Lights'],
    ['Read Friday Night Lights fri', '2025-12-05', 'Read Friday Night Lights'],
    ['Today show recap', null, 'Today show recap'],
    ['Meeting dec 5 tomorrow', '2025-12-04', 'Meeting dec 5'], // one date: the last one
    ['Ask if we may', null, 'Ask if we may'],
    ['Fix constructor', null, 'Fix constructor'],
    ['Tidy  up   the   desk  ', null, 'Tidy up the desk'],
  ])('%j → due %s, title %j', (text, due, title) => {
    const q = parse(text, WED);
    expect(q.due).toBe(due);
    expect(q.title).toBe(title);
  });

  it('takes a project, a status and a date together, and reports the tokens in the order typed', () => {
    expect(parse('Buy milk tomorrow #Work', WED)).toEqual({
      title: 'Buy milk',
      due: '2025-12-04',
      project: 'Work',
      status: null,
      tokens: ['tomorrow', '#Work'],
      unknown: [],
    });
    expect(parse('#work Plan sprint !doing next monday', WED)).toEqual({
      title: 'Plan sprint',
      due: '2025-12-08',
      project: 'Work',
      status: 'in-progress',
      tokens: ['#work', '!doing', 'next monday'],
      unknown: [],
    });
  });

  it('matches project names case-insensitively, with quotes or hyphens for spaces', () => {
    expect(parse('Paint wall #"home office"', WED).project).toBe('Home office');
    expect(parse('Paint wall #Home-Office', WED).project).toBe('Home office');
    expect(parse('Paint wall #reading_list', WED).project).toBe('Reading list');
    expect(parse('Paint wall #WORK', WED)).toMatchObject({ title: 'Paint wall', project: 'Work' });
    // Several: the last one counts, all are taken out.
    expect(parse('Paint wall #work #home-office', WED)).toMatchObject({
      title: 'Paint wall',
      project: 'Home office',
    });
  });

  it('keeps an unknown #project in the title and reports it', () => {
    expect(parse('Fix bug #123', WED)).toMatchObject({
      title: 'Fix bug #123',
      project: null,
      unknown: ['123'],
    });
    // While "#Work" is still being typed, the date before it still counts.
    expect(parse('Buy milk tomorrow #Wo', WED)).toMatchObject({
      title: 'Buy milk #Wo',
      due: '2025-12-04',
      unknown: ['Wo'],
    });
    expect(parse('Buy milk tomorrow #', WED)).toMatchObject({ title: 'Buy milk #', due: '2025-12-04' });
    expect(parse('Buy milk #"home off', WED)).toMatchObject({
      title: 'Buy milk #"home off',
      unknown: ['home off'],
    });
  });

  it('sets the status with !todo, !doing, !done (any case); other !words stay in the title', () => {
    expect(parse('Ship it !done', WED)).toMatchObject({ title: 'Ship it', status: 'done' });
    expect(parse('Ship it !DOING', WED)).toMatchObject({ status: 'in-progress' });
    expect(parse('Ship it !in-progress', WED)).toMatchObject({ status: 'in-progress' });
    expect(parse('!todo Ship it', WED)).toMatchObject({ title: 'Ship it', status: 'todo' });
    expect(parse('Ship it !urgent', WED)).toMatchObject({ title: 'Ship it !urgent', status: null });
    expect(parse('Ship it!', WED)).toMatchObject({ title: 'Ship it!', status: null });
    expect(new Set(Object.values(STATUS_WORDS))).toEqual(new Set(TASK_STATUSES));
  });

  it('leaves an empty title when the text was all tokens', () => {
    expect(parse('tomorrow #Work', WED)).toMatchObject({ title: '', due: '2025-12-04', project: 'Work' });
    expect(parse('', WED)).toEqual({
      title: '',
      due: null,
      project: null,
      status: null,
      tokens: [],
      unknown: [],
    });
    expect(parse('   ', WED).title).toBe('');
    // A connector alone is kept: there would be nothing else left.
    expect(parse('on friday', WED)).toMatchObject({ title: 'on', due: '2025-12-05' });
  });

  it.each([
    // Tuesday 30 December 2025: dates run into the next year
    ['jan 2', '2026-01-02'],
    ['2 jan', '2026-01-02'],
    ['fri', '2026-01-02'],
    ['in 3 days', '2026-01-02'],
    ['tomorrow', '2025-12-31'],
    ['dec 30', '2025-12-30'],
    ['dec 29', '2026-12-29'],
    ['next tue', '2026-01-06'],
  ])('on 30 December, %j is %s (year wrap)', (phrase, due) => {
    expect(parse(`Plan ${phrase}`, '2025-12-30T22:00').due).toBe(due);
  });
});

/**
 * Daylight-saving days, in time zones that have them. Node reads `process.env.TZ` anew when it is assigned, so
 * each block switches the zone for its tests (and checks that the switch took: the offsets differ).
 */
describe.each([
  // zone, the local day clocks go forward, the day after, the day clocks go back, the day after
  ['Europe/Berlin', '2025-03-30', '2025-03-31', '2025-10-26', '2025-10-27'],
  ['America/New_York', '2025-03-09', '2025-03-10', '2025-11-02', '2025-11-03'],
])('in %s, across daylight-saving changes', (zone, springDay, afterSpring, fallDay, afterFall) => {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.TZ;
    process.env.TZ = zone;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  const dayBefore = (day: string) => isoDate(calendarDateOf(new Date(`${day}T12:00`).getTime() - 86_400_000));

  it('is really in a zone with daylight-saving time', () => {
    const offset = (day: string) => new Date(`${day}T12:00`).getTimezoneOffset();
    expect(offset(afterSpring)).not.toBe(offset(dayBefore(springDay)));
    expect(offset(afterFall)).not.toBe(offset(dayBefore(fallDay)));
  });

  it('counts calendar days late in the evening before a 23-hour day and a 25-hour day', () => {
    // 23:30 the day before: adding 24 hours would skip the short day (spring) or stay on the long one (autumn).
    const eve = (day: string) => `${dayBefore(day)}T23:30`;
    expect(parse('Water plants tomorrow', eve(springDay)).due).toBe(springDay);
    expect(parse('Water plants in 2 days', eve(springDay)).due).toBe(afterSpring);
    expect(parse('Water plants tomorrow', eve(fallDay)).due).toBe(fallDay);
    expect(parse('Water plants in 2 days', eve(fallDay)).due).toBe(afterFall);
    expect(parse('Water plants in 1 week', `${springDay}T00:30`).due).toBe(
      isoDate(calendarDateOf(new Date(`${springDay}T12:00`).getTime() + 7 * 86_400_000)),
    );
    expect(parse('Water plants today', `${fallDay}T23:30`).due).toBe(fallDay);
  });

  it('stores a due date as local noon of that very day', () => {
    for (const day of [springDay, afterSpring, fallDay, afterFall]) {
      const due = parseQuickAdd(`x ${day}`, new Date(`${springDay}T00:30`)).due!;
      expect(isoDate(calendarDateOf(localNoon(due)))).toBe(day);
      expect(new Date(localNoon(due)).getHours()).toBe(12);
    }
  });
});
