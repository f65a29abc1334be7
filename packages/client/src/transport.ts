import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@selftracker/core';
import { ClientError } from './errors.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** Talks HTTP to one SelfTracker server through an injected fetch (a fault-injecting one in tests). */
export interface Transport {
  readonly baseUrl: string;
  request<T = unknown>(
    method: HttpMethod,
    path: string,
    o?: { body?: unknown; token?: string | undefined; signal?: AbortSignal | undefined },
  ): Promise<HttpResult<T>>;
  /** Opens a streaming response (SSE); the caller reads and cancels the body. */
  stream(path: string, o: { token: string; signal: AbortSignal }): Promise<Response>;
}

function headers(token: string | undefined, json: boolean): Record<string, string> {
  const h: Record<string, string> = { [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) };
  if (token) h.authorization = `Bearer ${token}`;
  if (json) h['content-type'] = 'application/json';
  return h;
}

/**
 * How long one request may take, answer body included (default 60 s). Without a bound, a request the HTTP stack
 * never settles (the chaos run saw Node's fetch wait with no socket left after a connection reset) would hold the
 * sync loop in its round for good; past it the request fails as a network error and is retried with backoff.
 */
export const REQUEST_TIMEOUT_MS = 60_000;

export function createTransport(
  baseUrl: string,
  fetchImpl: FetchLike = (i, init) => fetch(i, init),
  { timeoutMs = REQUEST_TIMEOUT_MS }: { timeoutMs?: number } = {},
): Transport {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    baseUrl: base,
    async request(method, path, o = {}) {
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), timeoutMs);
      const signal = o.signal ? AbortSignal.any([o.signal, timeout.signal]) : timeout.signal;
      const failure = (what: string, e: unknown) =>
        timeout.signal.aborted
          ? new ClientError('network', `no answer from ${base} within ${timeoutMs / 1000} s`, { cause: e })
          : new ClientError('network', `${what}: ${e instanceof Error ? e.message : String(e)}`, {
              cause: e,
            });
      let res: Response;
      let text: string;
      try {
        try {
          res = await fetchImpl(base + path, {
            method,
            headers: headers(o.token, o.body !== undefined),
            body: o.body === undefined ? null : JSON.stringify(o.body),
            signal,
          });
        } catch (e: unknown) {
          throw failure(`cannot reach ${base}`, e);
        }
        try {
          text = await res.text();
        } catch (e: unknown) {
          throw failure(`connection to ${base} dropped`, e);
        }
      } finally {
        clearTimeout(timer);
      }
      let body: unknown = null;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = { error: { code: 'bad_response', message: text.slice(0, 200) } };
        }
      }
      return { status: res.status, body: body as never, headers: res.headers };
    },
    async stream(path, o) {
      try {
        return await fetchImpl(base + path, { headers: headers(o.token, false), signal: o.signal });
      } catch (e: unknown) {
        throw new ClientError('network', `cannot reach ${base}`, { cause: e });
      }
    },
  };
}

/** Maps a non-2xx response to the engine's error, classified once as retryable or not. */
export function errorFromResponse(r: HttpResult): ClientError {
  const err = (r.body as { error?: { code?: string; message?: string } } | null)?.error;
  const msg = err?.message ?? `HTTP ${r.status}`;
  const retryAfter = Number(r.headers.get('retry-after'));
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  if (r.status === 401) return new ClientError('unauthorized', msg);
  // The body took too long to arrive (a very slow link): retried like any network failure.
  if (r.status === 408) return new ClientError('network', msg);
  if (r.status === 410) return new ClientError('reset_required', msg);
  if (r.status === 426) return new ClientError('upgrade_required', msg);
  if (r.status === 429) return new ClientError('rate_limited', msg, { retryAfterMs });
  if (r.status >= 500) return new ClientError('server', msg, { retryAfterMs });
  return new ClientError('rejected', `${err?.code ?? r.status}: ${msg}`);
}
