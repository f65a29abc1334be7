/**
 * The contract under Vitest: one `describe` per fixture, one `it` per case, the documented skips as skips.
 * The only file of the contract that imports a test framework (never part of a browser bundle).
 */
import { describe, it } from 'vitest';
import { type DriverFixture, driverContract, runCase, skipReason, throwIfFailed } from './index.ts';

/** Registers the driver contract for `fixture` with Vitest. */
export function describeContract(fixture: DriverFixture): void {
  describe(`SqliteDriver contract: ${fixture.name}`, () => {
    for (const c of driverContract) {
      it.skipIf(skipReason(fixture, c))(c.name, async () => throwIfFailed(await runCase(fixture, c)));
    }
  });
}
