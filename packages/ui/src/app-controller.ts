import {
  createTransport,
  Engine,
  requestSession,
  type SqliteDriver,
  type TokenStore,
} from '@selftracker/client';
import type { BrowserConnectivity } from '@selftracker/client/browser-connectivity';
import { linkEngine, type SharedDatabase } from '@selftracker/client/tabs';
import type { DatabaseLock, OwnedDatabaseLock } from '@selftracker/client/web';
import type { AuthResponse } from '@selftracker/core';
import { messageOf } from './labels.ts';

/** The handle a tab gets while another tab owns the database. */
type TakenDatabaseLock = Extract<DatabaseLock, { state: 'taken' }>;

/** The `localStorage` key of the signed-in user's id (the web app reloads other tabs when it changes). */
export const CURRENT_USER_KEY = 'selftracker.currentUser';
const SERVER_KEY = 'selftracker.server';

/** What the sign-in screen says when the session ended without the user signing out. */
export const SIGN_IN_AGAIN = 'Please sign in again. Your local data is kept.';

/** One SQLite database per signed-in user: its file name (the platform says in which directory or OPFS). */
export const databaseFile = (userId: string) => `user-${userId}.sqlite3`;

/** An open user database: the engine runs, this tab owns the file. */
export interface OpenSession {
  readonly userId: string;
  readonly email: string;
  readonly engine: Engine;
}

/** Where the app is. Changed only through `#set`; screens render exactly one of these. */
export type AppState =
  | { kind: 'starting' }
  | { kind: 'signed-out'; notice?: string }
  | { kind: 'opening'; userId: string }
  | { kind: 'elsewhere'; userId: string; lock: TakenDatabaseLock; takingOver: boolean; error?: string }
  | { kind: 'ready'; session: OpenSession }
  | { kind: 'failed'; error: string };

/** What differs between the web app, the desktop app and the phone: where a user's database is, and who owns it. */
export interface AppPlatform {
  /**
   * Takes `userId`'s database for this window: `owned`, or `taken` by another tab (the web app, where tabs share
   * one origin's files). `onTakeoverRequested` runs here when another window asks for it.
   */
  lockDatabase(userId: string, onTakeoverRequested: () => Promise<void>): Promise<DatabaseLock>;
  /** Opens `userId`'s database (after `lockDatabase` said `owned`). */
  openDriver(userId: string): Promise<SqliteDriver>;
  /**
   * Where the windows of one app share a database (the web app's tabs, `shareDatabase` of
   * `@selftracker/client/tabs`): joins them. Every window then works on the database at once, whichever of
   * them has it open, and `lockDatabase`/`openDriver` are not used. Absent: one window owns it at a time.
   */
  shareDatabase?(userId: string): SharedDatabase;
  /** The device's network state for the engine (disposed with the engine). */
  createConnectivity(): BrowserConnectivity;
  /** Where `userId`'s tokens live (the phone's keystore); absent: in their database, the engine's default. */
  tokenStore?(userId: string): TokenStore | undefined;
}

export interface AppEnvironment {
  /**
   * The sync server: fixed (the web app talks to its own origin), or chosen on the sign-in screen (`Server`,
   * remembered on this device), starting from `chosen.default`.
   */
  server: string | { default: string };
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  platform: AppPlatform;
}

/** A lock for platforms where one process owns its data directory (one instance per data directory). */
export function soleOwnerLock(): OwnedDatabaseLock {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  return { state: 'owned', released, release: async () => release() };
}

/**
 * A server address as typed: `host:port` gets `http://`, a trailing slash goes; anything that is not an http(s)
 * URL without a path is refused with a sentence.
 */
export function normalizeServer(input: string): string {
  const raw = input.trim();
  if (raw === '') throw new Error('Enter the address of your SelfTracker server, e.g. http://localhost:8787');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`"${raw}" is not a server address (try http://localhost:8787)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`The server address must start with http:// or https:// (got ${url.protocol}//)`);
  if (url.pathname !== '/' || url.search || url.hash || url.username)
    throw new Error(`Give the server's address only, without a path (e.g. ${url.origin})`);
  return url.origin;
}

/**
 * The composition root's state machine: who is signed in, whether this window owns their database, and the
 * engine over it. The platform (web, desktop, phone) says where databases are; React only renders the state.
 */
