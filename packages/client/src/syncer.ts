import {
  type Change,
  type ChecksumResponse,
  ENTITIES,
  ENTITY_NAMES,
  type EntityName,
  formatHlc,
  type HlcClock,
  MAX_OPS_PER_PUSH,
  type PullResponse,
  type PushResponse,
} from '@selftracker/core';
import type { ChangedRow } from './change-events.ts';
import type { SqliteDriver, SqliteExecutor } from './driver.ts';
import { ClientError } from './errors.ts';
import {
  type LocalRow,
  pendingFor,
  type QueuedOp,
  readQueue,
  rebase,
  removeRow,
  writeRow,
  writeRows,
} from './local-store.ts';
import { recordVersions, reofferNewer, type Stamp, sweepOrReoffer, versionAbove } from './reoffer.ts';
import { Session } from './session.ts';
import type { RoundStage } from './sync-machine.ts';
import {
  changeToRow,
  DELETE_CHUNK,
  fitBody,
  localChecksums,
  parseEntities,
  pendingByRow,
  wallSeen,
} from './sync-rows.ts';
import { getState, getStates, setState } from './sync-state.ts';
import { databaseTokenStore, type TokenStore } from './token-store.ts';
import { errorFromResponse, type HttpResult, type Transport } from './transport.ts';

/** Rows per pull page: the protocol's maximum, so a fresh device needs few round trips. */
const PULL_LIMIT = 5000;
const VERIFY_EVERY_MS = 10 * 60_000;

export interface SyncReport {
  pushed: number;
  /** Checksums were compared with the server's this round (see `Syncer.verify`). */
  verified: boolean;
  rejected: { op_id: string; entity: string; entity_id: string; code: string; message: string }[];
  pulled: number;
  resynced: EntityName[];
  reset: boolean;
  /** Rows a full resync found at a version the server no longer has (a restored server), queued again. */
  reoffered: number;
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
  /**
   * Whether this round's last push answer carried a pull page: `done` when it held everything after the cursor
   * (the round's pull is then skipped), `more` when more pages follow, `no` without one.
   */
  #pulled: 'no' | 'more' | 'done' = 'no';
  /** An earlier round had acknowledgements and ended before confirming they all came back. */
  #dueBefore = false;
  /** The signed-in session's requests (shared with the engine's account calls: one refresh at a time). */
  readonly session: Session;

  constructor(
    private readonly driver: SqliteDriver,
    readonly transport: Transport,
    /**
     * This device's HLC: it moves past the walls rows from the server show, and it is stored with every
     * acknowledgement and pulled page, in their transaction, so after a crash it restarts past every write that
     * left the outbox and every wall a stored row shows.
     */
    private readonly clock: HlcClock,
    /** The engine's injected time (the syncer never reads the system clock). */
    private readonly now: () => number,
    /** After each commit of a round: the tables it touched and, where known, the rows as they now are. */
    private readonly hooks: { committed(tables: readonly EntityName[], rows?: readonly ChangedRow[]): void },
    tokens: TokenStore = databaseTokenStore(driver),
  ) {
    this.session = new Session(tokens, transport);
  }

