/** Reading what a chaos run recorded (client SQLite files and JSON-lines logs), and showing it filtered by row. */
import { existsSync, readFileSync } from 'node:fs';
import { ENTITIES, ENTITY_NAMES, type EntityData, type EntityName } from '@selftracker/core';
import Database from 'better-sqlite3';
import { type LoggedWrite, type PushResult, type RowMap, rowKey, type Violation } from './checker.ts';

/** One line of a client's or the controller's log. */
export interface LogEvent {
  t: number;
  c?: number;
  ev: string;
  [k: string]: unknown;
}

/** Reads a JSON-lines file; a line cut short by a SIGKILL is skipped. */
export function readJsonl(file: string): LogEvent[] {
  if (!existsSync(file)) return [];
  const out: LogEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogEvent);
    } catch {
      // the last line of a killed process
    }
  }
  return out;
}

/** The per-operation push results a client log holds. */
export function pushResults(events: readonly LogEvent[]): PushResult[] {
  return events.flatMap((e) =>
    e.ev === 'push'
      ? (e.results as [string, PushResult['status'], string?][]).map(([op_id, status, code]) => ({
          client: e.c!,
          t: e.t,
          op_id,
          status,
          ...(code ? { code } : {}),
        }))
      : [],
  );
}

/** A closed client's SQLite file: its committed writes (`chaos_log`), rows (tombstones included) and outbox size. */
export function readClientFile(
  file: string,
  client: number,
  user: string,
): { writes: LoggedWrite[]; rows: RowMap; pending: number } {
  const db = new Database(file, { readonly: true });
  try {
    const writes = (
      db.prepare('SELECT * FROM chaos_log ORDER BY seq').all() as Record<string, unknown>[]
    ).map(
      (r) =>
        ({
          client,
          user,
          seq: Number(r.seq),
          op_id: String(r.op_id),
          entity: r.entity as EntityName,
          entity_id: String(r.entity_id),
          operation: r.operation as LoggedWrite['operation'],
          data: r.data === null ? null : (JSON.parse(String(r.data)) as EntityData),
          hlc: String(r.hlc),
          at: Number(r.created_at),
        }) satisfies LoggedWrite,
    );
    const rows: RowMap = new Map();
    for (const e of ENTITY_NAMES) {
      const spec = ENTITIES[e];
      for (const r of db.prepare(`SELECT * FROM ${e}`).all() as Record<string, unknown>[]) {
        const deleted = Boolean(r.deleted);
        const data: EntityData = {};
        for (const f of spec.fields) {
          const v = r[f.name];
          data[f.name] =
            v === null || v === undefined
              ? null
              : f.kind === 'boolean'
                ? Boolean(v)
                : typeof v === 'bigint'
                  ? Number(v)
                  : (v as string | number);
        }
        rows.set(rowKey(e, String(r.id)), { deleted, data: deleted ? null : data });
      }
    }
    const { n } = db.prepare('SELECT count(*) AS n FROM sync_queue').get() as { n: number };
    return { writes, rows, pending: Number(n) };
  } finally {
    db.close();
  }
}

/**
 * The shortest history that shows a violation: every write to its rows and every result for those writes, plus
 * what the controller did to the clients that wrote them (kills, partitions, offline spells), in time order.
 */
export function explain(
  v: Violation,
  writes: readonly LoggedWrite[],
  results: readonly PushResult[],
  controller: readonly LogEvent[],
  start: number,
): string[] {
  const keys = new Set(v.keys.slice(0, 3));
  if (keys.size === 0) return [];
  const mine = writes.filter((w) => keys.has(rowKey(w.entity, w.entity_id)));
  const ops = new Map(mine.map((w) => [w.op_id, w]));
  const clients = new Set(mine.map((w) => w.client));
  const first = Math.min(...mine.map((w) => w.at));
  const last = Math.max(...mine.map((w) => w.at), ...results.filter((r) => ops.has(r.op_id)).map((r) => r.t));
  const ts = (t: number) => `+${((t - start) / 1000).toFixed(3)}s`.padStart(10);
  const lines: [number, string][] = [
    ...mine.map((w): [number, string] => [
      w.at,
      `${ts(w.at)} c${w.client} ${w.operation} ${w.entity}:${w.entity_id.slice(-12)} hlc=${w.hlc} op=${w.op_id}${
        w.data ? ` ${JSON.stringify(w.data)}` : ''
      }`,
    ]),
    ...results
      .filter((r) => ops.has(r.op_id))
      .map((r): [number, string] => [
        r.t,
        `${ts(r.t)} c${r.client} ack ${r.status}${r.code ? ` (${r.code})` : ''} op=${r.op_id}`,
      ]),
    ...controller
      .filter(
        (e) =>
          e.t >= first - 5000 &&
          e.t <= last + 1000 &&
          (e.c === undefined ? e.ev.includes('instance') || e.ev.includes('pg') : clients.has(e.c)),
      )
      .map((e): [number, string] => [
        e.t,
        `${ts(e.t)} nemesis ${e.ev}${e.c !== undefined ? ` c${e.c}` : ''}${e.i !== undefined ? ` i${e.i}` : ''}`,
      ]),
  ];
  return lines.sort((a, b) => a[0] - b[0]).map(([, l]) => l);
}
