/** What the chaos controller and its client processes say to each other (IPC), and the client's history table. */
import type { SyncStatus } from '@selftracker/client';
import type { EntityName } from '@selftracker/core';

/** Handed to a client process in `CHAOS_CLIENT` (JSON). */
export interface ClientConfig {
  index: number;
  /** Its SQLite file (kept across kills). */
  file: string;
  /** Its load balancer's URL. */
  server: string;
  /** Its JSON-lines history file (appended across kills). */
  log: string;
  /** Seed of this incarnation's workload. */
  seed: number;
  email: string;
  password: string;
  /** How far this device's clock is off (ms, within the 60 s the server trusts). */
  skewMs: number;
  minGapMs: number;
  maxGapMs: number;
}

export type ClientRequest = { id: number } & (
  | { type: 'offline' }
  | { type: 'online' }
  | { type: 'pause' }
  | { type: 'sync' }
  | { type: 'state' }
  | { type: 'close' }
);

export type ClientReply =
  | { id: number; type: 'ready' }
  | { id: number; type: 'ok'; detail?: string }
  | { id: number; type: 'error'; message: string }
  | {
      id: number;
      type: 'state';
      pending: number;
      checksums: Record<EntityName, { count: number; checksum: string }>;
      status: SyncStatus;
    };

/**
 * The client's durable history of local writes: a copy of every outbox insert made by a trigger, so it commits
 * (or rolls back) with the write itself, and stays after the outbox entry is acknowledged and removed.
 */
export const CHAOS_LOG_SQL = [
  `CREATE TABLE IF NOT EXISTS chaos_log (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, op_id TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
     operation TEXT NOT NULL, data TEXT, hlc TEXT NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE TRIGGER IF NOT EXISTS chaos_log_outbox AFTER INSERT ON sync_queue BEGIN
     INSERT INTO chaos_log (op_id, entity, entity_id, operation, data, hlc, created_at)
     VALUES (NEW.op_id, NEW.entity, NEW.entity_id, NEW.operation, NEW.data, NEW.hlc, NEW.created_at);
   END`,
];
