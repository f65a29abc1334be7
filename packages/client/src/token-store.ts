/**
 * Where the session's tokens live: by default in the user's database (`sync_state`), or in a platform's
 * keystore (the phone app passes an expo-secure-store one: Keychain on iOS, Keystore on Android). The engine
 * reads and writes tokens only through this seam; the rest of the session (user, email, server) stays in
 * `sync_state`.
 */
import type { SqliteExecutor } from './driver.ts';
import { getState, setState } from './sync-state.ts';

export interface SessionTokens {
  access_token: string | null;
  refresh_token: string | null;
}

export interface TokenStore {
  load(): Promise<SessionTokens>;
  /** Replaces both tokens (`null` clears one: signed out, or a refresh the server refused). */
  save(tokens: SessionTokens): Promise<void>;
}

/** The default: the tokens in the database's `sync_state`, as before the seam existed. */
export function databaseTokenStore(db: SqliteExecutor): TokenStore {
  return {
    async load() {
      return {
        access_token: (await getState(db, 'access_token')) ?? null,
        refresh_token: (await getState(db, 'refresh_token')) ?? null,
      };
    },
    save: (tokens) => setState(db, { ...tokens }),
  };
}

/** A key-value keystore (expo-secure-store's async API has this shape). */
export interface KeyValueStore {
  getItemAsync(key: string): Promise<string | null>;
  setItemAsync(key: string, value: string): Promise<void>;
  deleteItemAsync(key: string): Promise<void>;
}

/**
 * Tokens in a keystore under `<prefix>.access` and `<prefix>.refresh` (one prefix per user database, e.g.
 * `selftracker.<user id>`: letters, digits, `.`, `-` and `_` only, as secure stores require).
 */
export function keyValueTokenStore(store: KeyValueStore, prefix: string): TokenStore {
  const put = (key: string, value: string | null) =>
    value === null ? store.deleteItemAsync(key) : store.setItemAsync(key, value);
  return {
    async load() {
      return {
        access_token: await store.getItemAsync(`${prefix}.access`),
        refresh_token: await store.getItemAsync(`${prefix}.refresh`),
      };
    },
    async save(tokens) {
      // The refresh token first: a crash between the two leaves a usable refresh token, never a stale one.
      await put(`${prefix}.refresh`, tokens.refresh_token);
      await put(`${prefix}.access`, tokens.access_token);
    },
  };
}
