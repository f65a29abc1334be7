import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPushRequest, pushRequestSchema } from './protocol.ts';

describe('isPushRequest (the push envelope fast path)', () => {
  const agrees = (body: unknown) =>
    expect(isPushRequest(body), JSON.stringify(body)).toBe(pushRequestSchema.safeParse(body).success);

  it('agrees with pushRequestSchema on crafted envelopes', () => {
    const op = { op_id: 'x', anything: 1 };
    for (const body of [
      { client_id: 'c', ops: [] },
      { client_id: 'c', ops: [op, { op_id: '' }] },
      { client_id: 'c', ops: [op], extra: 1 },
      { client_id: 'c' },
      { ops: [] },
      { client_id: 1, ops: [] },
      { client_id: 'c', ops: {} },
      { client_id: 'c', ops: [null] },
      { client_id: 'c', ops: [[]] },
      { client_id: 'c', ops: ['x'] },
      { client_id: 'c', ops: [{}] },
      { client_id: 'c', ops: [{ op_id: 5 }] },
      JSON.parse('{"client_id":"c","ops":[],"__proto__":{}}'),
      JSON.parse('{"client_id":"c","ops":[{"__proto__":{"op_id":"x"}}]}'),
      [],
      null,
      'text',
      42,
    ]) {
      agrees(body);
    }
  });

  it('agrees with pushRequestSchema on arbitrary JSON', () => {
    const opLike = fc.oneof(
      fc.record({ op_id: fc.oneof(fc.string(), fc.integer()) }, { requiredKeys: [] }),
      fc.jsonValue(),
    );
    const envelope = fc.record(
      {
        client_id: fc.oneof(fc.string(), fc.jsonValue()),
        ops: fc.oneof(fc.array(opLike, { maxLength: 4 }), fc.jsonValue()),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(envelope, fc.jsonValue()), (body) => {
        agrees(body);
      }),
      { numRuns: 2000 },
    );
  });
});
