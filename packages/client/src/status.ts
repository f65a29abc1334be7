/** What the UI shows about sync. Changed only through `reduceStatus`. */
export interface SyncStatus {
  readonly phase: 'idle' | 'syncing' | 'offline' | 'error';
  readonly pending: number;
  readonly lastSyncedAt: number | null;
  readonly lastError: string | null;
  readonly failureCount: number;
}

export type StatusEvent =
  | { type: 'started' }
  | { type: 'succeeded'; at: number }
  | { type: 'failed'; error: string; offline: boolean }
  | { type: 'pending'; count: number };

export const initialStatus: SyncStatus = {
  phase: 'idle',
  pending: 0,
  lastSyncedAt: null,
  lastError: null,
  failureCount: 0,
};

export function reduceStatus(s: SyncStatus, e: StatusEvent): SyncStatus {
  switch (e.type) {
    case 'started':
      return { ...s, phase: 'syncing' };
    case 'succeeded':
      return { ...s, phase: 'idle', lastSyncedAt: e.at, lastError: null, failureCount: 0 };
    case 'failed':
      return {
        ...s,
        phase: e.offline ? 'offline' : 'error',
        lastError: e.error,
        failureCount: s.failureCount + 1,
      };
    case 'pending':
      return { ...s, pending: e.count };
  }
}
