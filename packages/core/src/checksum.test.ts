import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChecksumAccumulator, canonicalJson, createChecksums, rowHash } from './checksum.ts';
import type { EntityData } from './entities.ts';

const ID = '0193a8e2-7b1c-7c4e-8a2f-5b2a1c3d4e5f';

/** Oracle straight from PROTOCOL.md: first 4 bytes, big-endian, of SHA-256 of the canonical JSON text. */
const hashOf = (text: string) => createHash('sha256').update(text, 'utf8').digest().readUInt32BE(0);

describe('canonicalJson', () => {
  it('sorts keys at every level and writes no white space', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('escapes strings exactly like JSON.stringify', () => {
    for (const s of ['"quoted"', 'back\\slash', 'line\nbreak', '\u2028\u2029', '😀', '\u0001', 'é']) {
      expect(canonicalJson({ s })).toBe(`{"s":${JSON.stringify(s)}}`);
    }
  });

  it('is the same text whatever the key insertion order, and parses back to the value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJson(v);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
        expect(text).not.toMatch(/^\s|\s$/);
        const reversed = JSON.parse(JSON.stringify(v), (_k, x) =>
          x && typeof x === 'object' && !Array.isArray(x)
            ? Object.fromEntries(Object.entries(x).reverse())
            : x,
        );
        expect(canonicalJson(reversed)).toBe(text);
      }),
    );
  });
});

describe('rowHash', () => {
  const data: EntityData = { title: 'Write report', status: 'done', due_at: null, created_at: 1764000000000 };

  it('hashes the canonical {data, deleted, entity_id} object', () => {
    const text = `{"data":{"created_at":1764000000000,"due_at":null,"status":"done","title":"Write report"},"deleted":false,"entity_id":"${ID}"}`;
    expect(rowHash(ID, false, data)).toBe(hashOf(text));
  });

  it('hashes a tombstone with data null whatever data is passed', () => {
    const text = `{"data":null,"deleted":true,"entity_id":"${ID}"}`;
    expect(rowHash(ID, true, null)).toBe(hashOf(text));
    expect(rowHash(ID, true, data)).toBe(hashOf(text));
  });

  it('is an unsigned 32-bit integer that changes with any field', () => {
    const h = rowHash(ID, false, data);
    expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    expect(rowHash(ID, false, { ...data, status: 'todo' })).not.toBe(h);
    expect(rowHash(ID.replace('5f', '60'), false, data)).not.toBe(h);
  });
});

describe('ChecksumAccumulator', () => {
  const row = fc.record({
    id: fc.uuid(),
    deleted: fc.boolean(),
    data: fc.record({ title: fc.string(), n: fc.integer() }),
  });

  it('starts at count 0 and checksum 00000000', () => {
    const acc = new ChecksumAccumulator();
    expect([acc.count, acc.checksum]).toEqual([0, '00000000']);
  });

  it('is the sum of the row hashes modulo 2^32 as 8 lowercase hex digits, in any order (property)', () => {
    fc.assert(
      fc.property(
        fc
          .array(row, { maxLength: 30 })
          .chain((rows) =>
            fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows, { minLength: rows.length })),
          ),
        ([rows, shuffled]) => {
          const a = new ChecksumAccumulator();
          const b = new ChecksumAccumulator();
          let sum = 0n;
          for (const r of rows) {
            a.add(r.id, r.deleted, r.data);
            sum += BigInt(rowHash(r.id, r.deleted, r.data));
          }
          for (const r of shuffled) b.add(r.id, r.deleted, r.data);
          const expected = (sum % 2n ** 32n).toString(16).padStart(8, '0');
          expect(a.checksum).toBe(expected);
          expect(a.checksum).toMatch(/^[0-9a-f]{8}$/);
          expect(b.checksum).toBe(expected);
          expect(a.count).toBe(rows.length);
        },
      ),
    );
  });

  it('wraps around 2^32', () => {
    // find two rows whose hashes overflow when added
    const acc = new ChecksumAccumulator();
    let i = 0;
    let total = 0;
    while (total < 2 ** 32) {
      const id = `00000000-0000-4000-8000-${String(i++).padStart(12, '0')}`;
      total += rowHash(id, true, null);
      acc.add(id, true, null);
    }
    expect(acc.checksum).toBe((total % 2 ** 32).toString(16).padStart(8, '0'));
  });

  it('createChecksums lists every entity', () => {
    const sums = createChecksums();
    expect(Object.keys(sums).sort()).toEqual(['projects', 'tasks', 'timers']);
    expect(sums.tasks.checksum).toBe('00000000');
  });
});
