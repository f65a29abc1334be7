import type { SqliteExecutor } from './driver.ts';

/** Keys of the `sync_state` table. */
export type StateKey =
  | 'client_id'
  | 'hlc'
  | 'cursor'
  | 'cursor_version'
  | 'last_sync_at'
  | 'last_checksum'
  | 'last_checksum_at'
  /** Set with every push acknowledgement, cleared once checksums were compared or every row echoed back. */
  | 'verify_due'
  /** A resync under way (`all` or a comma list of entities): set before its first page, cleared by its last. */
  | 'resync'
  | 'last_error'
  /** The code of the last error (`SyncErrorCode`) and when its streak began. */
  | 'last_error_kind'
  | 'last_error_at'
  | 'server'
  | 'user_id'
  | 'email'
  | 'access_token'
  | 'refresh_token';

export async function getState(db: SqliteExecutor, key: StateKey): Promise<string | undefined> {
  const [r] = await db.query<{ value: string | null }>('SELECT value FROM sync_state WHERE key = ?', [key]);
  return r?.value ?? undefined;
}

export async function getStates(db: SqliteExecutor): Promise<Partial<Record<StateKey, string>>> {
  const rows = await db.query<{ key: StateKey; value: string | null }>('SELECT key, value FROM sync_state');
  return Object.fromEntries(rows.filter((r) => r.value !== null).map((r) => [r.key, r.value]));
}

export async function setState(
  db: SqliteExecutor,
  values: Partial<Record<StateKey, string | null>>,
): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    if (value === null) await db.exec('DELETE FROM sync_state WHERE key = ?', [key]);
    else
      await db.exec(
        // The clock only moves forward, whichever process on this file stores it (HLC strings sort in clock order).
        `INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ${
          key === 'hlc' ? 'max(value, excluded.value)' : 'excluded.value'
        }`,
        [key, value],
      );
  }
}
