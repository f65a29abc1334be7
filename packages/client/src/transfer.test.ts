import { describe, expect, it } from 'vitest';
import { ClientError } from './errors.ts';
import { csv, csvRecord, EXPORT_FORMAT, isoLocal, parseExport } from './transfer.ts';

describe('csv (RFC 4180)', () => {
  it('quotes a field holding a comma, quote, CR or LF, doubling quotes; CRLF after every record', () => {
    expect(csvRecord(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r', null, 3])).toBe(
      'plain,"a,b","say ""hi""","two\nlines","cr\r",,3',
    );
    expect(csv(['id', 'title'], [['1', 'x']])).toBe('id,title\r\n1,x\r\n');
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
