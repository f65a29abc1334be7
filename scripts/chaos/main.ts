/**
 * `npm run chaos`: the long chaos run. `CHAOS_SECONDS` (default 300), `CHAOS_SEED` (default: a fresh one, printed),
 * `CHAOS_CLIENTS` (default 6); on PostgreSQL (two instances) when `DATABASE_URL` is set, else on PGlite.
 */
import { seedFrom } from './rng.ts';
import { runChaos } from './run.ts';

const result = await runChaos({
  seconds: Number(process.env.CHAOS_SECONDS ?? 300),
  seed: seedFrom(process.env.CHAOS_SEED),
  clients: Math.max(4, Number(process.env.CHAOS_CLIENTS ?? 6)),
  databaseUrl: process.env.DATABASE_URL || undefined,
  instances: Number(process.env.CHAOS_INSTANCES ?? 2),
});
console.log(result.report);
if (!result.ok) console.log(`files kept in ${result.dir}`);
process.exit(result.ok ? 0 : 1);
