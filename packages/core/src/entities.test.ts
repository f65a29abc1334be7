import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type CreateInput,
  codePointLength,
  ENTITIES,
  ENTITY_NAMES,
  getEntity,
  isUuid,
  type Patch,
  quotable,
  type Row,
  type TaskStatus,
  validateData,
  withDefaults,
} from './entities.ts';
import { validateOp } from './protocol.ts';

const T0 = Date.UTC(2026, 0, 1);
const UUID = '0193a8e2-7b1c-7c4e-8a2f-5b2a1c3d4e5f';
const HLC = '001767225600000-00000-device-1';
const task = { title: 'Write report', created_at: T0, updated_at: T0 };
const createTask = (data: unknown, extra: Record<string, unknown> = {}) =>
  validateOp({
    op_id: UUID,
    entity: 'tasks',
    entity_id: UUID,
    operation: 'CREATE',
    data,
    hlc: HLC,
    ...extra,
  });
const updateTask = (data: unknown) =>
  validateOp({ op_id: UUID, entity: 'tasks', entity_id: UUID, operation: 'UPDATE', data, hlc: HLC });
const invalid = (message: string) => ({ code: 'invalid_op', message });
const emoji = '😀'; // one code point, two UTF-16 units

describe('codePointLength', () => {
  it('counts code points, not UTF-16 units', () => {
    expect(codePointLength('')).toBe(0);
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength(emoji.repeat(3))).toBe(3);
    expect(codePointLength('\ud800x')).toBe(2); // a lone surrogate counts as one
  });

  it('agrees with the string iterator for any sequence of code points (property)', () => {
    const anyCodePoints = fc
      .array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 40 })
      .map((cps) => String.fromCodePoint(...cps));
    fc.assert(
      fc.property(anyCodePoints, (s) => {
        expect(codePointLength(s)).toBe([...s].length);
      }),
    );
  });
});

describe('registry', () => {
  it('lists the three entities, each with created_at and updated_at required', () => {
    expect(ENTITY_NAMES).toEqual(['projects', 'tasks', 'timers']);
    for (const n of ENTITY_NAMES) {
      expect(ENTITIES[n].byName.get('created_at')?.required).toBe(true);
      expect(ENTITIES[n].byName.get('updated_at')?.required).toBe(true);
    }
  });

  it('never returns a registry entry for inherited property names', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'users', '', 'Tasks']) {
      expect(getEntity(name)).toBeUndefined();
    }
    expect(getEntity('tasks')?.name).toBe('tasks');
    expect(getEntity(42)).toBeUndefined();
  });

  it('fills defaults for a CREATE', () => {
    expect(withDefaults(ENTITIES.tasks, task)).toEqual({
      ...task,
      description: null,
      status: 'todo',
      project_id: null,
      due_at: null,
    });
    expect(withDefaults(ENTITIES.projects, { name: 'p', created_at: 1, updated_at: 2 })).toEqual({
      name: 'p',
      color: null,
      archived: false,
      created_at: 1,
      updated_at: 2,
    });
  });

  it('recognises UUIDs of any version and case', () => {
    expect(isUuid(UUID)).toBe(true);
    expect(isUuid(UUID.toUpperCase())).toBe(true);
    expect(isUuid('not-a-uuid')).toBe(false);
    expect(isUuid(`${UUID}0`)).toBe(false);
    expect(isUuid(null)).toBe(false);
  });
});

