import type { PokeHub } from './pokes.ts';

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
}): Response {
  let end = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const send = (text: string) => {
        if (open) controller.enqueue(encoder.encode(text));
      };
      const unsubscribe = o.hub.subscribe(o.userId, (version) => {
        send(`event: poke\ndata: ${JSON.stringify({ version })}\n\n`);
      });
      const timer = setInterval(() => send(': keep-alive\n\n'), o.keepAliveMs);
      end = () => {
        if (!open) return;
        open = false;
        unsubscribe();
        clearInterval(timer);
        o.streams.delete(end);
        try {
          controller.close();
        } catch {
          // already cancelled by the reader
        }
      };
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
