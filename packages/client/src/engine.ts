import {
  type AuthResponse,
  createHlcClock,
  ENTITY_NAMES,
  type EntityName,
  formatHlc,
  type HlcClock,
  parseHlc,
  type Row,
  uuidv7,
} from '@selftracker/core';
import type { BackoffOptions } from './backoff.ts';
import type { ChangeDetail, ChangeListener } from './change-events.ts';
import { type Connectivity, createReportedConnectivity } from './connectivity.ts';
import type { SqliteDriver } from './driver.ts';
import { ClientError, toError } from './errors.ts';
import { readEvents } from './events.ts';
import { migrate } from './local-schema.ts';
import { Repository, type WriteContext } from './repositories.ts';
import { type EngineClock, Scheduler, type SchedulerHandlers, systemClock } from './scheduler.ts';
import { initialStatus, type SyncStatus, sameStatus, statusOf } from './status.ts';
import {
  problemSince,
  type RoundFailure,
  type RoundStage,
  SYNC_ERROR_CODES,
  type SyncError,
  type SyncErrorCode,
} from './sync-machine.ts';
import { getState, getStates, type StateKey, setState } from './sync-state.ts';
import { Syncer, type SyncReport } from './syncer.ts';
import { Tasks } from './tasks.ts';
import { Timers } from './timers.ts';
import { databaseTokenStore, type TokenStore } from './token-store.ts';
import {
  createTransport,
  errorFromResponse,
  type FetchLike,
  type HttpResult,
  type Transport,
} from './transport.ts';

export interface EngineOptions {
  driver: SqliteDriver;
  /** Server base URL, e.g. http://localhost:8787. */
  server: string;
  fetch?: FetchLike;
  /** The clock and timers (default: the system's); tests inject a fake. `now` alone overrides its time. */
  clock?: EngineClock;
  now?: () => number;
  connectivity?: Connectivity;
  /** Background sync interval (default 30 s). */
  intervalMs?: number;
  /** Delay between a local write and the sync it triggers (default 300 ms). */
  debounceMs?: number;
  backoff?: BackoffOptions;
  /** In the background (`setForeground(false)`): `pause` (default; mobile) or `continue` (a hidden desktop window). */
  background?: 'pause' | 'continue';
  /** How long one request may take before it fails as a network error (default 60 s, `REQUEST_TIMEOUT_MS`). */
  requestTimeoutMs?: number;
  /** Where the session's tokens live (default: this database's `sync_state`; a phone passes its keystore). */
  tokens?: TokenStore;
}

export interface Account {
  userId: string;
  email: string;
  server: string;
  signedIn: boolean;
}

export type { ChangeDetail, ChangedRow, ChangeListener } from './change-events.ts';

/** Another engine that syncs for this one (`Engine.followSync`): its status, and a round on request. */
export interface SyncLeader {
  readonly status: SyncStatus;
  subscribe(listener: (s: SyncStatus) => void): () => void;
  sync(): Promise<SyncReport>;
}

/** Rows to import, per entity, with their ids (`Engine.importRows`). */
export type ImportInput = { [E in EntityName]?: readonly Row<E>[] };
/** Per entity: rows written (created, or overwriting an older copy) and rows left alone. */
export type ImportCounts = Record<EntityName, { written: number; skipped: number }>;

/**
 * The SelfTracker client engine: local-first repositories over SQLite, an outbox, and a sync scheduler.
 * Platform-free: storage comes in as a SqliteDriver, the network as a fetch, time as a clock.
 */
export class Engine {
  readonly projects: Repository<'projects'>;
  readonly tasks: Tasks;
  readonly timers: Timers;
  readonly transport: Transport;
  readonly #driver: SqliteDriver;
  readonly #tokens: TokenStore;
  readonly #syncer: Syncer;
  readonly #clock: HlcClock;
  readonly #now: () => number;
  readonly #connectivity: Connectivity;
  readonly #scheduler: Scheduler<SyncReport>;
  #status: SyncStatus = initialStatus;
  readonly #statusListeners = new Set<(s: SyncStatus) => void>();
  readonly #changeListeners = new Set<ChangeListener>();
  #unsubscribeConnectivity: (() => void) | undefined;
  /** Set while another engine on this database syncs for this one (`followSync`). */
  #leader: { sync: SyncLeader; off: () => void } | undefined;

