/**
 * What the tabs of one browser say to each other about one database, over one BroadcastChannel (every tab hears
 * every message; `to` names the addressee where there is one). Plain structured-clone-safe data.
 *
 * An owner is named by its *term* (`<tab id>:<n>`), not by its tab: a tab that gave the database up and took it
 * again is a new owner, and nothing addressed to its earlier term reaches the new one.
 */
import type { EntityName } from '@selftracker/core';
import type { RpcRequest, RpcResponse, WireError } from '../drivers/rpc/protocol.ts';
import type { SyncStatus } from '../status.ts';
import type { SyncReport } from '../syncer.ts';

export type TabMessage =
  /** The sender owns the database now (sent on taking it, and in answer to `who`). */
  | { type: 'owner'; term: string }
  /** A tab that joined asks who owns the database. */
  | { type: 'who' }
  /** The owner closed the database and releases it (sign-out, the app closing it); the next tab takes it. */
  | { type: 'owner-gone'; term: string }
  /** A statement, transaction step or close, from a tab to the owner (the RPC driver's protocol). */
  | { type: 'rpc'; from: string; to: string; body: RpcRequest }
  | { type: 'rpc-reply'; to: string; term: string; body: RpcResponse }
  /** A tab committed a change: listeners everywhere refresh, the owner schedules a sync for local writes. */
  | {
      type: 'change';
      from: string;
      tables: EntityName[];
      source: 'local' | 'sync';
      ops: number;
      hlc: string;
    }
  /** The owner's sync status (on every change, and in answer to `status?`). */
  | { type: 'status'; term: string; status: SyncStatus }
  | { type: 'status?'; to: string }
  /** "Sync now" in a tab that does not own the database: the owner runs the round. */
  | { type: 'sync'; from: string; to: string; id: number }
  | ({ type: 'sync-reply'; to: string; id: number } & (
      | { ok: true; report: SyncReport }
      | { ok: false; error: WireError }
    ));
