import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { USAGE, usageOf } from './args.ts';

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
