/**
 * A device that writes until it is killed: opens the engine on the SQLite file given as the first argument
 * and writes tasks in a loop (one by one, in bulk, and timers that stop the running one in the same
 * transaction), printing `ready` once open and each id only after the write call resolved.
 * Used by crash.test.ts, which SIGKILLs it at random moments. Nothing syncs (the server is unreachable and
 * never asked). Run with `node --import tsx crash-writer.ts <file>`.
 */
import { openDevice } from './index.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: crash-writer.ts <sqlite file>');

// stdout is a pipe: writes are synchronous on Linux, so a printed id was really handed to the parent.
const say = (line: string) => process.stdout.write(`${line}\n`);

const engine = await openDevice(file, 'http://127.0.0.1:9');
say('ready');
for (let i = 0; ; i++) {
  if (i % 7 === 3) {
    const rows = await engine.tasks.bulkCreate([
      { title: `bulk ${i}a` },
      { title: `bulk ${i}b`, status: 'done' },
    ]);
    say(`tasks ${rows.map((r) => r.id).join(' ')}`);
  } else if (i % 7 === 5) {
    const t = await engine.timers.start({ note: `timer ${i}` });
    say(`timers ${t.id}`);
  } else {
    const t = await engine.tasks.create({ title: `task ${i}`, description: 'x'.repeat(i % 50) });
    say(`tasks ${t.id}`);
  }
}
