import {
  type AuthResponse,
  createHlcClock,
  type EntityName,
  type HlcClock,
  parseHlc,
  uuidv7,
} from '@selftracker/core';
import { type BackoffOptions, backoffDelay, sleep } from './backoff.ts';
import { type Connectivity, createReportedConnectivity } from './connectivity.ts';
import type { SqliteDriver } from './driver.ts';
import { ClientError, toError } from './errors.ts';
import { readEvents } from './events.ts';
import { migrate } from './local-schema.ts';
import { Repository, type WriteContext } from './repositories.ts';
import { initialStatus, reduceStatus, type StatusEvent, type SyncStatus } from './status.ts';
import { getState, getStates, setState } from './sync-state.ts';
import { Syncer, type SyncReport } from './syncer.ts';
import { Timers } from './timers.ts';
import { createTransport, errorFromResponse, type FetchLike, type Transport } from './transport.ts';

export interface EngineOptions {
  driver: SqliteDriver;
  /** Server base URL, e.g. http://localhost:8787. */
  server: string;
  fetch?: FetchLike;
  now?: () => number;
  connectivity?: Connectivity;
  /** Background sync interval (default 30 s). */
  intervalMs?: number;
  /** Delay between a local write and the sync it triggers (default 300 ms). */
  debounceMs?: number;
  backoff?: BackoffOptions;
}

export interface Account {
  userId: string;
  email: string;
  server: string;
  signedIn: boolean;
}

export type ChangeListener = (tables: readonly EntityName[]) => void;

/**
 * The SelfTracker client engine: local-first repositories over SQLite, an outbox, and a sync scheduler.
 * Platform-free: storage comes in as a SqliteDriver and the network as a fetch.
 */
export class Engine {
  readonly projects: Repository<'projects'>;
  readonly tasks: Repository<'tasks'>;
  readonly timers: Timers;
  readonly transport: Transport;
  readonly #driver: SqliteDriver;
  readonly #syncer: Syncer;
  readonly #clock: HlcClock;
  readonly #now: () => number;
  readonly #opts: EngineOptions;
  readonly #connectivity: Connectivity;
  #status: SyncStatus = initialStatus;
  readonly #statusListeners = new Set<(s: SyncStatus) => void>();
  readonly #changeListeners = new Set<ChangeListener>();
  #round: Promise<SyncReport> | undefined;
  #loop: AbortController | undefined;
  #wake: (() => void) | undefined;
  #requested = false;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #live = false;

