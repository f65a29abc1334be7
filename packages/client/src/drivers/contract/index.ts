/**
 * The driver contract (STYLE.md "The driver boundary"): every SqliteDriver — node, web, tauri, expo, rpc — runs
 * these cases, so platforms cannot drift. The cases are data and use no test framework: a Vitest file loops
 * over them (`for (const c of driverContract) it(c.name, ...)`), a browser page or a webview calls
 * `runContract(fixture, driverContract)` and gets the results as JSON-ready data.
 *
 * Documented skips: the case that needs `vanish` (a caller disappearing mid-transaction) runs only for drivers
 * with a far side that can notice it (RPC); a driver that cannot honour another case must say so here. A build
 * without FTS5 (expo-sqlite's web build) says so with `fts5: false`: the schema case then checks the engine's
 * fallback search instead of the index.
 */
import { basicCases } from './basic-cases.ts';
import type { ContractCase } from './runner.ts';
import { schemaCases } from './schema-cases.ts';
import { transactionCases } from './transaction-cases.ts';

export { CheckFailure, deepEqual, within } from './check.ts';
export {
  type CaseContext,
  type CaseResult,
  type ContractCase,
  type DriverFixture,
  runCase,
  runContract,
  skipReason,
  throwIfFailed,
} from './runner.ts';
export { holdTransaction } from './transaction-cases.ts';

/** Every contract case, in order. */
export const driverContract: readonly ContractCase[] = [...basicCases, ...transactionCases, ...schemaCases];
