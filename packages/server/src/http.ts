import { MAX_BODY_BYTES, ProtocolError } from '@selftracker/core';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';

/** Rejects bodies over 2 MiB with `413 payload_too_large`, also when no Content-Length is sent. */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ProtocolError('payload_too_large', `request body is larger than ${MAX_BODY_BYTES} bytes`);
  },
});

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The query parameters of a request, each at most once: `limit=1&limit=2` is ambiguous (servers and proxies
 * disagree on which one wins), so it is `400 invalid_request`.
 */
export function singleQuery(c: Context): Record<string, string> {
  const all = c.req.queries();
  const out: Record<string, string> = {};
  for (const [k, vs] of Object.entries(all)) {
    if (vs.length > 1) throw new ProtocolError('invalid_request', `${k}: given more than once`);
    out[k] = vs[0] ?? '';
  }
  return out;
}

/** How long a request body may take to arrive (default 30 s); `createServer` sets it per request. */
export const BODY_TIMEOUT_VAR = 'bodyTimeoutMs';
const DEFAULT_BODY_TIMEOUT_MS = 30_000;

/**
 * The client went away before its request was read (a closed tab, a lost connection): nothing to answer, and
 * not a server error. `app.ts` logs it as such.
 */
export class ClientGone extends Error {
  override readonly name = 'ClientGone';
}

/**
 * The raw body, bounded in time: a body trickled in byte by byte would otherwise hold the request (and its
 * memory) for minutes. `408 request_timeout` past the bound; `ClientGone` when the client disconnects.
 */
async function readBody(c: Context): Promise<ArrayBuffer> {
  const ms = (c.var as Record<string, unknown>)[BODY_TIMEOUT_VAR] ?? DEFAULT_BODY_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ProtocolError(
            'request_timeout',
            `the request body did not arrive within ${Number(ms) / 1000} s`,
          ),
        ),
      Number(ms),
    );
  });
  try {
    return await Promise.race([c.req.arrayBuffer(), late]);
  } catch (e: unknown) {
    if (ProtocolError.is(e)) throw e;
    throw new ClientGone('the client disconnected before the request body arrived', { cause: e });
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a JSON body: `415` for another media type, `400` for malformed JSON or the wrong shape. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  return (await readChecked(c, schema)).parsed;
}

/**
 * Like {@link readJson}, but hands on the body exactly as sent once the schema accepts it. Zod's output
 * silently drops a `"__proto__"` key of a loose object, which would hide an unknown operation field
 * (PROTOCOL.md: it makes the operation `invalid_op`). Only for schemas that check and never transform.
 */
export async function readJsonAsSent<S extends z.ZodType>(
  c: Context,
  schema: S,
  accepts?: (body: unknown) => boolean,
): Promise<z.infer<S>> {
  return (await readChecked(c, schema, accepts)).sent as z.infer<S>;
}

/** `accepts`: a fast check equivalent to `schema` for a body that passes it (the schema still explains a failure). */
async function readChecked<S extends z.ZodType>(
  c: Context,
  schema: S,
  accepts?: (body: unknown) => boolean,
): Promise<{ parsed: z.infer<S>; sent: unknown }> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ProtocolError('unsupported_media_type', 'the body must be application/json');
  }
  // JSON is UTF-8 (PROTOCOL.md): another declared charset would be read wrongly, not converted.
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(type)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new ProtocolError('unsupported_media_type', 'the body must be application/json in UTF-8');
  }
  const bytes = await readBody(c);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch (e: unknown) {
    if (ProtocolError.is(e)) throw e;
    // Invalid bytes would otherwise become U+FFFD silently and be stored as such.
    throw new ProtocolError('invalid_request', 'the body is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e: unknown) {
    if (ProtocolError.is(e)) throw e;
    throw new ProtocolError('invalid_request', 'the body is not valid JSON');
  }
  if (accepts?.(body)) return { parsed: body as z.infer<S>, sent: body };
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new ProtocolError('invalid_request', `${where}${issue?.message ?? 'wrong shape'}`);
  }
  return { parsed: parsed.data, sent: body };
}
