import { ClientError } from './errors.ts';
import type { Transport } from './transport.ts';

/**
 * Reads `/v1/sync/events` (SSE over streaming fetch) and calls `onPoke` for every `poke`. Resolves when
 * the stream ends or `signal` aborts; throws ClientError on a failed connect.
 */
export async function readEvents(
  transport: Transport,
  token: string,
  signal: AbortSignal,
  onOpen: () => void,
  onPoke: (version: string) => void,
): Promise<void> {
  const res = await transport.stream('/v1/sync/events', { token, signal });
  if (res.status === 401) throw new ClientError('unauthorized', 'event stream refused the token');
  if (!res.ok || !res.body) throw new ClientError('server', `event stream answered ${res.status}`);
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        let event = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trim();
        }
        if (event === 'poke') {
          try {
            onPoke(String((JSON.parse(data) as { version: string }).version));
          } catch {
            onPoke('');
          }
        }
      }
    }
  } catch (e: unknown) {
    if (signal.aborted) return;
    throw new ClientError('network', 'event stream dropped', { cause: e });
  } finally {
    reader.releaseLock();
  }
}
