import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENTITIES, type EntityData, type EntityName } from './entities.ts';
import { formatHlc } from './hlc.ts';
import { type MergeRow, mergeOp, TOMBSTONE } from './merge.ts';
import type { Operation, OperationKind } from './protocol.ts';

const T0 = Date.UTC(2026, 0, 1);
const ID = ['00000000-0000-7000-8000-000000000001', '00000000-0000-7000-8000-000000000002'] as const;
const hlc = (wall: number, counter = 0, node = 'a') => formatHlc({ wall: T0 + wall, counter, node });
let seq = 0;
const op = (
  entity: EntityName,
  entity_id: string,
  operation: OperationKind,
  data: EntityData | undefined,
  h: string,
): Operation => ({
  op_id: `00000000-0000-7000-8000-${String(++seq).padStart(12, '0')}`,
  entity,
  entity_id,
  operation,
  ...(data ? { data } : {}),
  hlc: h,
});
const baseTask = { title: 'Write report', created_at: T0, updated_at: T0 };

/** Applies operations in order through the merge rule, like the server's push loop. */
function applyAll(ops: readonly Operation[]): Map<string, MergeRow> {
  const rows = new Map<string, MergeRow>();
  for (const o of ops) {
    const key = `${o.entity}/${o.entity_id}`;
    const out = mergeOp(ENTITIES[o.entity], rows.get(key), o);
    if (out.kind === 'rejected') throw new Error(`unexpected rejection: ${out.message}`);
    if (out.kind === 'changed') rows.set(key, out.row);
  }
  return rows;
}

/** Independent oracle: per field the value with the greatest (hlc, JSON value); any DELETE makes a tombstone. */
function expectedRow(entity: EntityName, ops: readonly Operation[]): MergeRow {
  if (ops.some((o) => o.operation === 'DELETE')) return TOMBSTONE;
  const data: EntityData = {};
  const hlcs: Record<string, string> = {};
  for (const f of ENTITIES[entity].fields) {
    let best: { h: string; v: EntityData[string] } | undefined;
    for (const o of ops) {
      if (!o.data || !Object.hasOwn(o.data, f.name)) continue;
      const v = o.data[f.name]!;
      if (!best || o.hlc > best.h || (o.hlc === best.h && JSON.stringify(v) > JSON.stringify(best.v)))
        best = { h: o.hlc, v };
    }
    data[f.name] = best ? best.v : f.default;
    if (best) hlcs[f.name] = best.h;
  }
  return { deleted: false, data, hlc: hlcs };
}

// Small value domains so that ties (same HLC, same field) and lost writes happen often.
const arbHlc = fc
  .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom('a', 'b'))
  .map(([w, c, n]) => hlc(w, c, n));
const taskPatch = fc.record(
  {
    title: fc.constantFrom('a', 'b', 'Write report', '✓ done'),
    description: fc.constantFrom(null, '', 'x'),
    status: fc.constantFrom('todo', 'in-progress', 'done'),
    project_id: fc.constantFrom(null, ID[0]),
    due_at: fc.constantFrom(null, 0, T0),
    updated_at: fc.integer({ min: T0, max: T0 + 3 }),
  },
  { requiredKeys: [] },
);
const projectPatch = fc.record(
  {
    name: fc.constantFrom('Home', 'Work'),
    color: fc.constantFrom(null, '#ff0000', '#00FF00'),
    archived: fc.boolean(),
    updated_at: fc.integer({ min: T0, max: T0 + 3 }),
  },
  { requiredKeys: [] },
);
const rowKey = fc.tuple(fc.constantFrom<EntityName>('tasks', 'projects'), fc.constantFrom(...ID));
const arbOp = fc
  .tuple(
    rowKey,
    fc.constantFrom<OperationKind>('CREATE', 'UPDATE', 'UPDATE', 'DELETE'),
    arbHlc,
    taskPatch,
    projectPatch,
  )
  .map(([[entity, id], kind, h, tp, pp]) => {
    if (kind === 'DELETE') return op(entity, id, kind, undefined, h);
    const patch = entity === 'tasks' ? tp : pp;
    const required =
      entity === 'tasks'
        ? { title: 't', created_at: T0, updated_at: T0 }
        : { name: 'p', created_at: T0, updated_at: T0 };
    return op(entity, id, kind, kind === 'CREATE' ? { ...required, ...patch } : patch, h);
  });
