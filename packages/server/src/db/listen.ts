import pg from 'pg';

/** LISTEN on a PostgreSQL server: one dedicated connection for every channel, re-subscribed when it dies. */
export interface Listener {
  /** Subscribes to a NOTIFY channel; resolves once the subscription is active. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The listening connection is opened on the first `listen`, not before. */
export function createListener(url: string): Listener {
  const listeners = new Map<string, Set<(p: string) => void>>();
  let client: pg.Client | undefined;
  let closed = false;
  const connect = async (): Promise<pg.Client> => {
    if (client) return client;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    c.on('notification', (msg) => {
      for (const cb of listeners.get(msg.channel) ?? []) cb(msg.payload ?? '');
    });
    c.on('error', () => {
      // The listening connection died: reconnect and re-subscribe every channel.
      client = undefined;
      setTimeout(() => {
        void resubscribe().catch(() => {});
      }, 1000).unref();
    });
    client = c;
    return c;
  };
  const resubscribe = async () => {
    if (closed || listeners.size === 0) return;
    const c = await connect();
    for (const ch of listeners.keys()) await c.query(`LISTEN ${pg.escapeIdentifier(ch)}`);
  };
  return {
    async listen(channel, onPayload) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        const c = await connect();
        await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      }
      set.add(onPayload);
      return async () => {
        set.delete(onPayload);
      };
    },
    async close() {
      closed = true;
      await client?.end().catch(() => {});
    },
  };
}
