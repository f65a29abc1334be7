import { backoffDelay, toError } from '@selftracker/core';
import pg from 'pg';
import { type Logger, silentLogger } from '../context.ts';

/** LISTEN on a PostgreSQL server: one dedicated connection for every channel, re-subscribed when it dies. */
export interface Listener {
  /**
   * Subscribes to a NOTIFY channel; resolves once the subscription is active. `onResubscribed` runs each time
   * the subscription is back after the connection was lost (notifications sent meanwhile are gone).
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onResubscribed?: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Reconnection delays: from 0.5 s doubling to 30 s, with jitter, for as long as it takes. */
const BACKOFF = { baseMs: 500, capMs: 30_000 };

/**
 * The listening connection is opened on the first `listen`, not before. When it dies (the server restarted, the
 * network failed) it is reopened with the shared backoff, forever, each attempt and the recovery logged; once
 * every channel is subscribed again, each channel's `onResubscribed` runs.
 */
export function createListener(url: string, log: Logger = silentLogger): Listener {
  const listeners = new Map<string, Set<(p: string) => void>>();
  const resubscribed = new Map<string, Set<() => void>>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  const lost = (c: pg.Client, err?: unknown) => {
    if (client !== c) return; // an older connection, already replaced
    client = undefined;
    c.removeAllListeners('notification');
    c.end().catch(() => {});
    if (closed) return;
    log.warn({ err: err === undefined ? undefined : toError(err) }, 'LISTEN connection lost: pokes paused');
    schedule();
  };

  const open = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, keepAlive: true });
    c.on('error', (e) => lost(c, e));
    c.on('end', () => lost(c));
    try {
      await c.connect();
      c.on('notification', (msg) => {
        for (const cb of listeners.get(msg.channel) ?? []) cb(msg.payload ?? '');
      });
      client = c;
      for (const ch of listeners.keys()) await c.query(`LISTEN ${pg.escapeIdentifier(ch)}`);
      return c;
    } catch (e) {
      client = undefined;
      c.removeAllListeners('error');
      c.on('error', () => {});
      await c.end().catch(() => {});
      throw e;
    }
  };

  const connect = (): Promise<pg.Client> => {
    if (client) return Promise.resolve(client);
    connecting ??= open().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  const schedule = () => {
    if (closed || retry) return;
    failures++;
    const delayMs = Math.round(backoffDelay(failures, BACKOFF));
    log.warn({ attempt: failures, delay_ms: delayMs }, 'LISTEN connection: reconnecting');
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => {
          log.info({ attempts: failures }, 'LISTEN connection back: pokes resumed');
          failures = 0;
          for (const set of resubscribed.values()) for (const cb of set) cb();
        },
        (e: unknown) => {
          log.warn({ attempt: failures, err: toError(e) }, 'LISTEN connection: reconnect failed');
          schedule();
        },
      );
    }, delayMs);
    retry.unref?.();
  };

  return {
    async listen(channel, onPayload, onResubscribed) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        const c = await connect();
        await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      }
      set.add(onPayload);
      const again = resubscribed.get(channel) ?? new Set<() => void>();
      resubscribed.set(channel, again);
      if (onResubscribed) again.add(onResubscribed);
      return async () => {
        set.delete(onPayload);
        if (onResubscribed) again.delete(onResubscribed);
      };
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
