import { randomUUID } from 'node:crypto';
import {
  type Change,
  type EntityData,
  type EntityName,
  formatHlc,
  type OperationKind,
} from '@selftracker/core';
import type { Clock } from './context.ts';
import type { api } from './testing/index.ts';

/**
 * Shared fixtures of the server's integration tests (not a test file itself): a hand-moved clock,
 * operation builders and a pull-to-the-end helper.
 */

export const T0 = Date.UTC(2026, 0, 1);

export interface FakeClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}
export function fakeClock(start = T0): FakeClock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(ms) {
      t = ms;
    },
  };
}

export const hlc = (wall: number, counter = 0, node = 'device-a') => formatHlc({ wall, counter, node });

export interface WireOp {
  op_id: string;
  entity: EntityName;
  entity_id: string;
  operation: OperationKind;
  data?: EntityData;
  hlc: string;
}
export function op(
  entity: EntityName,
  entity_id: string,
  operation: OperationKind,
  h: string,
  data?: EntityData,
): WireOp {
  return { op_id: randomUUID(), entity, entity_id, operation, ...(data ? { data } : {}), hlc: h };
}
export const newTask = (id: string, h: string, data: EntityData = {}) =>
  op('tasks', id, 'CREATE', h, { title: 'task', created_at: T0, updated_at: T0, ...data });

export type Client = ReturnType<typeof api>;

/** Pulls until `has_more` is false; returns every change in order and the final cursor. */
export async function pullAll(client: Client, token: string, cursor?: string, limit = 1000) {
  const changes: Change[] = [];
  let c = cursor;
  for (;;) {
    const q = new URLSearchParams({ limit: String(limit), ...(c === undefined ? {} : { cursor: c }) });
    const r = await client.pull(token, `?${q}`);
    if (r.status !== 200) throw new Error(`pull failed: ${r.status} ${JSON.stringify(r.body)}`);
    changes.push(...(r.body.changes as Change[]));
    c = r.body.cursor as string;
    if (!r.body.has_more) return { changes, cursor: c };
  }
}

/** Row states keyed by `entity/id`, later changes replacing earlier ones (what a client stores). */
export function rowsOf(changes: readonly Change[], withVersion = false) {
  const rows = new Map<string, Omit<Change, 'version'> & { version?: string }>();
  for (const ch of changes) {
    const { version, ...rest } = ch;
    rows.set(`${ch.entity}/${ch.entity_id}`, withVersion ? { ...rest, version } : rest);
  }
  return new Map([...rows].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The per-field HLC map of a stored row (the column is JSON, as jsonb or as text). */
export function parseHlcColumn(v: unknown): Record<string, string> {
  return (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, string>;
}