  /** One round; `stage` hears when it moves on to pulling and verifying (for the sync machine's named states). */
  async round(stage: (s: RoundStage) => void = () => {}): Promise<SyncReport> {
    const report: SyncReport = {
      pushed: 0,
      verified: false,
      rejected: [],
      pulled: 0,
      resynced: [],
      reset: false,
      reoffered: 0,
    };
    this.#unechoed.clear();
    this.#fullPull = false;
    this.#pulled = 'no';
    this.#dueBefore = (await getState(this.driver, 'verify_due')) !== undefined;
    stage('pushing');
    await this.push(report);
    stage('pulling');
    // A resync a crash or a lost connection cut short starts over (its old rows stayed visible meanwhile).
    const unfinished = await getState(this.driver, 'resync');
    if (unfinished) await this.#resync(report, unfinished === 'all' ? 'all' : parseEntities(unfinished));
    else await this.pull(report);
    stage('verifying');
    await this.verify(report);
    await setState(this.driver, { last_sync_at: String(this.now()) });
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
      // From a stored cursor (no resync under way), the answer also carries the pull page after it: a round that
      // pushed then needs no pull request of its own (an older server ignores the parameter).
      const state = await getStates(this.driver); // one read for both keys, once per batch
      const cursor = state.resync ? undefined : state.cursor;
      const q = cursor ? `?pull_cursor=${encodeURIComponent(cursor)}&pull_limit=${PULL_LIMIT}` : '';
      let r: HttpResult<PushResponse & { pull?: PullResponse }>;
      try {
        r = await this.session.authed<PushResponse & { pull?: PullResponse }>(
          'POST',
          `/v1/sync/push${q}`,
          body,
        );
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
      const page = r.body.pull;
      if (page && cursor) {
        await this.#takePage(report, page, r.headers);
        this.#pulled = page.has_more ? 'more' : 'done';
      } else this.#pulled = 'no';
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
    const restored: ChangedRow[] = [];
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
        const row = await this.#store(
          tx,
          op.entity,
          op.entity_id,
          server,
          await pendingFor(tx, op.entity, op.entity_id),
        );
        restored.push(changedRow(op.entity, op.entity_id, row, false));
        touched.add(op.entity);
      }
      await flush();
      await setState(tx, { verify_due: '1', ...this.#clockState(ops) });
    });
    if (touched.size) this.hooks.committed([...touched], restored);
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
    return row;
  }

  /** Pulls every page after the stored cursor (or from the start); `410` starts over (keeping the outbox). */
  async pull(report: SyncReport): Promise<void> {
    // The last push's answer carried everything after the cursor: nothing is left to ask for.
    if (this.#pulled === 'done') return;
    const cursor = await getState(this.driver, 'cursor');
    if (!cursor) this.#fullPull = true;
    if ((await this.#pages(report, cursor, undefined, undefined)) === 'reset') {
      report.reset = true;
      await this.#resync(report, 'all');
    }
  }

  /**
   * Replaces the synced rows of some entities (`all`: everything, from a cursor reset) with the server's, without
   * ever showing an empty list: pulled pages are upserted over the old rows, each page in one transaction, and
   * only once the last page is in are the rows the server no longer has (with nothing pending) deleted, in one
   * transaction. The `resync` marker is set first and cleared by that last transaction, so a crash or a lost
   * connection in between keeps the old rows visible and the next round starts the resync over.
   */
  async #resync(report: SyncReport, scope: 'all' | readonly EntityName[]): Promise<void> {
    const all = scope === 'all';
    const entities = all ? ENTITY_NAMES : scope;
    await setState(this.driver, {
      resync: all ? 'all' : entities.join(','),
      ...(all ? { cursor: null, cursor_version: null } : {}),
    });
    const seen = new Set<string>();
    if (all) this.#fullPull = true;
    const only = all ? undefined : new Set(entities);
    // A full resync may follow a server restored from a backup: rows it lost are offered again (reoffer.ts).
    const restore = all ? { stamp: { clock: this.clock, now: this.now }, newest: '0' } : undefined;
    if ((await this.#pages(report, undefined, only, seen, restore)) === 'reset') {
      throw new ClientError('server', 'the server asked to reset a pull that started from the beginning');
    }
    await this.driver.transaction(async (tx) => {
      for (const e of entities)
        report.reoffered += await sweepOrReoffer(tx, e, seen, restore?.newest ?? '0', restore?.stamp);
      await setState(tx, { resync: null, ...this.#clockState() });
    });
    if (!all) report.resynced.push(...entities);
    this.hooks.committed(entities);
  }

  /**
   * Pulls pages from `cursor` until `has_more` is false, each page applied in one transaction with rebase. With
   * `only`, keeps just those entities' rows and leaves the stored cursor alone; `seen` collects `entity:id` of
   * every row applied. `reset` when the server answers 410 to a pull of everything.
   */
  async #pages(
    report: SyncReport,
    from: string | undefined,
    only: ReadonlySet<EntityName> | undefined,
    seen: Set<string> | undefined,
    restore?: { stamp: Stamp; newest: string },
  ): Promise<'done' | 'reset'> {
    const request = (cursor: string | undefined) => {
      const q = `?limit=${PULL_LIMIT}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const r = this.session.authed<PullResponse>('GET', `/v1/sync/pull${q}`);
      r.catch(() => {}); // awaited below, or moot when writing the page before it failed
      return r;
    };
    let next = request(from);
    for (;;) {
      const r = await next;
      if (r.status === 410 && !only) return 'reset';
      if (r.status !== 200) throw errorFromResponse(r);
      const page = r.body;
      // The next page is fetched while this one is written: the server reads it as the client writes.
      if (page.has_more) next = request(page.cursor);
      await this.#takePage(report, page, r.headers, only, seen, restore);
      if (!page.has_more) return 'done';
    }
  }

  /** Applies one pulled page (from a pull, or carried by a push's answer) and tells the listeners. */
  async #takePage(
    report: SyncReport,
    page: PullResponse,
    headers: Headers,
    only?: ReadonlySet<EntityName>,
    seen?: Set<string>,
    restore?: { stamp: Stamp; newest: string },
  ): Promise<void> {
    this.#see(page.changes, headers);
    const changes = page.changes.filter((c) => ENTITIES[c.entity] && (!only || only.has(c.entity)));
    for (const c of changes) {
      seen?.add(`${c.entity}:${c.entity_id}`);
      if (restore && versionAbove(c.version, restore.newest)) restore.newest = c.version;
    }
    const { touched, rows } = await this.#applyPage(changes, only ? undefined : page, restore?.stamp, report);
    report.pulled += page.changes.length;
    if (touched.length) this.hooks.committed(touched, rows);
  }

  /** Applies pulled rows in one transaction, rebasing pending operations on top; stores the cursor of `page`. */
  async #applyPage(
    changes: readonly Change[],
    page: PullResponse | undefined,
    restore?: Stamp,
    report?: SyncReport,
  ): Promise<{ touched: EntityName[]; rows: ChangedRow[] }> {
    const touched = new Set<EntityName>();
    const applied: ChangedRow[] = [];
    await this.driver.transaction(async (tx) => {
      let pending = await pendingByRow(tx);
      const offered = restore ? await reofferNewer(tx, changes, pending, restore) : [];
      if (offered.length) {
        if (report) report.reoffered += offered.length;
        pending = await pendingByRow(tx);
      }
      const writes = new Map<EntityName, LocalRow[]>();
      for (const c of changes) {
        touched.add(c.entity);
        const key = `${c.entity}:${c.entity_id}`;
        const echo = this.#unechoed.delete(key);
        const mine = pending.get(key);
        const row = mine ? rebase(ENTITIES[c.entity], changeToRow(c), mine) : changeToRow(c);
        applied.push(changedRow(c.entity, c.entity_id, row, echo));
        if (!row) await removeRow(tx, c.entity, c.entity_id);
        else {
          const list = writes.get(c.entity) ?? [];
          writes.set(c.entity, list);
          list.push(row);
        }
      }
      for (const [entity, rows] of writes) await writeRows(tx, entity, rows);
      await recordVersions(tx, changes);
      const last = page?.changes.at(-1);
      await setState(tx, {
        ...(page ? { cursor: page.cursor, ...(last ? { cursor_version: last.version } : {}) } : {}),
        ...this.#clockState(),
      });
    });
    return { touched: [...touched], rows: applied };
  }

  /**
   * Moves the clock past every write these rows from the server show: each row's `hlc` (the highest HLC among
   * its fields, PROTOCOL.md Pull), so an edit of a row this device has seen orders after every write it saw,
   * whatever the writers' clocks did. A row from an older server without `hlc` moves it past the walls it shows
   * instead (`wallSeen`: its `updated_at` and the response's `Date`).
   */
  #see(changes: readonly Change[], headers: Headers): void {
    let newest: string | undefined;
    const without: Change[] = [];
    for (const c of changes) {
      if (c.hlc === undefined) without.push(c);
      else if (newest === undefined || c.hlc > newest) newest = c.hlc;
    }
    if (newest !== undefined) this.clock.receive(newest);
    // An empty page shows no write: the clock stays (the response's Date would only push it past the present).
    if (without.length === 0) return;
    const wall = wallSeen(without, headers);
    if (wall !== undefined) this.clock.receive(formatHlc({ wall, counter: 0, node: 'seen' }));
  }

  /** The clock to store: its current value, or a newer HLC of acknowledged operations (written by another process). */
  #clockState(acked: readonly QueuedOp[] = []): { hlc: string } {
    let hlc = formatHlc(this.clock.peek());
    for (const o of acked) if (o.hlc > hlc) hlc = o.hlc;
    return { hlc };
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
          last_checksum_at: String(this.now()),
          verify_due: null,
        });
        return;
      }
      // Every row this round's push acknowledged came back with a version (a round that pushed nothing set nothing).
      if (report.pushed > 0) await setState(this.driver, { verify_due: null });
      if (this.now() - lastAt < VERIFY_EVERY_MS) return;
    }
    const r = await this.session.authed<ChecksumResponse>('GET', '/v1/sync/checksum');
    if (r.status !== 200) throw errorFromResponse(r);
    const state = await getStates(this.driver);
    if ((state.cursor_version ?? '0') !== r.body.version) return; // someone wrote meanwhile: next round
    report.verified = true;
    const local = await localChecksums(this.driver);
    const drifted = ENTITY_NAMES.filter(
      (e) => local[e].checksum !== r.body.entities[e].checksum || local[e].count !== r.body.entities[e].count,
    );
    if (drifted.length) await this.#resync(report, drifted);
    await setState(this.driver, {
      last_checksum: drifted.length ? `resynced ${drifted.join(', ')}` : 'ok',
      last_checksum_at: String(this.now()),
      verify_due: null,
    });
  }
}

function changedRow(entity: EntityName, id: string, row: LocalRow | undefined, echo: boolean): ChangedRow {
  const live = row !== undefined && !row.deleted;
  return { entity, id, deleted: !live, data: live ? row.data : null, echo };
}
