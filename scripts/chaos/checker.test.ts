/** The chaos checker catches what it is there to catch: each violation on a small hand-made history. */
import { ENTITY_NAMES } from '@selftracker/core';
import { describe, expect, it } from 'vitest';
import {
  type Checksums,
  checkHistory,
  type FinalState,
  type LoggedWrite,
  type PushResult,
  type RowMap,
} from './checker.ts';
import { explain } from './history.ts';

const U = 'user-a';
const T1 = '01900000-0000-7000-8000-000000000001';
const hlc = (wall: number, node = 'c1') => `${String(wall).padStart(15, '0')}-00000-${node}`;
const sums = Object.fromEntries(
  ENTITY_NAMES.map((e) => [e, { count: 0, checksum: '00000000' }]),
) as Checksums;

let seq = 0;
function write(
  client: number,
  operation: LoggedWrite['operation'],
  data: LoggedWrite['data'],
  wall: number,
): LoggedWrite {
  seq++;
  return {
    client,
    user: U,
    seq,
    op_id: `op-${seq}`,
    entity: 'tasks',
    entity_id: T1,
    operation,
    data,
    hlc: hlc(wall, `c${client}`),
    at: wall,
  };
}

const created = { title: 'a', created_at: 1, updated_at: 1 };
const full = (over: Record<string, unknown>) => ({
  title: 'a',
  description: null,
  status: 'todo',
  project_id: null,
  due_at: null,
  created_at: 1,
  updated_at: 1,
  ...over,
});

function final(rows: RowMap, ledger: string[], clientRows: RowMap = rows): FinalState {
  return {
    server: new Map([[U, { rows, checksums: sums, ledger: new Set(ledger) }]]),
    clients: [{ index: 1, user: U, rows: clientRows, pending: 0, checksums: sums }],
  };
}
const acks = (ws: LoggedWrite[], status: PushResult['status'] = 'applied'): PushResult[] =>
  ws.map((w) => ({ client: w.client, t: w.at + 1, op_id: w.op_id, status }));
const key = `tasks:${T1}`;

describe('chaos checker', () => {
  const c = write(1, 'CREATE', created, 1000);
  const late = write(2, 'UPDATE', { title: 'late', updated_at: 3000 }, 3000);
  const early = write(1, 'UPDATE', { title: 'early', updated_at: 2000 }, 2000);
  const writes = [c, late, early];
  const ids = writes.map((w) => w.op_id);
  const good = new Map([[key, { deleted: false, data: full({ title: 'late', updated_at: 3000 }) }]]);

  it('passes a history the server followed, whatever order the writes arrived in', () => {
    expect(checkHistory(writes, acks(writes), final(good, ids))).toEqual([]);
  });

  it('finds the older write winning (LWW register)', () => {
    const wrong = new Map([[key, { deleted: false, data: full({ title: 'early', updated_at: 2000 }) }]]);
    const v = checkHistory(writes, acks(writes), final(wrong, ids));
    expect(v.map((x) => x.check)).toEqual(['lww-register']);
    expect(v[0]!.message).toContain('title is "early", the newest write says "late"');
  });

  it('finds an acknowledged write the server lost', () => {
    const v = checkHistory(writes, acks(writes), final(good, [c.op_id, late.op_id]));
    expect(v.map((x) => x.check)).toEqual(['committed-write-delivered', 'acknowledged-kept']);
  });

  it('finds a deleted row back, and an operation applied twice', () => {
    const del = write(2, 'DELETE', null, 4000);
    const all = [...writes, del];
    const v = checkHistory(all, [...acks(all), ...acks([del])], final(good, [...ids, del.op_id]));
    expect(v.map((x) => x.check).sort()).toEqual(['applied-once', 'deleted-stays-deleted']);
  });

  it('finds a replica that differs from the server, and a clock that went back', () => {
    // Written after the CREATE on the same device but stamped before it: it loses to the CREATE's default.
    const behind = write(1, 'UPDATE', { status: 'done', updated_at: 500 }, 500);
    const all = [...writes, behind];
    const stale = new Map([
      [key, { deleted: false, data: full({ title: 'late', status: 'done', updated_at: 3000 }) }],
    ]);
    const v = checkHistory(
      all,
      acks(all),
      final(
        good,
        all.map((w) => w.op_id),
        stale,
      ),
    );
    expect(v.map((x) => x.check).sort()).toEqual(['hlc-monotonic', 'replica-equals-server']);
  });

  it('shows the offending row’s history in time order', () => {
    const [v] = checkHistory(writes, acks(writes), final(new Map(), ids));
    const lines = explain(v!, writes, acks(writes), [{ t: 1500, c: 2, ev: 'kill-client' }], 0);
    expect(lines.map((l) => l.split(' ').filter(Boolean).slice(1, 3).join(' '))).toEqual([
      'c1 CREATE',
      'c1 ack',
      'nemesis kill-client',
      'c1 UPDATE',
      'c1 ack',
      'c2 UPDATE',
      'c2 ack',
    ]);
  });
});
