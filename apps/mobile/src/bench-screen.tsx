/**
 * The storage benchmark page of the web build (`/?bench`, for `npm run bench:mobile`): `__bench.bulkCreate(n)`
 * times `engine.tasks.bulkCreate` through the expo-sqlite driver; `__bench.rawInsert(n)` times the same inserts
 * straight on expo-sqlite (one prepared statement in one transaction, on its own connection to the same file)
 * into a scratch copy of `tasks`.
 */
import { Engine } from '@selftracker/client';
import { openExpoDriver } from '@selftracker/client/expo';
import * as SQLite from 'expo-sqlite';
import { Text } from 'react-native';

const file = `b${Date.now().toString(36)}.db`;
let engine: Promise<Engine> | undefined;

// Never started: no sync, only local writes. The server URL is never contacted.
const openEngine = () => {
  engine ??= openExpoDriver(file).then((driver) => Engine.open({ driver, server: 'http://127.0.0.1:9' }));
  return engine;
};

async function bulkCreate(rows: number): Promise<{ ms: number }> {
  const e = await openEngine();
  const now = Date.now();
  const inputs = Array.from({ length: rows }, (_, i) => ({
    title: `Bench task ${i}`,
    created_at: now,
    updated_at: now,
  }));
  const started = performance.now();
  await e.tasks.bulkCreate(inputs);
  return { ms: performance.now() - started };
}

async function rawInsert(rows: number): Promise<{ ms: number }> {
  await openEngine(); // the file exists and is migrated
  const db = await SQLite.openDatabaseAsync(file, { useNewConnection: true });
  await db.execAsync('DROP TABLE IF EXISTS bench_raw_tasks');
  const schema = await db.getAllAsync<{ type: string; name: string; sql: string }>(
    // Tables and indexes, not the full-text index's triggers (they would stay on `tasks`).
    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'tasks' AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC",
  );
  for (const o of schema)
    await db.execAsync(
      o.type === 'table'
        ? o.sql.replace(/^CREATE TABLE\s+"?tasks"?/i, 'CREATE TABLE bench_raw_tasks')
        : o.sql
            .replace(o.name, `bench_raw_${o.name}`)
            .replace(/\bON\s+"?tasks"?\s*\(/i, 'ON bench_raw_tasks ('),
    );
  const now = Date.now();
  const started = performance.now();
  await db.execAsync('BEGIN IMMEDIATE');
  const st = await db.prepareAsync(
    'INSERT INTO bench_raw_tasks (id, deleted, title, description, status, project_id, due_at, created_at, updated_at) ' +
      'VALUES (?, 0, ?, NULL, ?, NULL, NULL, ?, ?)',
  );
  for (let i = 0; i < rows; i++)
    await st.executeAsync([crypto.randomUUID(), `Bench task ${i}`, 'todo', now, now]);
  await st.finalizeAsync();
  await db.execAsync('COMMIT');
  const ms = performance.now() - started;
  await db.execAsync('DROP TABLE bench_raw_tasks');
  await db.closeAsync();
  return { ms };
}

export function BenchScreen() {
  Object.assign(globalThis, { __bench: { bulkCreate, rawInsert } });
  return <Text>Benchmark page ready.</Text>;
}
