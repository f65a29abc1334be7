/**
 * `planPush` without a database: properties of the push protocol (PROTOCOL.md "Push") on arbitrary batches.
 * `commit` below is what `persistPush` does to the state, in memory.
 */
import {
  createHlcClock,
  type EntityData,
  type EntityName,
  formatHlc,
  type OperationKind,
  parseHlc,
} from '@selftracker/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HLC_MAX_AHEAD_MS,
  ledgerBeforeMerge,
  type PlanClock,
  type PushPlan,
  type PushState,
  planPush,
  planSteps,
  prepareOp,
  type RawOp,
  type StoredRow,
  toChange,
} from './push-plan.ts';

const NOW = Date.UTC(2026, 0, 1);
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ROWS: readonly [EntityName, string][] = [
  ['tasks', uuid(1)],
  ['tasks', uuid(2)],
  ['projects', uuid(3)],
];
const clockAt = (now = NOW): PlanClock => ({
  now,
  hlc: createHlcClock({ node: 'server', now: () => now, maxDriftMs: HLC_MAX_AHEAD_MS }),
});
const h = (wall: number, counter = 0, node = 'a') => formatHlc({ wall, counter, node });
const EMPTY: PushState = { version: 0, ledger: new Map(), rows: new Map() };

/** What `persistPush` leaves in the database, as the next push reads it. */
function commit(state: PushState, plan: PushPlan): PushState {
  const ledger = new Map(state.ledger);
  for (const e of plan.ledger) ledger.set(e.opId.toLowerCase(), { hash: e.hash, result: e.result });
  const rows = new Map([...state.rows].map(([e, m]) => [e, new Map(m)]));
  for (const [entity, changed] of plan.rows) {
    const table = rows.get(entity) ?? new Map<string, StoredRow>();
    rows.set(entity, table);
    for (const [id, row] of changed) table.set(id, { ...row, stored: true });
  }
  return { version: plan.version, ledger, rows };
}
const rowIn = (state: PushState, entity: EntityName, id: string) => state.rows.get(entity)?.get(id);

// Small domains: ties, lost writes, repeats and not_found are frequent. Walls stay within the 60 s clamp.
const arbHlc = fc
  .tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom('a', 'b'))
  .map(([w, c, n]) => h(NOW + w, c, n));
const taskPatch = fc.record(
  {
    title: fc.constantFrom('a', 'b', ''), // '' is invalid_op
    status: fc.constantFrom('todo', 'done'),
    due_at: fc.constantFrom(null, 0, NOW),
  },
  { requiredKeys: [] },
);
const projectPatch = fc.record(
  { name: fc.constantFrom('Home', 'Work'), archived: fc.boolean() },
  { requiredKeys: [] },
);
const opSpec = fc.record({
  row: fc.nat({ max: ROWS.length - 1 }),
  kind: fc.constantFrom<OperationKind>('CREATE', 'UPDATE', 'UPDATE', 'DELETE'),
  hlc: arbHlc,
  tp: taskPatch,
  pp: projectPatch,
});
type OpSpec = typeof opSpec extends fc.Arbitrary<infer T> ? T : never;

/** A well-formed operation, typed for the tests (the plan takes it as a `RawOp`). */
type TestOp = RawOp & { entity: EntityName; entity_id: string; hlc: string; data?: EntityData };

function toOp({ row, kind, hlc, tp, pp }: OpSpec, n: number): TestOp {
  const [entity, entity_id] = ROWS[row]!;
  const base = { op_id: uuid(1000 + n), entity, entity_id, operation: kind, hlc };
  if (kind === 'DELETE') return base;
  const patch: EntityData = entity === 'tasks' ? tp : pp;
  const required = entity === 'tasks' ? { title: 't' } : { name: 'p' };
  const data = kind === 'CREATE' ? { ...required, created_at: NOW, updated_at: NOW, ...patch } : patch;
  return { ...base, data };
}

/** Operations, some sent again: the same operation, or its op_id with other content. */
const arbOps = fc
  .record({
    specs: fc.array(opSpec, { minLength: 1, maxLength: 12 }),
    repeats: fc.array(fc.record({ at: fc.nat(), of: fc.nat(), same: fc.boolean() }), { maxLength: 4 }),
  })
  .map(({ specs, repeats }) => {
    const ops = specs.map(toOp);
    for (const r of repeats) {
      const o = ops[r.of % ops.length]!;
      const again = r.same ? o : { ...o, hlc: o.hlc.replace(/-\d{5}-/, '-99999-') };
      ops.splice(r.at % (ops.length + 1), 0, again);
    }
    return ops;
  });
