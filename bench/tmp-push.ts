import { uuidv7 } from '@selftracker/core';
import { createServer } from '@selftracker/server';
import { createTestDatabase } from '@selftracker/server/testing';

const db = await createTestDatabase();
const times = new Map<string, number>();
const wrap = (q: any) => async (text: string, params?: unknown[]) => {
  const t = performance.now();
  try {
    return await q(text, params);
  } finally {
    const k = text.slice(0, 30);
    times.set(k, (times.get(k) ?? 0) + performance.now() - t);
  }
};
const origTx = db.transaction.bind(db);
(db as any).transaction = (fn: any, o: any) => origTx((tx: any) => fn({ query: wrap(tx.query) }), o);
const s = await createServer({ db, auth: { jwtSecret: new Uint8Array(32), scryptN: 1024 } });
const u = await s.authService.signup('a@b.co', '12345678', 'x');
const now = Date.now();
const mk = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    op_id: uuidv7(),
    entity: 'tasks',
    entity_id: uuidv7(),
    operation: 'CREATE',
    data: { title: `Task ${i}`, status: 'todo', created_at: now, updated_at: now },
    hlc: `${String(now).padStart(15, '0')}-${String(i).padStart(5, '0')}-bench`,
  }));
for (let r = 0; r < 3; r++) {
  times.clear();
  const batches = Array.from({ length: 20 }, () => mk(1000));
  const t = performance.now();
  for (const ops of batches) await s.syncService.push(u.user_id, { client_id: 'x', ops });
  const total = performance.now() - t;
  console.log(db.label, 'total', total.toFixed(0), 'ops/s', ((20000 / total) * 1000).toFixed(0));
  let sum = 0;
  for (const [k, v] of times) {
    sum += v;
    console.log('  ', k, v.toFixed(0));
  }
  console.log('   db total', sum.toFixed(0));
}
await s.close();
await db.close();
