import type { Transaction as PgliteTransaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * `COPY … FROM STDIN` in PostgreSQL's text format: the fastest way to insert rows. Data is lines built with
 * `copyText`, whole or as chunks produced lazily.
 */

/** One value in COPY's text format: `\N` for null, `t`/`f`, numbers, text with backslash escapes. */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]!) : s;
}
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const copyStatement = (table: string, columns: readonly string[], source: string) =>
  `COPY ${table} (${columns.join(', ')}) FROM ${source}`;

/** COPY through node-postgres (`pg-copy-streams`): each chunk is sent while the next is built. */
export function copyThroughStream(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  data: string | Iterable<string>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(copyStatement(table, columns, 'STDIN')));
    let failed = false;
    stream.on('error', (e) => {
      failed = true;
      reject(e);
    });
    stream.on('finish', resolve);
    if (typeof data === 'string') {
      stream.end(data);
      return;
    }
    // One chunk in flight at a time: the next is built while the database takes this one, and
    // pg-copy-streams never holds several chunks for a busy socket (its path that can throw
    // from a 'drain' listener once the database has refused the COPY).
    void (async () => {
      for (const chunk of data) {
        if (failed) return;
        await new Promise<void>((done) => {
          const settle = () => {
            stream.off('error', settle);
            done();
          };
          stream.once('error', settle);
          stream.write(chunk, settle);
        });
      }
      if (!failed) stream.end();
    })().catch((e: unknown) => stream.destroy(e as Error));
  });
}

/** COPY in PGlite: the data goes in whole as a blob (`/dev/blob`). */
export async function copyThroughBlob(
  t: PgliteTransaction,
  table: string,
  columns: readonly string[],
  data: string | Iterable<string>,
): Promise<void> {
  const blob = new Blob(typeof data === 'string' ? [data] : Array.from(data));
  await t.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob });
}
