import { describe, expect, it } from 'vitest';
import { classifySqliteCode } from '../kit.ts';
import { sqliteCodeOf } from './errors.ts';

const classify = (message: string) => classifySqliteCode(sqliteCodeOf(new Error(message)));

describe('sqliteCodeOf (expo-sqlite messages per platform)', () => {
  it('classifies iOS messages by their number', () => {
    expect(
      classify(
        "Calling the 'runAsync' function has failed\n→ Caused by: Error code 19: UNIQUE constraint failed: u.k",
      ),
    ).toBe('constraint');
    expect(classify('Error code 5: database is locked')).toBe('busy');
    expect(classify('Error code 1: no such table: x')).toBe('io');
  });
  it('classifies Android messages by their name', () => {
    expect(classify('NOT NULL constraint failed: u.n (code 1299 SQLITE_CONSTRAINT_NOTNULL)')).toBe(
      'constraint',
    );
    expect(classify('database is locked (code 5 SQLITE_BUSY)')).toBe('busy');
  });
  it('classifies the web worker messages by their text', () => {
    expect(classify('Error: UNIQUE constraint failed: u.k')).toBe('constraint');
    expect(classify('database is locked')).toBe('busy');
    expect(classify('Error executing statement')).toBe('io');
  });
});
