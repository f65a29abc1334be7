/**
 * Makes an engine one of the tabs: its committed changes are told to every tab (whose engines tell their
 * listeners, so every tab's lists refresh at once), the owner's engine syncs for all of them and publishes
 * its status, and "Sync now" in another tab asks the owner for a round.
 */

import { fromWire, toWire } from '../drivers/rpc/protocol.ts';
import type { Engine, SyncLeader } from '../engine.ts';
import { ClientError } from '../errors.ts';
import { initialStatus, type SyncStatus } from '../status.ts';
import type { SyncReport } from '../syncer.ts';
import type { SharedDatabase } from './shared-database.ts';

/** The owner's sync, seen from another tab. */
function createRemoteLeader(shared: SharedDatabase) {
  let status: SyncStatus = initialStatus;
  const listeners = new Set<(s: SyncStatus) => void>();
  const pending = new Map<number, { term: string; resolve(r: SyncReport): void; reject(e: unknown): void }>();
  let nextId = 1;
  const leader: SyncLeader = {
    get status() {
      return status;
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    sync() {
      const term = shared.ownerTerm;
      if (!term) return Promise.reject(new ClientError('network', 'no tab has the database open yet'));
      const id = nextId++;
      return new Promise<SyncReport>((resolve, reject) => {
        pending.set(id, { term, resolve, reject });
        shared.port.post({ type: 'sync', from: shared.tabId, to: term, id });
      });
    },
  };
  return {
    leader,
    setStatus(s: SyncStatus) {
      status = s;
      for (const l of [...listeners]) l(s);
    },
    settle(id: number, outcome: { ok: true; report: SyncReport } | { ok: false; error: unknown }) {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      if (outcome.ok) p.resolve(outcome.report);
      else p.reject(outcome.error);
    },
    /** The owner changed: a round asked of the earlier one will never be answered. */
    ownerChanged(term: string | undefined) {
      for (const [id, p] of pending) {
        if (p.term === term) continue;
        pending.delete(id);
        p.reject(new ClientError('network', 'the tab that was syncing closed; try again'));
      }
    },
  };
}

/**
 * Links `engine` (opened on `shared.driver`) to the other tabs until the returned function runs (before the
 * engine closes). In the owning tab the engine syncs (`engine.start()`); elsewhere it follows the owner's.
 */
export function linkEngine(engine: Engine, shared: SharedDatabase): () => void {
  const { port, tabId } = shared;
  const remote = createRemoteLeader(shared);
  let started = false;
  let offStatus = () => {};

  const offChange = engine.onChange((tables, detail) => {
    if (detail.elsewhere) return;
    port.post({
      type: 'change',
      from: tabId,
      tables: [...tables],
      source: detail.source,
      ops: detail.ops ?? 0,
      hlc: engine.hlc,
    });
  });

  const onRole = () => {
    remote.ownerChanged(shared.ownerTerm);
    if (shared.role === 'owner' && !started) {
      started = true;
      engine.start();
      const term = shared.ownerTerm!;
      const publish = (status: SyncStatus) => port.post({ type: 'status', term, status });
      offStatus = engine.subscribe(publish);
      publish(engine.status);
    } else if (shared.role === 'follower' && shared.ownerTerm) {
      port.post({ type: 'status?', to: shared.ownerTerm });
    }
  };

  const offPort = port.listen((m) => {
    switch (m.type) {
      case 'change':
        engine.changedElsewhere(m.tables, { source: m.source, ops: m.ops }, m.hlc);
        break;
      case 'status':
        if (m.term === shared.ownerTerm && shared.role === 'follower') remote.setStatus(m.status);
        break;
      case 'status?':
        if (shared.role === 'owner' && m.to === shared.ownerTerm)
          port.post({ type: 'status', term: m.to, status: engine.status });
        break;
      case 'sync':
        if (shared.role === 'owner' && m.to === shared.ownerTerm)
          engine.sync().then(
            (report) => port.post({ type: 'sync-reply', to: m.from, id: m.id, ok: true, report }),
            (e: unknown) =>
              port.post({ type: 'sync-reply', to: m.from, id: m.id, ok: false, error: toWire(e) }),
          );
        break;
      case 'sync-reply':
        if (m.to === tabId)
          remote.settle(
            m.id,
            m.ok ? { ok: true, report: m.report } : { ok: false, error: fromWire(m.error) },
          );
        break;
    }
  });

  if (shared.role !== 'owner') engine.followSync(remote.leader);
  const offShared = shared.subscribe(onRole);
  onRole();

  return () => {
    offShared();
    offPort();
    offChange();
    offStatus();
    remote.ownerChanged(undefined);
  };
}
