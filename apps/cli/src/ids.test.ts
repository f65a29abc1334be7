import { uuidv7 } from '@selftracker/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shortIds } from './ids.ts';

/** Ids as a busy device makes them: UUIDv7s, many in the same millisecond (they share 13+ characters). */
const idSets = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 8 })), {
    minLength: 1,
    maxLength: 20,
  })
  .map((groups) => {
    const ids: string[] = [];
    let ms = 1_764_000_000_000;
    for (const [gap, n] of groups) {
      ms += gap;
      for (let i = 0; i < n; i++) ids.push(uuidv7(ms));
    }
    return ids;
  });

describe('shortIds', () => {
  it('gives every id the shortest prefix (at least 6, never ending on "-") that no other id starts with', () => {
    fc.assert(
      fc.property(idSets, (ids) => {
        const short = shortIds(ids);
        for (const id of ids) {
          const p = short.get(id)!;
          expect(id.startsWith(p)).toBe(true);
          expect(p.length).toBeGreaterThanOrEqual(6);
          expect(p.endsWith('-')).toBe(false);
          expect(ids.filter((o) => o.startsWith(p))).toEqual([id]);
          // One character less is shared (or too short, or would end on "-").
          let q = p.slice(0, -1);
          if (q.endsWith('-')) q = q.slice(0, -1);
          if (q.length >= 6) expect(ids.filter((o) => o.startsWith(q)).length).toBeGreaterThan(1);
        }
      }),
    );
  });

  it('grows past the 13 characters ids of one millisecond share', () => {
    const ms = 1_764_000_000_000;
    const ids = [uuidv7(ms), uuidv7(ms), uuidv7(ms)];
    expect(ids[0]!.slice(0, 13)).toBe(ids[1]!.slice(0, 13));
    for (const p of shortIds(ids).values()) expect(p.length).toBeGreaterThan(14);
    expect(shortIds([ids[0]!]).get(ids[0]!)).toBe(ids[0]!.slice(0, 6));
  });
});
