import type { PokeHub } from './pokes.ts';
import { ACCOUNT_DELETED } from './push-persist.ts';

const encoder = new TextEncoder();

/**
 * The SSE stream of `/v1/sync/events`. The poke subscription is made before the Response exists, so a
 * write that starts after the client sees the headers is always poked.
 */
export function openEventStream(o: {
  hub: PokeHub;
  userId: string;
  signal: AbortSignal;
  keepAliveMs: number;
  /** Registry of open streams: each entry ends its stream (used on shutdown). */
  streams: Set<() => void>;
  /** The stream ends then (its token expires): the client reconnects with a fresh token. */
  closeInMs: number;
  /** Open streams per user: opening one more ends the user's oldest. */
  maxPerUser: number;
  /** This server's open streams by user, oldest first (each entry ends its stream). */
  byUser: Map<string, (() => void)[]>;
}): Response {
  let end = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const send = (text: string) => {
        if (open) controller.enqueue(encoder.encode(text));
      };
      const unsubscribe = o.hub.subscribe(o.userId, (version) => {
        if (version === ACCOUNT_DELETED) return end();
        send(`event: poke\ndata: ${JSON.stringify({ version })}\n\n`);
      });
      const timer = setInterval(() => send(': keep-alive\n\n'), o.keepAliveMs);
      const expiry = setTimeout(() => end(), Math.max(0, o.closeInMs));
      const byUser = o.byUser;
      const mine = byUser.get(o.userId) ?? [];
      byUser.set(o.userId, mine);
      end = () => {
        if (!open) return;
        open = false;
        unsubscribe();
        clearInterval(timer);
        clearTimeout(expiry);
        o.streams.delete(end);
        mine.splice(mine.indexOf(end), 1);
        if (mine.length === 0 && byUser.get(o.userId) === mine) byUser.delete(o.userId);
        try {
          controller.close();
        } catch {
          // already cancelled by the reader
        }
      };
      // One user's streams are capped (each holds a socket and a subscription): the oldest makes room.
      while (mine.length >= o.maxPerUser) mine[0]!();
      mine.push(end);
      o.streams.add(end);
      o.signal.addEventListener('abort', end, { once: true });
      send(': connected\n\n');
    },
    cancel() {
      end();
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  });
}