describe('validateOp: data', () => {
  it('accepts a valid CREATE and returns the operation', () => {
    expect(createTask(task)).toEqual({
      op_id: UUID,
      entity: 'tasks',
      entity_id: UUID,
      operation: 'CREATE',
      data: task,
      hlc: HLC,
    });
  });

  it('counts string lengths in code points', () => {
    expect(createTask({ ...task, title: emoji.repeat(500) })).not.toHaveProperty('code');
    expect(createTask({ ...task, title: 'x'.repeat(500) })).not.toHaveProperty('code');
    expect(createTask({ ...task, title: emoji.repeat(501) })).toEqual(
      invalid('title: must be 1..500 characters'),
    );
    expect(createTask({ ...task, title: 'x'.repeat(501) })).toEqual(
      invalid('title: must be 1..500 characters'),
    );
    expect(createTask({ ...task, title: '' })).toEqual(invalid('title: must be 1..500 characters'));
    expect(updateTask({ description: emoji.repeat(10_000) })).not.toHaveProperty('code');
    expect(updateTask({ description: emoji.repeat(10_001) })).toEqual(
      invalid('description: must be 0..10000 characters'),
    );
    expect(updateTask({ description: '' })).not.toHaveProperty('code');
  });

  it('rejects NUL and unpaired surrogates', () => {
    const msg = 'title: must not contain NUL or unpaired surrogates';
    expect(updateTask({ title: 'a\u0000b' })).toEqual(invalid(msg));
    expect(updateTask({ title: 'a\ud800b' })).toEqual(invalid(msg));
    expect(updateTask({ title: '\udc00' })).toEqual(invalid(msg));
    expect(updateTask({ description: 'x\u0000' })).toMatchObject({ code: 'invalid_op' });
  });

  it('rejects unknown fields, also server metadata and prototype keys', () => {
    expect(updateTask({ colour: 'red' })).toEqual(invalid('colour: unknown field'));
    expect(updateTask({ id: UUID })).toEqual(invalid('id: unknown field'));
    expect(updateTask({ version: 1 })).toEqual(invalid('version: unknown field'));
    expect(updateTask(JSON.parse('{"__proto__": {"x": 1}}'))).toEqual(invalid('__proto__: unknown field'));
    expect(createTask(task, { owner: 'someone' })).toEqual(invalid('owner: unknown field'));
  });

  it('requires every required field on CREATE only', () => {
    expect(createTask({ created_at: T0, updated_at: T0 })).toEqual(invalid('title: required'));
    expect(createTask({ title: 't', updated_at: T0 })).toEqual(invalid('created_at: required'));
    expect(createTask({ title: 't', created_at: T0 })).toEqual(invalid('updated_at: required'));
    expect(updateTask({ status: 'done' })).not.toHaveProperty('code');
    expect(updateTask({})).not.toHaveProperty('code');
    const timer = (data: unknown) =>
      validateOp({ op_id: UUID, entity: 'timers', entity_id: UUID, operation: 'CREATE', data, hlc: HLC });
    expect(timer({ created_at: T0, updated_at: T0 })).toEqual(invalid('started_at: required'));
  });

  it.each([
    [{ status: 'blocked' }, 'status: must be one of todo, in-progress, done'],
    [{ title: 5 }, 'title: must be a string'],
    [{ title: null }, 'title: must be a string'],
    [{ due_at: 1.5 }, 'due_at: must be an integer'],
    [{ due_at: '1' }, 'due_at: must be an integer'],
    [{ due_at: 2 ** 53 }, 'due_at: must be an integer'],
    [{ updated_at: -1 }, 'updated_at: must be a non-negative ms epoch'],
    [{ project_id: 'x' }, 'project_id: must be a UUID'],
  ])('rejects a wrong type or value in tasks %j', (data, message) => {
    expect(updateTask(data)).toEqual(invalid(message));
  });

  it('accepts null for nullable fields only', () => {
    expect(updateTask({ description: null, project_id: null, due_at: null })).not.toHaveProperty('code');
    expect(updateTask({ status: null })).toMatchObject({ code: 'invalid_op' });
  });

  it('checks projects and timers fields', () => {
    const project = (data: unknown) =>
      validateOp({ op_id: UUID, entity: 'projects', entity_id: UUID, operation: 'UPDATE', data, hlc: HLC });
    expect(project({ color: '#a1B2c3' })).not.toHaveProperty('code');
    expect(project({ color: 'red' })).toEqual(invalid('color: must be a #rrggbb colour'));
    expect(project({ archived: 'yes' })).toEqual(invalid('archived: must be a boolean'));
    expect(project({ name: 'n'.repeat(201) })).toEqual(invalid('name: must be 1..200 characters'));
    const timer = (data: unknown) =>
      validateOp({ op_id: UUID, entity: 'timers', entity_id: UUID, operation: 'UPDATE', data, hlc: HLC });
    expect(timer({ note: 'n'.repeat(1001) })).toEqual(invalid('note: must be 0..1000 characters'));
    expect(timer({ started_at: -5 })).toMatchObject({ code: 'invalid_op' });
  });
});

describe('validateOp: envelope of one operation', () => {
  const good = { op_id: UUID, entity: 'tasks', entity_id: UUID, operation: 'DELETE', hlc: HLC };
  it.each([
    [{ ...good, op_id: 'op-1' }, 'op_id: must be a UUID'],
    [{ ...good, entity: 'users' }, 'entity: must be one of projects, tasks, timers'],
    [{ ...good, entity: '__proto__' }, 'entity: must be one of projects, tasks, timers'],
    [{ ...good, entity_id: 'x' }, 'entity_id: must be a UUID'],
    [{ ...good, operation: 'UPSERT' }, 'operation: must be CREATE, UPDATE or DELETE'],
    [{ ...good, operation: 'delete' }, 'operation: must be CREATE, UPDATE or DELETE'],
    [{ ...good, hlc: undefined }, 'hlc: missing or malformed (want <wall:15>-<counter:5>-<node>)'],
    [{ ...good, hlc: '1764000000000-0-x' }, 'hlc: missing or malformed (want <wall:15>-<counter:5>-<node>)'],
    [{ ...good, data: {} }, 'data: a DELETE carries no data'],
    [{ ...good, operation: 'UPDATE' }, 'data: must be an object'],
    [{ ...good, operation: 'UPDATE', data: [] }, 'data: must be an object'],
    [{ ...good, extra: 1 }, 'extra: unknown field'],
  ])('rejects %j', (raw, message) => {
    expect(validateOp(raw as Record<string, unknown>)).toEqual(invalid(message));
  });

  it('accepts a DELETE without data (or with data null)', () => {
    expect(validateOp(good)).toEqual(good);
    expect(validateOp({ ...good, data: null })).toEqual(good);
  });
});

