import {
  type AuthResponse,
  type Change,
  type ChecksumResponse,
  createChecksums,
  ENTITIES,
  ENTITY_NAMES,
  type EntityName,
  formatHlc,
  type HlcClock,
  MAX_BODY_BYTES,
  MAX_OPS_PER_PUSH,
  type PullResponse,
  type PushResponse,
} from '@selftracker/core';
import type { SqliteDriver, SqliteExecutor } from './driver.ts';
import { ClientError } from './errors.ts';
import {
  decodeRow,
  type LocalRow,
  pendingFor,
  type QueuedOp,
  readQueue,
  rebase,
  removeRow,
  writeRow,
  writeRows,
} from './local-store.ts';
import { getState, getStates, setState } from './sync-state.ts';
import { errorFromResponse, type HttpResult, type Transport } from './transport.ts';

/** Rows per pull page: the protocol's maximum, so a fresh device needs few round trips. */
const PULL_LIMIT = 5000;
const VERIFY_EVERY_MS = 10 * 60_000;
/** Outbox rows removed per DELETE (well under SQLite's bound-parameter limit). */
const DELETE_CHUNK = 500;

export interface SyncReport {
  pushed: number;
  /** Checksums were compared with the server's this round (see `Syncer.verify`). */
  verified: boolean;
  rejected: { op_id: string; entity: string; entity_id: string; code: string; message: string }[];
  pulled: number;
  resynced: EntityName[];
  reset: boolean;
}

/**
 * One sync round over the protocol: push the outbox in batches, pull pages with rebase, verify checksums.
 * Stateless between rounds except for what it keeps in SQLite; the engine's scheduler decides when to run it.
 */
export class Syncer {
  /** Batch size for the next push: shrinks to 1 to isolate an operation the server fails on. */
  #batch = MAX_OPS_PER_PUSH;
  /**
   * Rows (`entity:id`) of operations the server acknowledged this round that have not come back in a pull yet.
   * One left after the round's pull got no version: its operation lost on every field (or changed nothing),
   * so this device may hold a value the server does not. Only then is a checksum comparison worth its scans.
   */
  #unechoed = new Set<string>();
  /** This round's pull started from the beginning: it read the server's whole state. */
  #fullPull = false;
  /** An earlier round had acknowledgements and ended before confirming they all came back. */
  #dueBefore = false;

  constructor(
    private readonly driver: SqliteDriver,
    private readonly transport: Transport,
    /**
     * This device's HLC: it moves past the walls rows from the server show, and it is stored with every
     * acknowledgement and pulled page, in their transaction, so after a crash it restarts past every write that
     * left the outbox and every wall a stored row shows.
     */
    private readonly clock: HlcClock,
    private readonly hooks: { committed(tables: readonly EntityName[]): void },
  ) {}

  /** An authenticated request: refreshes the access token once on 401, then asks the user to sign in. */
  async authed<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<HttpResult<T>> {
    const token = await getState(this.driver, 'access_token');
    if (!token) throw new ClientError('unauthorized', 'not signed in');
    let r = await this.transport.request<T>(method, path, { body, token });
    if (r.status === 401) {
      const fresh = await this.refresh();
      r = await this.transport.request<T>(method, path, { body, token: fresh });
      if (r.status === 401)
        throw new ClientError('unauthorized', 'the server no longer accepts this session: sign in again');
    }
    return r;
  }

  async refresh(): Promise<string> {
    const refresh_token = await getState(this.driver, 'refresh_token');
    if (!refresh_token) throw new ClientError('unauthorized', 'not signed in');
    const r = await this.transport.request<AuthResponse>('POST', '/v1/auth/refresh', {
      body: { refresh_token },
    });
    if (r.status === 401) {
      await setState(this.driver, { access_token: null, refresh_token: null });
      throw new ClientError('unauthorized', 'your session has expired: sign in again');
    }
    if (r.status !== 200) throw errorFromResponse(r);
    await setState(this.driver, { access_token: r.body.access_token, refresh_token: r.body.refresh_token });
    return r.body.access_token;
  }

