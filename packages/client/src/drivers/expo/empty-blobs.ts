/**
 * expo-sqlite's web build binds an empty Uint8Array as NULL (a zero-length blob reaches SQLite as a null
 * pointer). A statement with such a parameter has that `?` replaced by `zeroblob(0)`, the one SQL spelling of
 * an empty blob, and the parameter dropped. Only plain `?` placeholders are counted, outside strings,
 * quoted identifiers and comments (the engine writes no other kind).
 */
export function inlineEmptyBlobs<V>(sql: string, params: readonly V[]): { sql: string; params: V[] } {
  const isEmptyBlob = (v: V) => v instanceof Uint8Array && v.byteLength === 0;
  if (!params.some(isEmptyBlob)) return { sql, params: [...params] };
  let out = '';
  let index = 0;
  const kept: V[] = [];
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    const close = c === "'" || c === '"' || c === '`' ? c : c === '[' ? ']' : undefined;
    let end = i;
    if (close) end = sql.indexOf(close, i + 1);
    else if (c === '-' && sql[i + 1] === '-') end = sql.indexOf('\n', i);
    else if (c === '/' && sql[i + 1] === '*') end = sql.indexOf('*/', i + 2) + 1;
    if (end !== i) {
      const stop = end < i ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop - 1;
      continue;
    }
    if (c === '?' && !/\d/.test(sql[i + 1] ?? '')) {
      const v = params[index++] as V;
      if (isEmptyBlob(v)) out += 'zeroblob(0)';
      else {
        out += c;
        kept.push(v);
      }
      continue;
    }
    out += c;
  }
  return { sql: out, params: kept };
}
