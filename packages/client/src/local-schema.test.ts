import { join } from 'node:path';
import { ENTITIES, ENTITY_NAMES, type FieldKind } from '@selftracker/core';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { afterAll, describe, expect, it } from 'vitest';
import { openNodeDriver } from './drivers/node/index.ts';
import { migrate } from './local-schema.ts';
import { LOCAL_TABLES, syncQueueTable } from './local-tables.ts';
import { tempDir } from './testing/index.ts';

const dir = tempDir('selftracker-schema-');
afterAll(() => dir.cleanup());

/** The SQLite type a registry field is stored as. */
const SQL_TYPE: Record<FieldKind, string> = {
  text: 'TEXT',
  uuid: 'TEXT',
  integer: 'INTEGER',
  boolean: 'INTEGER',
};

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

describe('local schema after every migration', async () => {
  const driver = openNodeDriver(join(dir.path, 'schema.db'));
  await migrate(driver);
  afterAll(() => driver.close());
  const columns = (table: string) =>
    driver.query<ColumnInfo>(`SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, [
      table,
    ]);

  it.each(ENTITY_NAMES)(
    '%s has id, deleted and one column per registry field, typed by its kind',
    async (e) => {
      expect(await columns(e)).toEqual([
        { name: 'id', type: 'TEXT', notnull: 0, pk: 1 },
        { name: 'deleted', type: 'INTEGER', notnull: 1, pk: 0 },
        // Nullable in SQLite whatever the registry says: a tombstone keeps no data.
        ...ENTITIES[e].fields.map((f) => ({ name: f.name, type: SQL_TYPE[f.kind], notnull: 0, pk: 0 })),
      ]);
    },
  );

  it.each(ENTITY_NAMES)('%s matches its Drizzle table: columns and indexes', async (e) => {
    const config = getTableConfig(LOCAL_TABLES[e]);
    const actual = await columns(e);
    expect(config.columns.map((c) => [c.name, c.getSQLType().toUpperCase(), c.notNull, c.primary])).toEqual(
      actual.map((c) => [c.name, c.type, c.notnull === 1 || c.pk === 1, c.pk === 1]),
    );
    const indexes = await driver.query<{ name: string; partial: number }>(
      `SELECT name, partial FROM pragma_index_list(?) WHERE origin = 'c' ORDER BY name`,
      [e],
    );
    const declared = config.indexes.map((i) => i.config).sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(indexes.map((i) => [i.name, i.partial])).toEqual(declared.map((i) => [i.name, i.where ? 1 : 0]));
    for (const idx of declared) {
      const cols = await driver.query<{ name: string }>(
        'SELECT name FROM pragma_index_info(?) ORDER BY seqno',
        [idx.name],
      );
      expect(cols.map((c) => c.name)).toEqual(idx.columns.map((c) => (c as { name: string }).name));
    }
  });

  it('sync_queue matches its Drizzle table', async () => {
    const config = getTableConfig(syncQueueTable);
    expect(config.columns.map((c) => [c.name, c.getSQLType().toUpperCase(), c.notNull, c.primary])).toEqual(
      (await columns('sync_queue')).map((c) => [c.name, c.type, c.notnull === 1 || c.pk === 1, c.pk === 1]),
    );
  });
});