  async round(): Promise<SyncReport> {
    const report: SyncReport = {
      pushed: 0,
      verified: false,
      rejected: [],
      pulled: 0,
      resynced: [],
      reset: false,
    };
    this.#unechoed.clear();
    this.#fullPull = false;
    this.#dueBefore = (await getState(this.driver, 'verify_due')) !== undefined;
    await this.push(report);
    await this.pull(report, undefined);
    await this.verify(report);
    await setState(this.driver, { last_sync_at: String(Date.now()) });
    return report;
  }

  async push(report: SyncReport): Promise<void> {
    const clientId = (await getState(this.driver, 'client_id'))!;
    for (;;) {
      const ops = fitBody(await readQueue(this.driver, this.#batch));
      if (ops.length === 0) return;
      const body = {
        client_id: clientId,
        ops: ops.map((o) => ({
          op_id: o.op_id,
          entity: o.entity,
          entity_id: o.entity_id,
          operation: o.operation,
          ...(o.data ? { data: o.data } : {}),
          hlc: o.hlc,
        })),
      };
      let r: HttpResult<PushResponse>;
      try {
        r = await this.authed<PushResponse>('POST', '/v1/sync/push', body);
        if (r.status !== 200) throw errorFromResponse(r);
      } catch (e: unknown) {
        await this.#noteFailure(ops, e);
        throw e;
      }
      this.#batch = MAX_OPS_PER_PUSH;
      // The rows of rejections are stored as the server has them: the clock moves past their walls first.
      this.#see(
        r.body.results.flatMap((x) => (x.status === 'rejected' && x.row ? [x.row] : [])),
        r.headers,
      );
      await this.#applyResults(ops, r.body, report);
      report.pushed += ops.length;
    }
  }

  async #noteFailure(ops: QueuedOp[], e: unknown): Promise<void> {
    const err = e instanceof Error ? e.message : String(e);
    if (ClientError.is(e, 'server') || ClientError.is(e, 'rejected')) {
      // The server failed on this batch: count it against the first op and isolate it in its own batch.
      const first = ops[0]!;
      await this.driver.exec('UPDATE sync_queue SET attempts = attempts + 1, last_error = ? WHERE seq = ?', [
        err,
        first.seq,
      ]);
      this.#batch = 1;
    } else {
      await this.driver.exec(
        `UPDATE sync_queue SET last_error = ? WHERE seq IN (${ops.map(() => '?').join(',')})`,
        [err, ...ops.map((o) => o.seq)],
      );
    }
  }

  async #applyResults(ops: QueuedOp[], res: PushResponse, report: SyncReport): Promise<void> {
    const byId = new Map(ops.map((o) => [o.op_id, o]));
    const touched = new Set<EntityName>();
    await this.driver.transaction(async (tx) => {
      // Acknowledged operations leave the outbox in multi-row deletes, in result order: everything up to a
      // rejection is gone before that rejection's row is rebuilt from the server's row and what is still pending.
      let done: number[] = [];
      const flush = async () => {
        for (let i = 0; i < done.length; i += DELETE_CHUNK) {
          const seqs = done.slice(i, i + DELETE_CHUNK);
          await tx.exec(`DELETE FROM sync_queue WHERE seq IN (${seqs.map(() => '?').join(',')})`, seqs);
        }
        done = [];
      };
      for (const result of res.results) {
        const op = byId.get(result.op_id);
        if (!op) continue;
        done.push(op.seq);
        if (result.status !== 'rejected') {
          this.#unechoed.add(`${op.entity}:${op.entity_id}`);
          continue;
        }
        await flush();
        report.rejected.push({
          op_id: op.op_id,
          entity: op.entity,
          entity_id: op.entity_id,
          ...result.error,
        });
        // Restore the server's truth at once, with what is still pending re-applied on top.
        const server = result.row ? changeToRow(result.row) : undefined;
        await this.#store(tx, op.entity, op.entity_id, server, await pendingFor(tx, op.entity, op.entity_id));
        touched.add(op.entity);
      }
      await flush();
      await setState(tx, { verify_due: '1', ...this.#clockState(ops) });
    });
    if (touched.size) this.hooks.committed([...touched]);
  }

  async #store(
    tx: SqliteExecutor,
    entity: EntityName,
    id: string,
    server: LocalRow | undefined,
    pending: QueuedOp[],
  ) {
    const row = rebase(ENTITIES[entity], server, pending);
    if (row) await writeRow(tx, entity, row);
    else await removeRow(tx, entity, id);
  }