  private constructor(opts: EngineOptions, clientId: string, lastHlc: string | undefined, signedIn: boolean) {
    this.#driver = opts.driver;
    const base = opts.clock ?? systemClock;
    const clock: EngineClock = opts.now ? { ...base, now: opts.now } : base;
    this.#now = () => clock.now();
    this.#clock = createHlcClock({ node: clientId, now: this.#now, last: parseHlc(lastHlc) ?? undefined });
    this.#connectivity = opts.connectivity ?? createReportedConnectivity();
    this.transport = createTransport(
      opts.server,
      opts.fetch,
      opts.requestTimeoutMs ? { timeoutMs: opts.requestTimeoutMs } : {},
    );
    const ctx: WriteContext = {
      driver: opts.driver,
      now: this.#now,
      tick: () => this.#clock.tick(),
      committed: (tables, ops) => this.#committed(tables, ops),
    };
    this.projects = new Repository(ctx, 'projects');
    this.tasks = new Tasks(ctx);
    this.timers = new Timers(ctx);
    this.#tokens = opts.tokens ?? databaseTokenStore(opts.driver);
    this.#syncer = new Syncer(
      opts.driver,
      this.transport,
      this.#clock,
      this.#now,
      {
        committed: (t, rows) => {
          this.#emitChange(t, rows ? { source: 'sync', rows } : { source: 'sync' });
          void this.#refreshPending();
        },
      },
      this.#tokens,
    );
    this.#scheduler = new Scheduler(this.#handlers(), {
      clock,
      signedIn,
      config: {
        ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
        ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
        ...(opts.backoff ? { backoff: opts.backoff } : {}),
        ...(opts.background ? { background: opts.background } : {}),
      },
    });
    this.#scheduler.subscribe((m) => this.#publish(statusOf(m)));
    this.#status = statusOf(this.#scheduler.state);
  }

  /** Opens the engine: migrates the local database and restores the client id and clock. */
  static async open(opts: EngineOptions): Promise<Engine> {
    await migrate(opts.driver);
    let clientId = await getState(opts.driver, 'client_id');
    if (!clientId) {
      clientId = uuidv7((opts.now ?? opts.clock?.now ?? systemClock.now)());
      await setState(opts.driver, { client_id: clientId });
    }
    const [q] = await opts.driver.query<{ h: string | null }>('SELECT max(hlc) AS h FROM sync_queue');
    const stored = await getStates(opts.driver);
    const last = [q?.h, stored.hlc]
      .filter((x): x is string => !!x)
      .sort()
      .at(-1);
    const tokens = await (opts.tokens ?? databaseTokenStore(opts.driver)).load();
    const engine = new Engine(opts, clientId, last, !!tokens.refresh_token);
    await engine.#refreshPending();
    return engine;
  }

  /** The sync status: this engine's, or while it follows another engine's sync (`followSync`), that one's. */
  get status(): SyncStatus {
    return this.#leader?.sync.status ?? this.#status;
  }

  /** The clock's last value (HLC string), for another engine on the same database to merge (`changedElsewhere`). */
  get hlc(): string {
    return formatHlc(this.#clock.peek());
  }

  /** Subscribes to status changes; returns the unsubscribe function. */
  subscribe(listener: (s: SyncStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /**
   * Subscribes to committed changes, named by table (for live queries); the second argument says whether a
   * local write or a sync round made them and, for a sync round, which rows it wrote.
   */
  onChange(listener: ChangeListener): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  #publish(next: SyncStatus) {
    if (sameStatus(next, this.#status)) return;
    this.#status = next;
    if (!this.#leader) this.#notifyStatus(next);
  }

  #notifyStatus(s: SyncStatus) {
    for (const l of [...this.#statusListeners]) l(s);
  }

  /**
   * Lets another engine on the same database do this one's syncing (the browser tab that owns the database,
   * for the other tabs): `status` and `subscribe` show the leader's status, `sync()` asks the leader for a round,
   * and this engine's own loop stays off. Ends with `start()` (this engine takes over syncing) or `close()`.
   */
  followSync(leader: SyncLeader): void {
    if (this.#unsubscribeConnectivity) throw new Error('followSync: this engine already syncs itself');
    this.#leader?.off();
    const off = leader.subscribe((s) => this.#notifyStatus(s));
    this.#leader = { sync: leader, off };
    this.#notifyStatus(leader.status);
  }

  /**
   * Another engine on the same database committed a change (another browser tab): merge its clock, so this
   * engine's next write is ordered after it, tell this engine's listeners (`detail.elsewhere` set), and for a
   * local write while this engine syncs, count its operations and schedule a round as for a write made here.
   */
  changedElsewhere(tables: readonly EntityName[], detail: ChangeDetail, hlc?: string): void {
    if (hlc) this.#clock.receive(hlc);
    if (detail.source === 'local' && detail.ops)
      this.#scheduler.send({ type: 'local-write', ops: detail.ops });
    else if (detail.source === 'sync') void this.#refreshPending();
    this.#emitChange(tables, { ...detail, elsewhere: true });
  }

  #emitChange(tables: readonly EntityName[], detail: ChangeDetail) {
    for (const l of [...this.#changeListeners]) l(tables, detail);
  }

  /** A local write committed: count its operations at once (no query on the write path), tell listeners, schedule a sync. */
  #committed(tables: readonly EntityName[], ops: number) {
    this.#scheduler.send({ type: 'local-write', ops });
    this.#emitChange(tables, { source: 'local', ops });
  }

  async #refreshPending() {
    try {
      const [r] = await this.#driver.query<{ n: number }>('SELECT count(*) AS n FROM sync_queue');
      this.#scheduler.send({ type: 'pending', count: Number(r?.n ?? 0) });
    } catch {
      // closed while refreshing: nothing to report
    }
  }

  /** What the sync machine's effects run with: a round, the event stream, and the one classification of failures. */
  #handlers(): SchedulerHandlers<SyncReport> {
    return {
      runRound: (stage) => this.#runRound(stage),
      rejectedIn: (r) => r.rejected.length,
      classify: (e) => classifyFailure(e, this.#connectivity),
      openStream: async (signal, opened, poke) => {
        const token = (await this.#tokens.load()).access_token;
        if (!token) throw new ClientError('unauthorized', 'not signed in');
        await readEvents(this.transport, token, signal, opened, poke);
      },
      isUnauthorized: (e) => ClientError.is(e, 'unauthorized'),
    };
  }

  // ---------------------------------------------------------------- account

  async account(): Promise<Account | null> {
    const s = await getStates(this.#driver);
    if (!s.user_id || !s.email) return null;
    return {
      userId: s.user_id,
      email: s.email,
      server: s.server ?? this.transport.baseUrl,
      signedIn: !!(await this.#tokens.load()).refresh_token,
    };
  }

  signup(email: string, password: string): Promise<Account> {
    return this.#authenticate('/v1/auth/signup', email, password);
  }

  login(email: string, password: string): Promise<Account> {
    return this.#authenticate('/v1/auth/login', email, password);
  }

  async #authenticate(
    path: '/v1/auth/signup' | '/v1/auth/login',
    email: string,
    password: string,
  ): Promise<Account> {
    return this.useSession(await requestSession(this.transport, path, email, password), email);
  }

  /** Stores a session obtained with `requestSession` in this database (which must be new or the same user's). */
  async useSession(session: AuthResponse, email: string): Promise<Account> {
    const current = await getState(this.#driver, 'user_id');
    if (current && current !== session.user_id) {
      throw new ClientError('rejected', 'this local database belongs to another account');
    }
    await setState(this.#driver, {
      user_id: session.user_id,
      email: email.toLowerCase(),
      server: this.transport.baseUrl,
    });
    await this.#tokens.save({ access_token: session.access_token, refresh_token: session.refresh_token });
    this.#scheduler.send({ type: 'signed-in' });
    return (await this.account())!;
  }

  /** Signs out: the server forgets the refresh token; local data and the outbox stay for the next sign-in. */
  async logout(): Promise<void> {
    const { refresh_token } = await this.#tokens.load();
    if (refresh_token) {
      await this.transport.request('POST', '/v1/auth/logout', { body: { refresh_token } }).catch(() => {});
    }
    await this.#tokens.save({ access_token: null, refresh_token: null });
    this.#scheduler.send({ type: 'signed-out' });
  }

  /**
   * Changes the password (PROTOCOL.md Account): the server ends every other sign-in of the user and answers a
   * new token pair, stored here. A wrong `current` is `rejected` ("wrong password").
   */
  async changePassword(current: string, next: string): Promise<void> {
    const r = await this.#syncer.session.authed<AuthResponse>('POST', '/v1/auth/password', {
      current_password: current,
      new_password: next,
    });
    if (r.status !== 200) throw authError(r, 'wrong password');
    await this.#tokens.save({ access_token: r.body.access_token, refresh_token: r.body.refresh_token });
  }

  /**
   * Deletes the account on the server with everything in it (PROTOCOL.md Account) and signs this device out.
   * The local database is left as it is: the caller keeps it as a local copy or removes it.
   */
  async deleteAccount(password: string): Promise<void> {
    const r = await this.#syncer.session.authed('DELETE', '/v1/account', { password });
    if (r.status !== 204) throw authError(r, 'wrong password');
    await this.#tokens.save({ access_token: null, refresh_token: null });
    this.#scheduler.send({ type: 'signed-out' });
  }

  /**
   * Empties this device's database, for a platform that cannot remove the file itself (the web app's OPFS pool,
   * the desktop's plugin-owned file): every row, queued operation, version and the session state go in one
   * transaction, then the file is compacted. Background sync stops first; close the engine after.
   */
  async wipeLocal(): Promise<void> {
    await this.stop();
    await this.#tokens.save({ access_token: null, refresh_token: null });
    await this.#driver.transaction(async (tx) => {
      for (const table of [...ENTITY_NAMES, 'sync_queue', 'row_versions', 'sync_state'])
        await tx.exec(`DELETE FROM ${table}`);
    });
    await this.#driver.exec('VACUUM').catch(() => {});
  }

  // ---------------------------------------------------------------- import

  /**
   * Writes rows under their own ids in one transaction (an import; `Repository.putIn`): a row this device lacks
   * or holds with an older `updated_at` is written and queued as a CREATE carrying every field, which the server
   * merges like an update when it has the row, so importing the same rows twice writes nothing the second time.
   * One invalid row rejects the whole import (`invalid_input`) and nothing is written.
   */
  async importRows(input: ImportInput): Promise<ImportCounts> {
    const counts = {} as ImportCounts;
    await this.#driver.transaction(async (tx) => {
      for (const e of ENTITY_NAMES) {
        const rows = (input[e] ?? []) as readonly Row<EntityName>[];
        const written = await (this[e] as Repository).putIn(tx, rows);
        counts[e] = { written, skipped: rows.length - written };
      }
    });
    const tables = ENTITY_NAMES.filter((e) => counts[e].written > 0);
    if (tables.length)
      this.#committed(
        tables,
        tables.reduce((n, e) => n + counts[e].written, 0),
      );
    return counts;
  }

  // ---------------------------------------------------------------- sync

  /**
   * Runs a sync round now (push, pull, verify) and resolves with its report, or rejects with what it failed on.
   * Asked for during a round, it runs right after that one, so it always includes the writes made before the call.
   */
  sync(): Promise<SyncReport> {
    return this.#leader ? this.#leader.sync.sync() : this.#scheduler.syncNow();
  }

  /**
   * For a platform's background task (expo-background-task): exactly one round, and whether it brought new data
   * from the server. Never throws: a failure is reported as `{ ok: false }` (and in `status.lastError`).
   */
  async backgroundSync(): Promise<{ ok: boolean; newData: boolean }> {
    try {
      const r = await this.sync();
      return { ok: true, newData: r.pulled > 0 || r.rejected.length > 0 };
    } catch {
      return { ok: false, newData: false };
    }
  }

  /** The app came to the foreground (catch up, reopen the live stream) or went to the background. */
  setForeground(foreground: boolean): void {
    this.#scheduler.send({ type: foreground ? 'foreground' : 'background' });
  }

  async #runRound(stage: (s: RoundStage) => void): Promise<SyncReport> {
    try {
      const report = await this.#syncer.round(stage);
      await setState(this.#driver, {
        hlc: this.#clock.tick(),
        last_error: null,
        last_error_kind: null,
        last_error_at: null,
      });
      this.#connectivity.report(true);
      await this.#refreshPending();
      return report;
    } catch (e: unknown) {
      const failure = classifyFailure(e, this.#connectivity);
      if (failure.code === 'offline' || failure.code === 'server-unreachable')
        this.#connectivity.report(false);
      await setState(this.#driver, {
        last_error: failure.message,
        last_error_kind: failure.code,
        last_error_at: String(problemSince(this.#status.lastError, failure.code, this.#now())),
      }).catch(() => {});
      await this.#refreshPending();
      throw e;
    }
  }

  /**
   * Starts background sync: after local writes (debounced), every `intervalMs`, on reconnect, and on a
   * server poke over the live event stream. Failures retry with capped exponential backoff and jitter.
   */
  start(): void {
    if (this.#unsubscribeConnectivity) return;
    if (this.#leader) {
      // The leader is gone and this engine syncs from now on: its outbox count is read afresh.
      this.#leader.off();
      this.#leader = undefined;
      void this.#refreshPending();
      this.#notifyStatus(this.#status);
    }
    this.#unsubscribeConnectivity = this.#connectivity.subscribe((online) =>
      this.#scheduler.send({ type: 'connectivity', online }),
    );
    this.#scheduler.send({ type: 'start' });
  }

  /** Whether the live event stream is connected. */
  get live(): boolean {
    return this.#status.live;
  }

  /** Stops background sync and waits for a round in flight to end. */
  async stop(): Promise<void> {
    this.#unsubscribeConnectivity?.();
    this.#unsubscribeConnectivity = undefined;
    await this.#scheduler.stop();
  }

  async close(): Promise<void> {
    this.#leader?.off();
    this.#leader = undefined;
    await this.stop();
    await setState(this.#driver, { hlc: this.#clock.tick() }).catch(() => {});
    await this.#driver.close();
  }

  /** Pending operations grouped for people: how many creates/updates/deletes per table, oldest first. */
  async pendingSummary(): Promise<
    { entity: string; operation: string; count: number; oldest: number; lastError: string | null }[]
  > {
    return this.#driver.query(
      `SELECT entity, operation, count(*) AS count, min(created_at) AS oldest, max(last_error) AS lastError
       FROM sync_queue GROUP BY entity, operation ORDER BY oldest`,
    );
  }

  /** What the last sync round left behind, for a status line that survives restarts. */
  async lastSync(): Promise<{
    at: number | null;
    checksum: string | null;
    error: SyncError | null;
    phase: 'idle' | 'offline' | 'error';
  }> {
    const s = await getStates(this.#driver);
    const error = storedError(s);
    const offline = error?.code === 'offline' || error?.code === 'server-unreachable';
    return {
      at: s.last_sync_at ? Number(s.last_sync_at) : null,
      checksum: s.last_checksum ?? null,
      error,
      phase: offline ? 'offline' : error ? 'error' : 'idle',
    };
  }
}

const ERROR_CODES: ReadonlySet<string> = new Set(SYNC_ERROR_CODES);

/** The stored last error (`last_error_kind` of an older version, `offline`/`error`, still reads). */
function storedError(s: Partial<Record<StateKey, string>>): SyncError | null {
  if (!s.last_error) return null;
  const kind = s.last_error_kind ?? 'error';
  const code: SyncErrorCode = ERROR_CODES.has(kind) ? (kind as SyncErrorCode) : 'server-error';
  return { code, message: s.last_error, at: Number(s.last_error_at ?? s.last_sync_at ?? 0) };
}

/** Classifies a failed round once, into the status codes the UI words for a person. */
export function classifyFailure(e: unknown, connectivity?: Connectivity): RoundFailure {
  const message = toError(e).message;
  if (!ClientError.is(e)) return { code: 'storage', message, retryable: false };
  switch (e.code) {
    case 'network': {
      const code = connectivity?.network?.() === false ? 'offline' : 'server-unreachable';
      return { code, message, retryable: true };
    }
    case 'unauthorized':
      return { code: 'unauthorized', message, retryable: false };
    case 'rate_limited':
      return { code: 'rate-limited', message, retryable: true, retryAfterMs: e.retryAfterMs };
    case 'server':
      return { code: 'server-error', message, retryable: true, retryAfterMs: e.retryAfterMs };
    case 'upgrade_required':
      return {
        code: 'server-error',
        message: `this app is too old for the server: update it (${message})`,
        retryable: false,
      };
    default:
      return { code: 'server-error', message, retryable: false };
  }
}

export const openEngine = (opts: EngineOptions) => Engine.open(opts);

/** Signs up or logs in without touching any local database (a client picks the user's database after). */
export async function requestSession(
  transport: Transport,
  path: '/v1/auth/signup' | '/v1/auth/login',
  email: string,
  password: string,
): Promise<AuthResponse> {
  const r = await transport.request<AuthResponse>('POST', path, { body: { email, password } });
  if (r.status === 200 || r.status === 201) return r.body;
  throw authError(r, 'wrong email or password');
}

/** The error of a refused auth or account request, worded for a person. */
function authError(r: HttpResult, wrongPassword: string): ClientError {
  const code = (r.body as { error?: { code?: string; message?: string } } | null)?.error;
  if (code?.code === 'invalid_credentials') return new ClientError('rejected', wrongPassword);
  if (code?.code === 'email_taken')
    return new ClientError('rejected', 'an account with this email already exists');
  if (code?.code === 'invalid_request')
    return new ClientError('invalid_input', code.message ?? 'invalid email or password');
  return errorFromResponse(r);
}
