import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { USAGE, usageOf } from './args.ts';
import { csv, csvRecord, isoLocal } from './format.ts';

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

describe('usageOf', () => {
  it("shows a command's lines, and everything for an unknown or missing command", () => {
    expect(usageOf('task').split('\n').slice(1, 5)).toEqual(
      USAGE.split('\n').filter((l) => l.startsWith('  task ')),
    );
    expect(usageOf('login')).toContain('login EMAIL --password PW');
    expect(usageOf('frobnicate')).toBe(USAGE);
    expect(usageOf(undefined)).toBe(USAGE);
  });
});

describe('README', () => {
  it('shows the usage exactly as --help prints it', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`\`\`\`\n${USAGE}\n\`\`\``);
  });
});
