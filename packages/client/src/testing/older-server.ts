import type { FetchLike } from '../transport.ts';

/**
 * A fetch that makes the server look like one from before pulled rows carried `hlc` (PROTOCOL.md, Pull: a
 * client must not require it): the field is removed from pull changes and from rejected push results' rows.
 */
export function withoutHlc(base: FetchLike = (i, init) => fetch(i, init)): FetchLike {
  return async (url, init) => {
    const res = await base(url, init);
    if (!/\/v1\/sync\/(pull|push)/.test(url) || res.status !== 200) return res;
    const body = (await res.json()) as {
      changes?: { hlc?: string }[];
      results?: { row?: { hlc?: string } | null }[];
    };
    for (const c of body.changes ?? []) delete c.hlc;
    for (const r of body.results ?? []) if (r.row) delete r.row.hlc;
    return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
  };
}
