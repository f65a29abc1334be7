import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { expect, it } from 'vitest';
import { MIGRATIONS_DIR } from './database.ts';

const apply = async (db: PGlite, file: string) => {
  const text = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
  for (const statement of text.split('--> statement-breakpoint')) await db.exec(statement);
};

it('0002 gives rows stored before it their highest field HLC, and tombstones the server HLC of their delete', async () => {
  const db = new PGlite();
  try {
    await apply(db, '0000_init.sql');
    await apply(db, '0001_rate_limits.sql');
    const [user, live, gone] = [1, 2, 3].map((n) => `00000000-0000-4000-8000-00000000000${n}`);
    // The highest in byte order, the clock order (PROTOCOL.md): the same wall and counter, node 'b'.
    const hlc = {
      title: '001764000000000-00001-Z',
      status: '001764000000000-00001-b',
      due_at: '001764000000000-00001-a',
    };
    await db.query(
      `INSERT INTO tasks (user_id, id, version, hlc, title, status, created_at, updated_at) VALUES ($1, $2, 1, $3, 't', 'todo', 1, 1)`,
      [user, live, JSON.stringify(hlc)],
    );
    await db.query(
      `INSERT INTO tasks (user_id, id, version, deleted, deleted_at, hlc) VALUES ($1, $2, 2, true, 1764000000123, '{}')`,
      [user, gone],
    );
    await apply(db, '0002_row_max_hlc.sql');
    const { rows } = await db.query<{ id: string; max_hlc: string }>(
      'SELECT id, max_hlc FROM tasks ORDER BY version',
    );
    expect(rows).toEqual([
      { id: live, max_hlc: hlc.status },
      { id: gone, max_hlc: '001764000000123-00000-server' },
    ]);
  } finally {
    await db.close();
  }
});

it('0003 puts each refresh token stored before it in a family of its own, not yet rotated', async () => {
  const db = new PGlite();
  try {
    for (const f of ['0000_init.sql', '0001_rate_limits.sql', '0002_row_max_hlc.sql']) await apply(db, f);
    const user = '00000000-0000-4000-8000-000000000001';
    await db.query(`INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, 'a@b.c', 'x', 1)`, [
      user,
    ]);
    await db.query(
      `INSERT INTO refresh_tokens (token_hash, user_id, expires_at, created_at) VALUES ('h1', $1, 9, 1), ('h2', $1, 9, 1)`,
      [user],
    );
    await apply(db, '0003_refresh_families.sql');
    const { rows } = await db.query(
      'SELECT token_hash, family, rotated_at FROM refresh_tokens ORDER BY token_hash',
    );
    expect(rows).toEqual([
      { token_hash: 'h1', family: 'h1', rotated_at: null },
      { token_hash: 'h2', family: 'h2', rotated_at: null },
    ]);
  } finally {
    await db.close();
  }
});
