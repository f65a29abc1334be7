/**
 * The driver contract inside the app's web build (`/?contract`), like apps/desktop's contract.html for Tauri:
 * the end-to-end test opens it in Chromium and reads `window.__contractResults` once it is set.
 */
import {
  type CaseResult,
  type DriverFixture,
  driverContract,
  runContract,
} from '@selftracker/client/contract';
import { deleteExpoDatabase, openExpoDriver } from '@selftracker/client/expo';
import { useEffect, useState } from 'react';
import { ScrollView, Text } from 'react-native';

/**
 * expo-sqlite's web VFS (wa-sqlite's AccessHandlePoolVFS) holds 6 OPFS files and paths under 64 bytes (with
 * `-journal`): names stay short, and a case deletes the databases of the cases before it (the runner has
 * closed them by then).
 */
function expoFixture(): DriverFixture {
  const run = Date.now().toString(36);
  const done = new Set<string>();
  let current: string | undefined;
  return {
    name: 'expo-sqlite',
    // The web build's SQLite (wa-sqlite) is compiled without FTS5: search falls back to substring matching.
    fts5: false,
    file: (test) => `c${run}-${test}.db`,
    async open(name) {
      if (current !== undefined && current !== name) done.add(current);
      current = name;
      for (const old of done) {
        await deleteExpoDatabase(old);
        done.delete(old);
      }
      return openExpoDriver(name);
    },
  };
}

export function ContractScreen() {
  const [results, setResults] = useState<CaseResult[] | undefined>();
  useEffect(() => {
    void runContract(expoFixture(), driverContract).then((r) => {
      Object.assign(globalThis, { __contractResults: r });
      setResults(r);
    });
  }, []);
  return (
    <ScrollView>
      <Text selectable>{results ? JSON.stringify(results, null, 2) : 'running…'}</Text>
    </ScrollView>
  );
}
