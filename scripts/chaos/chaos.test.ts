/**
 * The short seeded chaos run (about a minute): real server instances and client processes behind fault proxies,
 * kills, partitions and outages, then the checker (see run.ts and README "Tests"). `npm run chaos` runs it longer.
 */
import { expect, it } from 'vitest';
import { seedFrom } from './rng.ts';
import { runChaos } from './run.ts';

it('converges with every acknowledged write kept under faults, kills and outages', async () => {
  const result = await runChaos({
    seconds: Number(process.env.CHAOS_SECONDS ?? 35),
    seed: seedFrom(process.env.CHAOS_SEED ?? '20251'),
    clients: Math.max(4, Number(process.env.CHAOS_CLIENTS ?? 4)),
    databaseUrl: process.env.DATABASE_URL || undefined,
    say: () => {},
  });
  console.log(result.report);
  expect(result.violations, result.report).toEqual([]);
}, 420_000);
