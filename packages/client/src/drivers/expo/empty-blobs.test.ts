import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { inlineEmptyBlobs } from './empty-blobs.ts';

const empty = new Uint8Array(0);

describe('inlineEmptyBlobs', () => {
  it('leaves a statement without empty blobs alone', () => {
    expect(inlineEmptyBlobs('SELECT ?', [1])).toEqual({ sql: 'SELECT ?', params: [1] });
  });
  it('replaces the placeholder of each empty blob, skipping strings and comments', () => {
    const sql = "INSERT INTO t (a, b, c) VALUES (?, '?', ?) -- ?\n, /* ? */ ?";
    expect(inlineEmptyBlobs(sql, [1, empty, 3])).toEqual({
      sql: "INSERT INTO t (a, b, c) VALUES (?, '?', zeroblob(0)) -- ?\n, /* ? */ ?",
      params: [1, 3],
    });
  });
  it('stores an empty blob in real SQLite', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v)');
    const { sql, params } = inlineEmptyBlobs('INSERT INTO t (id, v) VALUES (?, ?)', [1, empty]);
    db.prepare(sql).run(params);
    expect(db.prepare('SELECT typeof(v) AS ty, length(v) AS n FROM t').get()).toEqual({ ty: 'blob', n: 0 });
    db.close();
  });
});