/** A starting state: some of the rows exist (the others are not_found for UPDATE and DELETE). */
const arbState = fc.subarray([0, 1, 2]).map((present) => {
  const seeds = present.map((row, i) => toOp({ row, kind: 'CREATE', hlc: h(NOW), tp: {}, pp: {} }, 900 + i));
  return commit(EMPTY, planPush(EMPTY, seeds.map(prepareOp), clockAt()));
});

/** Plans each operation alone, committing in between; returns every plan and the final state. */
function oneByOne(state: PushState, ops: readonly RawOp[]) {
  const steps: { before: PushState; op: RawOp; plan: PushPlan }[] = [];
  let s = state;
  for (const op of ops) {
    const plan = planPush(s, [prepareOp(op)], clockAt());
    steps.push({ before: s, op, plan });
    s = commit(s, plan);
  }
  return { steps, state: s };
}

const sameRow = (a: StoredRow | undefined, b: StoredRow | undefined) =>
  JSON.stringify(a && [a.deleted, a.data, a.hlc]) === JSON.stringify(b && [b.deleted, b.data, b.hlc]);

describe('planPush (property, no database)', () => {
  it('plans a batch as its operations one at a time, and leaves the state it read untouched', () => {
    fc.assert(
      fc.property(arbState, arbOps, (state, ops) => {
        const before = structuredClone(state);
        const batch = planPush(state, ops.map(prepareOp), clockAt());
        expect(state).toEqual(before);
        const seq = oneByOne(state, ops);
        expect(batch.results).toEqual(seq.steps.flatMap((s) => s.plan.results));
        expect(commit(state, batch)).toEqual(seq.state);
        // The ledger written ahead of the plan: the same entries, results differing only where the merge rejected.
        const early = ledgerBeforeMerge(state.ledger, ops.map(prepareOp));
        expect(early.map((e) => [e.opId, e.hash])).toEqual(batch.ledger.map((e) => [e.opId, e.hash]));
        for (const [i, e] of early.entries()) if (e.result) expect(batch.ledger[i]!.result).toEqual(e.result);
        // Planned in slices, the plan is the same.
        const steps = planSteps(state, ops.map(prepareOp), clockAt(), 2);
        let step = steps.next();
        while (!step.done) step = steps.next();
        expect(step.value).toEqual(batch);
      }),
      { numRuns: 300 },
    );
  });

  it('answers a repeated op_id with duplicate (or its rejection again) and other content with op_id_reused', () => {
    fc.assert(
      fc.property(arbState, arbOps, (state, ops) => {
        for (const { before, op, plan } of oneByOne(state, ops).steps) {
          const prior = before.ledger.get(op.op_id);
          if (!prior) continue;
          const [result] = plan.results;
          const reused = prior.hash !== prepareOp(op).hash;
          if (reused) expect(result).toMatchObject({ status: 'rejected', error: { code: 'op_id_reused' } });
          else if (prior.result) expect(result).toMatchObject({ status: 'rejected', error: prior.result });
          else expect(result).toEqual({ op_id: op.op_id, status: 'duplicate' });
          // A repeat changes nothing and records nothing.
          expect([plan.version, plan.rows.size, plan.ledger.length]).toEqual([before.version, 0, 0]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives the next version only to an operation that changed its row, and rejections the current row', () => {
    fc.assert(
      fc.property(arbState, arbOps, (state, ops) => {
        const { steps } = oneByOne(state, ops);
        for (const { before, op, plan } of steps) {
          const [entity, id] = [op.entity as EntityName, op.entity_id as string];
          const prev = rowIn(before, entity, id);
          const next = plan.rows.get(entity)?.get(id);
          const [result] = plan.results;
          if (next) {
            expect(plan.version).toBe(before.version + 1);
            expect(next.version).toBe(plan.version);
            expect(sameRow(next, prev)).toBe(false);
            // Its hlc: the highest of its fields' HLCs, and of its delete for a tombstone (a DELETE always wins).
            const fields = Object.values((next.deleted ? prev?.hlc : next.hlc) ?? {});
            expect(next.maxHlc).toBe([...fields, ...(next.deleted ? [op.hlc as string] : [])].sort().at(-1));
          } else expect(plan.version).toBe(before.version);
          expect([...plan.rows.values()].reduce((n, m) => n + m.size, 0)).toBe(next ? 1 : 0);
          if (result?.status === 'rejected') {
            expect(next).toBeUndefined();
            expect(result.row).toEqual(toChange(entity, id, prev));
          }
        }
        // The batch's versions: one per changing operation, each row at its last change, all distinct.
        const batch = planPush(state, ops.map(prepareOp), clockAt());
        const changes = steps.filter((s) => s.plan.rows.size > 0).length;
        expect(batch.version).toBe(state.version + changes);
        const versions = [...batch.rows.values()].flatMap((m) => [...m.values()].map((r) => r.version));
        expect(new Set(versions).size).toBe(versions.length);
        for (const v of versions) expect(v > state.version && v <= batch.version).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps, field by field, the value written with the greatest HLC, in any order', () => {
    const update = fc.record({ hlc: arbHlc, tp: taskPatch.filter((p) => p.title !== '') });
    fc.assert(
      fc.property(fc.array(update, { maxLength: 10 }), fc.infiniteStream(fc.nat()), (updates, rand) => {
        const [entity, id] = ROWS[0]!;
        const ops = updates.map(({ hlc, tp }, i) => toOp({ row: 0, kind: 'UPDATE', hlc, tp, pp: {} }, i));
        const shuffled = [...ops].sort(() => (rand.next().value % 3) - 1);
        const seed = toOp({ row: 0, kind: 'CREATE', hlc: h(NOW - 10), tp: {}, pp: {} }, 999);
        const finalRow = (o: TestOp[]) =>
          planPush(EMPTY, [seed, ...o].map(prepareOp), clockAt())
            .rows.get(entity)!
            .get(id)!;
        const [a, b] = [finalRow(ops), finalRow(shuffled)];
        expect(a.data).toEqual(b.data);
        for (const field of ['title', 'status', 'due_at']) {
          const writes = ops.filter((o) => Object.hasOwn(o.data as EntityData, field));
          if (writes.length === 0) continue;
          // Greatest HLC, ties broken by the greater JSON of the value (PROTOCOL.md leaves ties open).
          const key = (o: TestOp) => [o.hlc, JSON.stringify((o.data as EntityData)[field])] as const;
          const best = writes.reduce((x, y) => {
            const [kx, ky] = [key(x), key(y)];
            return ky[0] > kx[0] || (ky[0] === kx[0] && ky[1] > kx[1]) ? y : x;
          });
          expect(a.data[field]).toEqual((best.data as EntityData)[field]);
          expect(a.hlc[field]).toBe(best.hlc);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('replaces an HLC more than 60 s ahead with the server clock, which never passes now + 60 s', () => {
    const offset = fc.oneof(
      fc.integer({ min: -3_600_000, max: 2 * 86_400_000 }),
      fc.integer({ min: HLC_MAX_AHEAD_MS - 2, max: HLC_MAX_AHEAD_MS + 2 }),
    );
    fc.assert(
      fc.property(fc.array(offset, { minLength: 1, maxLength: 6 }), (offsets) => {
        const clock = clockAt();
        const ops = offsets.map((o, i) =>
          toOp(
            { row: 0, kind: i ? 'UPDATE' : 'CREATE', hlc: h(NOW + o, i), tp: { status: 'done' }, pp: {} },
            i,
          ),
        );
        const plan = planPush(EMPTY, ops.map(prepareOp), clock);
        expect(plan.results.every((r) => r.status === 'applied')).toBe(true);
        const stored = plan.rows.get('tasks')!.get(ROWS[0]![1])!.hlc.status!;
        const kept = ops.map((o) => o.hlc).filter((x) => parseHlc(x)!.wall <= NOW + HLC_MAX_AHEAD_MS);
        const maxKept = kept.sort().at(-1) ?? '';
        if (kept.length === ops.length) expect(stored).toBe(maxKept);
        else if (stored !== maxKept) {
          // A clamped write won: it carries the server's HLC, not the one it was sent with.
          expect(stored).toMatch(/-server$/);
          expect(stored > maxKept).toBe(true);
          expect(parseHlc(stored)!.wall).toBeGreaterThanOrEqual(NOW);
        }
        expect(parseHlc(stored)!.wall).toBeLessThanOrEqual(NOW + HLC_MAX_AHEAD_MS);
        expect(clock.hlc.peek().wall).toBeLessThanOrEqual(NOW + HLC_MAX_AHEAD_MS);
      }),
      { numRuns: 300 },
    );
  });
});