const seeds = (): Operation[] =>
  (['tasks', 'projects'] as const).flatMap((e) =>
    ID.map((id) =>
      op(
        e,
        id,
        'CREATE',
        e === 'tasks'
          ? { title: 'seed', created_at: T0, updated_at: T0 }
          : { name: 'seed', created_at: T0, updated_at: T0 },
        hlc(2),
      ),
    ),
  );

describe('merge rule: convergence (property)', () => {
  it('any order and any duplication of the same operations gives the same rows', () => {
    const scenario = fc
      .array(arbOp, { maxLength: 25 })
      .chain((ops) =>
        fc.tuple(
          fc.constant(ops),
          fc.shuffledSubarray(ops, { minLength: ops.length, maxLength: ops.length }),
          fc.array(fc.nat(), { maxLength: 10 }),
          fc.shuffledSubarray(seeds(), { minLength: 4, maxLength: 4 }),
        ),
      );
    fc.assert(
      fc.property(scenario, ([ops, shuffled, dupIdx, seedOrder]) => {
        const base = seeds();
        // second order: seeds reordered, ops permuted, some ops applied again at random positions
        const withDups = [...shuffled];
        for (const i of dupIdx)
          if (ops.length) withDups.splice(i % (withDups.length + 1), 0, ops[i % ops.length]!);
        const a = applyAll([...base, ...ops]);
        const b = applyAll([
          ...seedOrder.map((s) => base.find((x) => x.entity === s.entity && x.entity_id === s.entity_id)!),
          ...withDups,
        ]);
        expect(b).toEqual(a);
        for (const [key, row] of a) {
          const [entity, id] = key.split('/') as [EntityName, string];
          const mine = [...base, ...ops].filter((o) => o.entity === entity && o.entity_id === id);
          expect(row).toEqual(expectedRow(entity, mine));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('merge rule: examples', () => {
  const create = op('tasks', ID[0], 'CREATE', baseTask, hlc(1));
  const created = applyAll([create]).get(`tasks/${ID[0]}`)!;

  it('a CREATE fills defaults for fields it leaves out and stamps the fields it sends', () => {
    expect(created).toEqual({
      deleted: false,
      data: { ...baseTask, description: null, status: 'todo', project_id: null, due_at: null },
      hlc: { title: hlc(1), created_at: hlc(1), updated_at: hlc(1) },
    });
  });

  it('merges concurrent edits field by field', () => {
    const fromA = op('tasks', ID[0], 'UPDATE', { title: 'A title', status: 'done' }, hlc(10, 0, 'a'));
    const fromB = op('tasks', ID[0], 'UPDATE', { title: 'B title', description: 'B notes' }, hlc(9, 5, 'b'));
    for (const order of [
      [create, fromA, fromB],
      [create, fromB, fromA],
    ]) {
      const row = applyAll(order).get(`tasks/${ID[0]}`)!;
      expect(row.data).toMatchObject({ title: 'A title', status: 'done', description: 'B notes' });
      expect(row.hlc).toMatchObject({
        title: hlc(10, 0, 'a'),
        status: hlc(10, 0, 'a'),
        description: hlc(9, 5, 'b'),
      });
    }
  });

  it('an operation whose every field lost changes nothing', () => {
    const newer = mergeOp(ENTITIES.tasks, created, op('tasks', ID[0], 'UPDATE', { title: 'new' }, hlc(5)));
    expect(newer.kind).toBe('changed');
    const row = (newer as { row: MergeRow }).row;
    expect(mergeOp(ENTITIES.tasks, row, op('tasks', ID[0], 'UPDATE', { title: 'old' }, hlc(4)))).toEqual({
      kind: 'unchanged',
    });
  });

  it('breaks an exact HLC tie the same way in both orders', () => {
    const x = op('tasks', ID[0], 'UPDATE', { title: 'x' }, hlc(3));
    const y = op('tasks', ID[0], 'UPDATE', { title: 'y' }, hlc(3));
    expect(applyAll([create, x, y])).toEqual(applyAll([create, y, x]));
  });

  it('a CREATE on an existing row merges like an UPDATE', () => {
    const older = op(
      'tasks',
      ID[0],
      'CREATE',
      { title: 'older', status: 'done', created_at: T0 - 5, updated_at: T0 - 5 },
      hlc(0),
    );
    const newer = op(
      'tasks',
      ID[0],
      'CREATE',
      { title: 'newer', created_at: T0 + 5, updated_at: T0 + 5 },
      hlc(7),
    );
    const afterOlder = mergeOp(ENTITIES.tasks, created, older);
    // status had no HLC yet (it held its default), so it takes the older CREATE's value; the rest lost.
    expect(afterOlder).toEqual({
      kind: 'changed',
      row: { ...created, data: { ...created.data, status: 'done' }, hlc: { ...created.hlc, status: hlc(0) } },
    });
    const row = applyAll([create, newer]).get(`tasks/${ID[0]}`)!;
    expect(row.data).toMatchObject({ title: 'newer', created_at: T0 + 5, status: 'todo', description: null });
  });

  it('a DELETE makes a final tombstone whatever its HLC', () => {
    const del = op('tasks', ID[0], 'DELETE', undefined, hlc(0)); // older than the CREATE
    expect(mergeOp(ENTITIES.tasks, created, del)).toEqual({ kind: 'changed', row: TOMBSTONE });
    expect(mergeOp(ENTITIES.tasks, TOMBSTONE, del)).toEqual({ kind: 'unchanged' });
    const later = op('tasks', ID[0], 'UPDATE', { title: 'zombie' }, hlc(99));
    expect(mergeOp(ENTITIES.tasks, TOMBSTONE, later)).toEqual({ kind: 'unchanged' });
    const recreate = op('tasks', ID[0], 'CREATE', { ...baseTask, title: 'again' }, hlc(99));
    expect(mergeOp(ENTITIES.tasks, TOMBSTONE, recreate)).toEqual({ kind: 'unchanged' });
  });

  it('rejects an UPDATE or DELETE of a missing row with not_found', () => {
    for (const kind of ['UPDATE', 'DELETE'] as const) {
      const out = mergeOp(
        ENTITIES.tasks,
        undefined,
        op('tasks', ID[1], kind, kind === 'UPDATE' ? { title: 'x' } : undefined, hlc(1)),
      );
      expect(out).toMatchObject({ kind: 'rejected', code: 'not_found' });
    }
  });

  it('checks cross-field rules against the row after the operation', () => {
    const timer = op('timers', ID[0], 'CREATE', { started_at: T0, created_at: T0, updated_at: T0 }, hlc(1));
    const row = applyAll([timer]).get(`timers/${ID[0]}`)!;
    expect(row.data.stopped_at).toBeNull();
    const early = op('timers', ID[0], 'UPDATE', { stopped_at: T0 - 1 }, hlc(2));
    expect(mergeOp(ENTITIES.timers, row, early)).toEqual({
      kind: 'rejected',
      code: 'invalid_op',
      message: 'stopped_at: must be >= started_at',
    });
    const bad = op(
      'timers',
      ID[1],
      'CREATE',
      { started_at: T0, stopped_at: T0 - 1, created_at: T0, updated_at: T0 },
      hlc(1),
    );
    expect(mergeOp(ENTITIES.timers, undefined, bad)).toMatchObject({ kind: 'rejected', code: 'invalid_op' });
    const ok = op('timers', ID[0], 'UPDATE', { stopped_at: T0 }, hlc(2));
    expect(mergeOp(ENTITIES.timers, row, ok)).toMatchObject({
      kind: 'changed',
      row: { data: { stopped_at: T0 } },
    });
  });

  it('does not mutate the current row', () => {
    const frozen = structuredClone(created);
    mergeOp(ENTITIES.tasks, created, op('tasks', ID[0], 'UPDATE', { title: 'new' }, hlc(9)));
    expect(created).toEqual(frozen);
  });
});