export class AppController {
  #state: AppState = { kind: 'starting' };
  readonly #listeners = new Set<() => void>();
  #owned:
    | {
        /** Releases the database after the engine closed: the lock, or (shared) nothing more. */
        release(): Promise<void>;
        /** Settles once another window took the database (windows that take turns). */
        released?: Promise<void>;
        connectivity: BrowserConnectivity;
        session: OpenSession;
        /** Unlinks the engine from the other windows (shared databases). */
        unlink?: () => void;
      }
    | undefined;

  constructor(private readonly env: AppEnvironment) {}

  get state(): AppState {
    return this.#state;
  }

  subscribe = (l: () => void): (() => void) => {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  };

  getState = (): AppState => this.#state;

  #set(next: AppState) {
    this.#state = next;
    for (const l of [...this.#listeners]) l();
  }

  /** Whether the sign-in screen asks for the server (desktop, phone); the web app uses its own origin. */
  get choosesServer(): boolean {
    return typeof this.env.server !== 'string';
  }

  /** The server this device talks to: fixed, or the one last signed in to here, else the default. */
  get server(): string {
    const s = this.env.server;
    return typeof s === 'string' ? s : (this.env.storage.getItem(SERVER_KEY) ?? s.default);
  }

  /** Opens the last signed-in user's database, or shows the sign-in screen. */
  async start(): Promise<void> {
    const userId = this.env.storage.getItem(CURRENT_USER_KEY);
    if (!userId) return this.#set({ kind: 'signed-out' });
    await this.#openUser(userId);
  }

  /** Signs up or in against the server, then opens (or creates) that user's local database. */
  async authenticate(
    mode: 'login' | 'signup',
    email: string,
    password: string,
    server?: string,
  ): Promise<void> {
    const base = this.choosesServer && server !== undefined ? normalizeServer(server) : this.server;
    const transport = createTransport(base);
    const path = mode === 'signup' ? '/v1/auth/signup' : '/v1/auth/login';
    const auth = await requestSession(transport, path, email, password);
    if (this.choosesServer) this.env.storage.setItem(SERVER_KEY, base);
    this.env.storage.setItem(CURRENT_USER_KEY, auth.user_id);
    await this.#openUser(auth.user_id, { auth, email });
  }

  /**
   * Signs out: the server forgets this device's session; the local database and its outbox stay. `notice` is
   * what the sign-in screen then says (after a refused session: that the data waits for the next sign-in).
   */
  async signOut(notice?: string): Promise<void> {
    const owned = this.#owned;
    this.env.storage.removeItem(CURRENT_USER_KEY);
    if (owned) {
      await owned.session.engine.logout();
      await this.#close();
    }
    this.#set(notice ? { kind: 'signed-out', notice } : { kind: 'signed-out' });
  }

  /**
   * Deletes the account on the server (PROTOCOL.md Account; a wrong `password` throws "wrong password" and changes
   * nothing), then signs this device out. `keepLocal` leaves this user's database as a signed-out local copy;
   * otherwise it is emptied through the engine (the platforms cannot all remove an open file: the web app's OPFS
   * pool, the desktop's plugin-owned file), leaving an empty file that a later sign-in of that id would start from.
   */
  async deleteAccount(password: string, keepLocal: boolean): Promise<void> {
    const owned = this.#owned;
    if (!owned) throw new Error('not signed in');
    const { engine, email } = owned.session;
    await engine.deleteAccount(password);
    if (!keepLocal) await engine.wipeLocal();
    this.env.storage.removeItem(CURRENT_USER_KEY);
    await this.#close();
    this.#set({
      kind: 'signed-out',
      notice: keepLocal
        ? `Deleted the account ${email}. This device keeps a signed-out copy of its data.`
        : `Deleted the account ${email} and wiped its data from this device.`,
    });
  }

  /** "Use here": asks the tab that owns the database to hand it over, then opens it here. */
  async takeOverHere(): Promise<void> {
    const s = this.#state;
    if (s.kind !== 'elsewhere' || s.takingOver) return;
    this.#set({ ...s, takingOver: true });
    try {
      const lock = await s.lock.takeOver();
      await this.#openWithLock(s.userId, lock);
    } catch (e: unknown) {
      this.#set({ ...s, takingOver: false, error: messageOf(e) });
    }
  }

  async #openUser(userId: string, signIn?: { auth: AuthResponse; email: string }): Promise<void> {
    this.#set({ kind: 'opening', userId });
    try {
      if (this.env.platform.shareDatabase) return await this.#openShared(userId, signIn);
      const lock = await this.env.platform.lockDatabase(userId, () => this.#handOver(userId));
      if (lock.state === 'taken') return this.#set({ kind: 'elsewhere', userId, lock, takingOver: false });
      await this.#openWithLock(userId, lock, signIn);
    } catch (e: unknown) {
      this.#set({ kind: 'failed', error: `Could not open your data: ${messageOf(e)}` });
    }
  }

  async #openWithLock(
    userId: string,
    lock: OwnedDatabaseLock,
    signIn?: { auth: AuthResponse; email: string },
  ): Promise<void> {
    const driver = await this.env.platform.openDriver(userId).catch(async (e: unknown) => {
      await lock.release();
      throw e;
    });
    const opened = await this.#openEngine(userId, driver, () => lock.release(), signIn);
    if (!opened) return;
    opened.engine.start();
    this.#owned = {
      release: () => lock.release(),
      released: lock.released,
      connectivity: opened.connectivity,
      session: opened.session,
    };
    this.#set({ kind: 'ready', session: opened.session });
  }

  /** Joins the other windows on `userId`'s database; the one that has it open syncs for all (see linkEngine). */
  async #openShared(userId: string, signIn?: { auth: AuthResponse; email: string }): Promise<void> {
    const shared = this.env.platform.shareDatabase!(userId);
    const opened = await this.#openEngine(userId, shared.driver, async () => {}, signIn);
    if (!opened) return;
    const unlink = linkEngine(opened.engine, shared);
    this.#owned = {
      release: async () => {},
      connectivity: opened.connectivity,
      session: opened.session,
      unlink,
    };
    this.#set({ kind: 'ready', session: opened.session });
  }

  /**
   * Opens the engine on `driver` and checks the session; `undefined` (and the sign-in screen) when it is not
   * signed in. On failure the engine, the driver and the database (`release`) are closed.
   */
  async #openEngine(
    userId: string,
    driver: SqliteDriver,
    release: () => Promise<void>,
    signIn?: { auth: AuthResponse; email: string },
  ): Promise<{ engine: Engine; connectivity: BrowserConnectivity; session: OpenSession } | undefined> {
    let engine: Engine | undefined;
    const connectivity = this.env.platform.createConnectivity();
    try {
      const tokens = this.env.platform.tokenStore?.(userId);
      engine = await Engine.open({
        driver,
        server: this.server,
        connectivity,
        ...(tokens ? { tokens } : {}),
      });
      // biome-ignore lint/correctness/useHookAtTopLevel: Engine.useSession is a method, not a React hook
      if (signIn) await engine.useSession(signIn.auth, signIn.email);
      const account = await engine.account();
      if (!account?.signedIn) {
        await engine.close();
        connectivity.dispose();
        await release();
        this.env.storage.removeItem(CURRENT_USER_KEY);
        this.#set({ kind: 'signed-out', notice: SIGN_IN_AGAIN });
        return undefined;
      }
      return { engine, connectivity, session: { userId, email: account.email, engine } };
    } catch (e: unknown) {
      if (engine) await engine.close().catch(() => {});
      else await driver.close().catch(() => {});
      connectivity.dispose();
      await release();
      throw e;
    }
  }

  /** Another tab asked for the database: close it here, then show that SelfTracker moved. */
  async #handOver(userId: string): Promise<void> {
    const owned = this.#owned;
    this.#set({ kind: 'opening', userId });
    await this.#close(false);
    // The lock is released once this returns; afterwards ask again to get a "taken" handle for "Use here".
    void owned?.released
      ?.then(async () => {
        const lock = await this.env.platform.lockDatabase(userId, () => this.#handOver(userId));
        if (lock.state === 'taken') this.#set({ kind: 'elsewhere', userId, lock, takingOver: false });
        else await this.#openWithLock(userId, lock);
      })
      .catch((e: unknown) =>
        this.#set({ kind: 'failed', error: `Could not open your data: ${messageOf(e)}` }),
      );
  }

  async #close(release = true): Promise<void> {
    const owned = this.#owned;
    this.#owned = undefined;
    if (!owned) return;
    owned.unlink?.();
    await owned.session.engine.close().catch(() => {});
    owned.connectivity.dispose();
    if (release) await owned.release();
  }
}
