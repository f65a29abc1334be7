import type { Database } from '../db/database.ts';
import { ACCOUNT_DELETED, POKE_CHANNEL } from './push-persist.ts';

export type PokeListener = (version: string) => void;

/**
 * Fans PostgreSQL NOTIFY pokes out to this instance's open event streams. Every instance LISTENs, so
 * a write handled by any instance reaches every stream of that user.
 */
export interface PokeHub {
  /** Registers a listener synchronously: a poke for a commit after this call is delivered. */
  subscribe(userId: string, listener: PokeListener): () => void;
  close(): Promise<void>;
}

export async function createPokeHub(db: Database): Promise<PokeHub> {
  const byUser = new Map<string, Set<PokeListener>>();
  const poke = (userId: string, version: string) => {
    for (const l of byUser.get(userId) ?? []) l(version);
  };
  // After an outage of the LISTEN connection a change may have been missed: every open stream is poked once with
  // its user's current version, and its client pulls.
  const pokeAll = async () => {
    const users = [...byUser.keys()];
    if (users.length === 0) return;
    const rows = await db.query<{ id: string; version: number }>(
      'SELECT id, version FROM users WHERE id = ANY($1::uuid[])',
      [users],
    );
    for (const r of rows) poke(r.id, String(r.version));
    // An account deleted meanwhile: its streams close, as the lost notification would have told them.
    const found = new Set(rows.map((r) => r.id));
    for (const id of users) if (!found.has(id)) poke(id, ACCOUNT_DELETED);
  };
  const unlisten = await db.listen(
    POKE_CHANNEL,
    (payload) => {
      const [userId, version] = payload.split(' ');
      if (userId && version) poke(userId, version);
    },
    () => {
      pokeAll().catch(() => {
        // the database failed again: the next recovery pokes again
      });
    },
  );
  return {
    subscribe(userId, listener) {
      const set = byUser.get(userId) ?? new Set<PokeListener>();
      byUser.set(userId, set);
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && byUser.get(userId) === set) byUser.delete(userId);
      };
    },
    async close() {
      byUser.clear();
      await unlisten();
    },
  };
}
