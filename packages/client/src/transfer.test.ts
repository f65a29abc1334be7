import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openNodeDriver } from './drivers/node/index.ts';
import { Engine } from './engine.ts';
import { ClientError } from './errors.ts';
import { tempDir } from './testing/index.ts';
import {
  csv,
  csvRecord,
  EXPORT_FORMAT,
  exportCsv,
  isoLocal,
  neutraliseFormula,
  parseExport,
} from './transfer.ts';

describe('csv (RFC 4180)', () => {
  it('quotes a field holding a comma, quote, CR or LF, doubling quotes; CRLF after every record', () => {
    expect(csvRecord(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r', null, 3])).toBe(
      'plain,"a,b","say ""hi""","two\nlines","cr\r",,3',
    );
    expect(csv(['id', 'title'], [['1', 'x']])).toBe('id,title\r\n1,x\r\n');
  });

  it('neutralises text cells a spreadsheet would run as a formula, and leaves numbers alone', () => {
    for (const bad of ['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://x","y")']) {
      expect(neutraliseFormula(bad)).toBe(`'${bad}`);
    }
    for (const ok of ['plain', '', ' =not first', "'quoted", '1-2']) expect(neutraliseFormula(ok)).toBe(ok);
    expect(csvRecord(['=1+1', '-x,y', -5, '@a"b', '\r=x'])).toBe(`'=1+1,"'-x,y",-5,"'@a""b","'\r=x"`);
  });
});

describe('exportCsv of time in a span', () => {
  const dir = tempDir('selftracker-transfer-');
  afterAll(() => dir.cleanup());

  it('keeps only the timers that started in [from, to), running ones included, with formulas neutralised', async () => {
    const T = 1_764_000_000_000;
    const H = 3_600_000;
    let clock = T;
    const engine = await Engine.open({
      driver: openNodeDriver(join(dir.path, 'span.db')),
      server: 'http://127.0.0.1:9',
      now: () => clock,
    });
    try {
      await engine.timers.create({ started_at: T - 3 * H, stopped_at: T - H + 1, note: 'before' });
      await engine.timers.create({ started_at: T, stopped_at: T + H, note: '=cmd|calc' });
      await engine.timers.create({ started_at: T + 2 * H, stopped_at: T + 5 * H, note: 'inside' });
      await engine.timers.create({ started_at: T + 4 * H, stopped_at: T + 4 * H + 1, note: 'at-to' });
      clock = T + 3 * H;
      await engine.timers.start({ note: 'running' });
      const { text, rows } = await exportCsv(engine, 'timers', { from: T - H, to: T + 4 * H });
      expect(rows).toBe(3);
      const lines = text.trimEnd().split('\r\n');
      expect(lines[0]).toBe(
        'id,started_at,stopped_at,seconds,task,task_id,project,project_id,note,created_at,updated_at',
      );
      const notes = lines.slice(1).map((l) => l.split(',')[8]);
      expect(notes.sort()).toEqual(["'=cmd|calc", 'inside', 'running']);
      expect(text).toContain(',3600,');
      expect((await exportCsv(engine, 'timers')).rows).toBe(5);
    } finally {
      await engine.close();
    }
  });
});

describe('isoLocal', () => {
  it('is ISO 8601 with the local offset, naming the same instant', () => {
    const ms = Date.UTC(2026, 2, 1, 9, 5, 7);
    const s = isoLocal(ms);
    expect(s).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    expect(Date.parse(s)).toBe(ms);
  });
});

describe('parseExport', () => {
  const empty = { format: EXPORT_FORMAT, version: 1, projects: [], tasks: [], timers: [] };
  const problem = (text: string) => {
    try {
      parseExport(text, 'f.json');
    } catch (e: unknown) {
      expect(ClientError.is(e, 'invalid_input')).toBe(true);
      return (e as Error).message;
    }
    throw new Error('parsed');
  };

  it('reads an empty export', () => {
    expect(parseExport(JSON.stringify(empty), 'f.json').tasks).toEqual([]);
  });

  it('names what is wrong: not JSON, not an export, a newer version, a bad row', () => {
    expect(problem('{')).toMatch(/^f\.json is not JSON/);
    expect(problem('{"format":"other"}')).toContain('is not a selftracker export');
    expect(problem(JSON.stringify({ ...empty, version: 2 }))).toContain('update it');
    expect(problem(JSON.stringify({ ...empty, tasks: [{ id: 'x' }] }))).toMatch(
      /^f\.json: tasks\[0\]\.id: must be a UUID; nothing imported$/,
    );
  });
});