  private constructor(opts: EngineOptions, clientId: string, lastHlc: string | undefined) {
    this.#opts = opts;
    this.#driver = opts.driver;
    this.#now = opts.now ?? Date.now;
    this.#clock = createHlcClock({ node: clientId, now: this.#now, last: parseHlc(lastHlc) ?? undefined });
    this.#connectivity = opts.connectivity ?? createReportedConnectivity();
    this.transport = createTransport(opts.server, opts.fetch);
    const ctx: WriteContext = {
      driver: opts.driver,
      now: this.#now,
      tick: () => this.#clock.tick(),
      committed: (tables, ops) => this.#committed(tables, ops),
    };
    this.projects = new Repository(ctx, 'projects');
    this.tasks = new Repository(ctx, 'tasks');
    this.timers = new Timers(ctx);
    this.#syncer = new Syncer(opts.driver, this.transport, this.#clock, {
      committed: (t) => {
        this.#emitChange(t);
        void this.#refreshPending();
      },
    });
  }

  /** Opens the engine: migrates the local database and restores the client id and clock. */
  static async open(opts: EngineOptions): Promise<Engine> {
    await migrate(opts.driver);
    let clientId = await getState(opts.driver, 'client_id');
    if (!clientId) {
      clientId = uuidv7();
      await setState(opts.driver, { client_id: clientId });
    }
    const [q] = await opts.driver.query<{ h: string | null }>('SELECT max(hlc) AS h FROM sync_queue');
    const stored = await getState(opts.driver, 'hlc');
    const last = [q?.h, stored]
      .filter((x): x is string => !!x)
      .sort()
      .at(-1);
    const engine = new Engine(opts, clientId, last);
    await engine.#refreshPending();
    return engine;
  }

  get status(): SyncStatus {
    return this.#status;
  }

  /** Subscribes to status changes; returns the unsubscribe function. */
  subscribe(listener: (s: SyncStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Subscribes to committed local changes, named by table (for live queries). */
  onChange(listener: ChangeListener): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  #dispatch(e: StatusEvent) {
    const next = reduceStatus(this.#status, e);
    if (next === this.#status) return;
    this.#status = next;
    for (const l of [...this.#statusListeners]) l(next);
  }

  #emitChange(tables: readonly EntityName[]) {
    for (const l of [...this.#changeListeners]) l(tables);
  }

  /** A local write committed: count its operations at once (no query on the write path), tell listeners, schedule a sync. */
  #committed(tables: readonly EntityName[], ops: number) {
    this.#dispatch({ type: 'pending', count: this.#status.pending + ops });
    this.#emitChange(tables);
    if (!this.#loop) return;
    clearTimeout(this.#debounce);
    // Offline, the reconnect will sync: a write must not burn a retry (and lengthen the backoff).
    if (this.#status.phase === 'offline') return;
    this.#debounce = setTimeout(() => this.#trigger(), this.#opts.debounceMs ?? 300);
  }

  async #refreshPending() {
    try {
      const [r] = await this.#driver.query<{ n: number }>('SELECT count(*) AS n FROM sync_queue');
      this.#dispatch({ type: 'pending', count: Number(r?.n ?? 0) });
    } catch {
      // closed while refreshing: nothing to report
    }
  }

  // ---------------------------------------------------------------- account

  async account(): Promise<Account | null> {
    const s = await getStates(this.#driver);
    if (!s.user_id || !s.email) return null;
    return {
      userId: s.user_id,
      email: s.email,
      server: s.server ?? this.transport.baseUrl,
      signedIn: !!s.refresh_token,
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
      access_token: session.access_token,
      refresh_token: session.refresh_token,
    });
    this.#trigger();
    return (await this.account())!;
  }

  /** Signs out: the server forgets the refresh token; local data and the outbox stay for the next sign-in. */
  async logout(): Promise<void> {
    const refresh_token = await getState(this.#driver, 'refresh_token');
    if (refresh_token) {
      await this.transport.request('POST', '/v1/auth/logout', { body: { refresh_token } }).catch(() => {});
    }
    await setState(this.#driver, { access_token: null, refresh_token: null });
  }

  // ---------------------------------------------------------------- sync

  /** Runs one sync round now (push, pull, verify), or joins the one already running. */
  sync(): Promise<SyncReport> {
    this.#round ??= this.#runRound().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  async #runRound(): Promise<SyncReport> {
    this.#dispatch({ type: 'started' });
    try {
      const report = await this.#syncer.round();
      await setState(this.#driver, { hlc: this.#clock.tick(), last_error: null, last_error_kind: null });
      this.#connectivity.report(true);
      this.#dispatch({ type: 'succeeded', at: this.#now() });
      await this.#refreshPending();
      return report;
    } catch (e: unknown) {
      const err = toError(e);
      const offline = ClientError.is(e, 'network');
      if (offline) this.#connectivity.report(false);
      this.#dispatch({
        type: 'failed',
        error: err.message,
        offline,
      });
      await setState(this.#driver, {
        last_error: err.message,
        last_error_kind: offline ? 'offline' : 'error',
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
    if (this.#loop) return;
    const ctl = new AbortController();
    this.#loop = ctl;
    const unsub = this.#connectivity.subscribe((online) => {
      if (online) this.#trigger();
    });
    ctl.signal.addEventListener('abort', unsub, { once: true });
    void this.#schedule(ctl.signal);
    void this.#listen(ctl.signal);
  }

  /** Whether the live event stream is connected. */
  get live(): boolean {
    return this.#live;
  }

  async stop(): Promise<void> {
    clearTimeout(this.#debounce);
    this.#loop?.abort();
    this.#loop = undefined;
    this.#wake?.();
    await this.#round?.catch(() => {});
  }

  async close(): Promise<void> {
    await this.stop();
    await setState(this.#driver, { hlc: this.#clock.tick() }).catch(() => {});
    await this.#driver.close();
  }

  /** Asks the scheduler for a round now; a request made while a round runs is kept for right after it. */
  #trigger(): void {
    this.#requested = true;
    this.#wake?.();
  }

  #wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#requested) {
      this.#requested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        this.#requested = false;
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        this.#wake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.#wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async #schedule(signal: AbortSignal): Promise<void> {
    const interval = this.#opts.intervalMs ?? 30_000;
    let failures = 0;
    let delay = 0;
    while (!signal.aborted) {
      await this.#wait(delay, signal);
      if (signal.aborted) return;
      if (!(await this.account())?.signedIn) {
        delay = interval;
        continue;
      }
      try {
        await this.sync();
        failures = 0;
        delay = interval;
      } catch (e: unknown) {
        if (ClientError.is(e) && e.retryable) {
          failures++;
          delay = backoffDelay(failures, this.#opts.backoff, e.retryAfterMs);
        } else delay = interval; // fatal (e.g. signed out): wait for the user or the next interval
      }
    }
  }

  async #listen(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const token = await getState(this.#driver, 'access_token').catch(() => undefined);
      if (token) {
        try {
          await readEvents(
            this.transport,
            token,
            signal,
            () => {
              failures = 0;
              this.#live = true;
              this.#trigger(); // connected: catch up on anything missed while disconnected
            },
            () => this.#trigger(),
          );
        } catch (e: unknown) {
          if (ClientError.is(e, 'unauthorized')) await this.#syncer.refresh().catch(() => {});
        }
        this.#live = false;
      }
      if (signal.aborted) return;
      failures++;
      await sleep(backoffDelay(failures, this.#opts.backoff), signal).catch(() => {});
    }
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
    error: string | null;
    phase: SyncStatus['phase'];
  }> {
    const s = await getStates(this.#driver);
    return {
      at: s.last_sync_at ? Number(s.last_sync_at) : null,
      checksum: s.last_checksum ?? null,
      error: s.last_error ?? null,
      phase: s.last_error_kind === 'offline' ? 'offline' : s.last_error_kind === 'error' ? 'error' : 'idle',
    };
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
  const code = (r.body as { error?: { code?: string; message?: string } } | null)?.error;
  if (code?.code === 'invalid_credentials') throw new ClientError('rejected', 'wrong email or password');
  if (code?.code === 'email_taken')
    throw new ClientError('rejected', 'an account with this email already exists');
  if (code?.code === 'invalid_request')
    throw new ClientError('invalid_input', code.message ?? 'invalid email or password');
  throw errorFromResponse(r);
}