  /** Pulls every page after the stored cursor (or from the start), applying each page in one transaction. */
  async pull(report: SyncReport, only: EntityName | undefined): Promise<void> {
    let cursor = only ? undefined : await getState(this.driver, 'cursor');
    if (!only && !cursor) this.#fullPull = true;
    for (;;) {
      const q = `?limit=${PULL_LIMIT}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const r = await this.authed<PullResponse>('GET', `/v1/sync/pull${q}`);
      if (r.status === 410 && !only) {
        await this.#reset();
        report.reset = true;
        cursor = undefined;
        this.#fullPull = true;
        continue;
      }
      if (r.status !== 200) throw errorFromResponse(r);
      const page = r.body;
      const touched = new Set<EntityName>();
      this.#see(page.changes, r.headers);
      await this.driver.transaction(async (tx) => {
        const pending = await pendingByRow(tx);
        const writes = new Map<EntityName, LocalRow[]>();
        for (const c of page.changes) {
          if (only && c.entity !== only) continue;
          if (!ENTITIES[c.entity]) continue; // an entity this client does not know yet
          touched.add(c.entity);
          this.#unechoed.delete(`${c.entity}:${c.entity_id}`);
          const mine = pending.get(`${c.entity}:${c.entity_id}`);
          const row = mine ? rebase(ENTITIES[c.entity], changeToRow(c), mine) : changeToRow(c);
          if (!row) await removeRow(tx, c.entity, c.entity_id);
          else {
            const list = writes.get(c.entity) ?? [];
            writes.set(c.entity, list);
            list.push(row);
          }
        }
        for (const [entity, rows] of writes) await writeRows(tx, entity, rows);
        const last = page.changes.at(-1);
        await setState(tx, {
          ...(only ? {} : { cursor: page.cursor, ...(last ? { cursor_version: last.version } : {}) }),
          ...this.#clockState(),
        });
      });
      report.pulled += page.changes.length;
      if (touched.size) this.hooks.committed([...touched]);
      cursor = page.cursor;
      if (!page.has_more) return;
    }
  }

  /** Moves the clock past the highest wall these rows from the server (and the answer's `Date`) show. */
  #see(changes: readonly Change[], headers: Headers): void {
    const wall = wallSeen(changes, headers);
    if (wall !== undefined) this.clock.receive(formatHlc({ wall, counter: 0, node: 'seen' }));
  }

  /** The clock to store: its current value, or a newer HLC of acknowledged operations (written by another process). */
  #clockState(acked: readonly QueuedOp[] = []): { hlc: string } {
    let hlc = formatHlc(this.clock.peek());
    for (const o of acked) if (o.hlc > hlc) hlc = o.hlc;
    return { hlc };
  }

  /** 410: forget the synced state (the outbox stays) and start over from the beginning. */
  async #reset(): Promise<void> {
    await this.driver.transaction(async (tx) => {
      for (const e of ENTITY_NAMES) {
        await tx.exec(
          `DELETE FROM ${e} WHERE id NOT IN (SELECT entity_id FROM sync_queue WHERE entity = '${e}')`,
        );
      }
      await setState(tx, { cursor: null, cursor_version: null });
    });
    this.hooks.committed(ENTITY_NAMES);
  }

  /**
   * With an empty outbox and the cursor at the server's version, compares checksums and resyncs what drifted.
   * Checksums cost a full scan on both sides, so they run only where drift is possible: an acknowledged
   * operation whose row did not come back in this round's pull (it lost on every field and got no version,
   * PROTOCOL.md), and at least every 10 minutes as a safety net. A round whose pull read everything from the
   * beginning counts as a check.
   */
  async verify(report: SyncReport): Promise<void> {
    const [{ n }] = (await this.driver.query<{ n: number }>('SELECT count(*) AS n FROM sync_queue')) as [
      { n: number },
    ];
    if (n > 0) return;
    const lastAt = Number((await getState(this.driver, 'last_checksum_at')) ?? 0);
    if (this.#unechoed.size === 0 && !this.#dueBefore) {
      if (this.#fullPull) {
        await setState(this.driver, {
          last_checksum: 'ok (full pull)',
          last_checksum_at: String(Date.now()),
          verify_due: null,
        });
        return;
      }
      // Every row this round's push acknowledged came back with a version (a round that pushed nothing set nothing).
      if (report.pushed > 0) await setState(this.driver, { verify_due: null });
      if (Date.now() - lastAt < VERIFY_EVERY_MS) return;
    }
    const r = await this.authed<ChecksumResponse>('GET', '/v1/sync/checksum');
    if (r.status !== 200) throw errorFromResponse(r);
    const state = await getStates(this.driver);
    if ((state.cursor_version ?? '0') !== r.body.version) return; // someone wrote meanwhile: next round
    report.verified = true;
    const local = await localChecksums(this.driver);
    const drifted = ENTITY_NAMES.filter(
      (e) => local[e].checksum !== r.body.entities[e].checksum || local[e].count !== r.body.entities[e].count,
    );
    for (const e of drifted) {
      await this.driver.exec(
        `DELETE FROM ${e} WHERE id NOT IN (SELECT entity_id FROM sync_queue WHERE entity = '${e}')`,
      );
      await this.pull(report, e);
      report.resynced.push(e);
    }
    await setState(this.driver, {
      last_checksum: drifted.length ? `resynced ${drifted.join(', ')}` : 'ok',
      last_checksum_at: String(Date.now()),
      verify_due: null,
    });
  }
}

/** Server clock tolerance for client HLCs (PROTOCOL.md "Hybrid logical clock"). */
const SERVER_MAX_AHEAD_MS = 60_000;

/**
 * The highest wall time a pull page shows (PROTOCOL.md: the clock advances on every pull to the "highest
 * wall seen"). Pulls carry no HLCs, so the walls are the response's `Date` (the end of that second: the
 * server had committed nothing stamped later by a correct clock) and the rows' `created_at`/`updated_at`
 * (set by their writers from the clock they wrote with; +1 so our next write orders after theirs).
 * Without this a device whose clock is behind loses every edit it makes to rows it pulled: its HLC orders
 * the edit before the write it replaced. A wall more than the server's own tolerance ahead of the
 * server's time is capped there, so one fast clock does not drag every device into the future.
 */
function wallSeen(changes: readonly Change[], headers: Headers): number | undefined {
  const date = Date.parse(headers.get('date') ?? '');
  let wall = Number.isFinite(date) ? date + 1000 : undefined;
  for (const c of changes) {
    for (const k of ['created_at', 'updated_at']) {
      const v = c.data?.[k];
      if (typeof v === 'number' && Number.isSafeInteger(v) && (wall === undefined || v + 1 > wall))
        wall = v + 1;
    }
  }
  if (wall !== undefined && Number.isFinite(date)) wall = Math.min(wall, date + 1000 + SERVER_MAX_AHEAD_MS);
  return wall;
}

function changeToRow(c: Change): LocalRow {
  return c.deleted
    ? { id: c.entity_id, deleted: true, data: {} }
    : { id: c.entity_id, deleted: false, data: c.data ?? {} };
}

async function pendingByRow(tx: SqliteExecutor): Promise<Map<string, QueuedOp[]>> {
  const map = new Map<string, QueuedOp[]>();
  const [{ n }] = (await tx.query<{ n: number }>('SELECT count(*) AS n FROM sync_queue')) as [{ n: number }];
  if (n === 0) return map;
  for (const op of await readQueue(tx, Number.MAX_SAFE_INTEGER)) {
    const key = `${op.entity}:${op.entity_id}`;
    const list = map.get(key);
    if (list) list.push(op);
    else map.set(key, [op]);
  }
  return map;
}

/** Keeps a batch under the body limit (with room for the envelope). */
function fitBody(ops: QueuedOp[]): QueuedOp[] {
  let size = 1024;
  for (let i = 0; i < ops.length; i++) {
    size += JSON.stringify(ops[i]).length * 3 + 200;
    if (size > MAX_BODY_BYTES && i > 0) return ops.slice(0, i);
  }
  return ops;
}

/** The same figures the server computes (PROTOCOL.md "Checksums"), over local rows including tombstones. */
export async function localChecksums(db: SqliteExecutor) {
  const sums = createChecksums();
  for (const e of ENTITY_NAMES) {
    const spec = ENTITIES[e];
    for (const r of await db.query<Record<string, unknown>>(`SELECT * FROM ${e}`)) {
      const row = decodeRow(spec, r);
      sums[e].add(row.id, row.deleted, row.deleted ? null : row.data);
    }
  }
  return sums;
}
