import type { EntityData, EntityName } from '@selftracker/core';

/** One row a sync round wrote on this device, as it now is here (server state with pending edits on top). */
export interface ChangedRow {
  entity: EntityName;
  id: string;
  /** Gone on this device (a tombstone, or removed). */
  deleted: boolean;
  /** Every field of the row now; `null` when deleted. */
  data: EntityData | null;
  /**
   * The row came back in the round that pushed this device's own operation on it: most likely this device's
   * write (another device may have changed other fields of it meanwhile).
   */
  echo: boolean;
}

/** What a change event knows beyond the tables it touched. */
export interface ChangeDetail {
  /** `local`: a write made through this engine; `sync`: a sync round (pulled rows, a rejection undone, a resync). */
  source: 'local' | 'sync';
  /** The rows a sync round wrote, when it names them (pulled pages and rejections; not a resync's final sweep). */
  rows?: readonly ChangedRow[];
  /** For a local write: how many outbox operations it queued. */
  ops?: number;
  /**
   * Another engine on the same database made the change (another browser tab, told through
   * `Engine.changedElsewhere`); absent for this engine's own writes and rounds.
   */
  elsewhere?: true;
}

/** Hears committed changes: the tables they touched (for live queries) and, for sync rounds, which rows. */
export type ChangeListener = (tables: readonly EntityName[], detail: ChangeDetail) => void;