describe('field predicates (the validation fast path)', () => {
  const fieldValue = fc.oneof(
    fc.jsonValue(),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ minLength: 195, maxLength: 1100 }),
    fc.constantFrom(
      '',
      'todo',
      'done',
      'in-progress',
      'TODO',
      '#a0B1c2',
      '#a0b1c',
      'a\u0000b',
      '\ud800',
      UUID,
    ),
    fc.integer({ min: -5, max: 5 }),
    fc.constantFrom(T0, -1, 0.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Infinity),
    fc.uuid(),
    fc.constantFrom(true, false, null, undefined),
  );

  it('accept exactly what the Zod schema of every field accepts (property)', () => {
    const fields = ENTITY_NAMES.flatMap((n) => ENTITIES[n].fields);
    fc.assert(
      fc.property(fc.constantFrom(...fields), fieldValue, (f, v) => {
        expect(f.accepts(v), `${f.name} ${JSON.stringify(v)}`).toBe(f.schema.safeParse(v).success);
      }),
      { numRuns: 5000 },
    );
  });

  it('make validateData agree with the strict object schemas for whole CREATE and UPDATE data (property)', () => {
    const data = fc.dictionary(
      fc.oneof(
        fc.constantFrom(...ENTITY_NAMES.flatMap((n) => ENTITIES[n].fieldNames)),
        fc.string({ maxLength: 4 }),
      ),
      fieldValue,
      { maxKeys: 8 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...ENTITY_NAMES),
        fc.constantFrom('create', 'update'),
        data,
        (name, mode, d) => {
          const spec = ENTITIES[name];
          // The rule as one Zod object: required fields required on CREATE, the rest optional, nothing else.
          const schema = z.strictObject(
            Object.fromEntries(
              spec.fields.map((f) => [
                f.name,
                mode === 'create' && f.required ? f.schema : f.schema.optional(),
              ]),
            ),
          );
          expect(validateData(spec, d, mode as 'create' | 'update') === null, JSON.stringify(d)).toBe(
            schema.safeParse(d).success,
          );
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('quotable (names from a request inside stored messages)', () => {
  it('keeps ordinary names, drops NUL and lone surrogates, cuts long names without splitting a pair', () => {
    expect(quotable('owner')).toBe('owner');
    expect(quotable('a\u0000b')).toBe('a\ufffdb');
    expect(quotable('x\ud800')).toBe('x\ufffd');
    expect(quotable('k'.repeat(150))).toBe(`${'k'.repeat(100)}…`);
    const pairAtCut = `${'k'.repeat(99)}😀${'k'.repeat(10)}`;
    expect(quotable(pairAtCut)).toBe(`${'k'.repeat(99)}…`);
    expect(quotable(pairAtCut).isWellFormed()).toBe(true);
  });
});

describe('row types inferred from the registry', () => {
  it('type every field of a row as the registry declares it (nullable fields may be null)', () => {
    expectTypeOf<Row<'tasks'>>().toEqualTypeOf<{
      id: string;
      title: string;
      description: string | null;
      status: TaskStatus;
      project_id: string | null;
      due_at: number | null;
      created_at: number;
      updated_at: number;
    }>();
    expectTypeOf<Row<'projects'>['archived']>().toEqualTypeOf<boolean>();
    expectTypeOf<Row<'timers'>['stopped_at']>().toEqualTypeOf<number | null>();
    // The static type and the runtime registry name the same fields, in the same order.
    const row: Row<'timers'> = {
      id: UUID,
      task_id: null,
      project_id: null,
      note: null,
      started_at: T0,
      stopped_at: null,
      created_at: T0,
      updated_at: T0,
    };
    expect(Object.keys(row).slice(1)).toEqual(ENTITIES.timers.fieldNames);
  });

  it('require exactly the required fields on create, and refuse created_at in a patch', () => {
    expectTypeOf<CreateInput<'tasks'>>().toEqualTypeOf<{
      title: string;
      description?: string | null;
      status?: TaskStatus;
      project_id?: string | null;
      due_at?: number | null;
      created_at?: number;
      updated_at?: number;
    }>();
    expectTypeOf<CreateInput<'timers'>['started_at']>().toEqualTypeOf<number>();
    expectTypeOf<Patch<'projects'>>().toEqualTypeOf<{
      name?: string;
      color?: string | null;
      archived?: boolean;
      updated_at?: number;
    }>();
    // @ts-expect-error: a task needs a title
    const noTitle: CreateInput<'tasks'> = { status: 'done' };
    // @ts-expect-error: not a status
    const badStatus: Patch<'tasks'> = { status: 'later' };
    // @ts-expect-error: created_at cannot be changed
    const moved: Patch<'tasks'> = { created_at: T0 };
    expect(validateData(ENTITIES.tasks, { ...noTitle, ...task }, 'create')).toBeNull();
    expect(validateData(ENTITIES.tasks, badStatus, 'update')).toMatch(/^status:/);
    expect(moved).toEqual({ created_at: T0 });
    const required = ENTITIES.tasks.fields.filter((f) => f.required).map((f) => f.name);
    expect(required).toEqual(['title', 'created_at', 'updated_at']);
  });
});
