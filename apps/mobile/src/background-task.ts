/**
 * Background sync: a task defined at module scope (the OS may start the app just to run it), registered with
 * expo-background-task (at least every 15 minutes, when the OS allows) after sign-in and unregistered at
 * sign-out. It runs exactly one round (`runBackgroundRound`). Not on the web build: browsers have no such task.
 */
import { createReportedConnectivity, Engine } from '@selftracker/client';
import { openExpoDriver } from '@selftracker/client/expo';
import { databaseFile } from '@selftracker/ui/shared';
import * as BackgroundTask from 'expo-background-task';
import * as TaskManager from 'expo-task-manager';
import { Platform } from 'react-native';
import { runBackgroundRound } from './background-round.ts';
import { storage, tokenStore } from './platform.ts';

export const SYNC_TASK = 'selftracker-background-sync';

let liveEngine: Engine | undefined;

/** The running app's engine, used by the task while the app is open (one connection to the database). */
export function setLiveEngine(engine: Engine | undefined): void {
  liveEngine = engine;
}

async function openStoredEngine(): Promise<Engine | undefined> {
  const userId = storage.getItem('selftracker.currentUser');
  const server = storage.getItem('selftracker.server');
  if (!userId || !server) return undefined;
  const tokens = tokenStore(userId);
  const engine = await Engine.open({
    driver: await openExpoDriver(databaseFile(userId)),
    server,
    connectivity: createReportedConnectivity(),
    ...(tokens ? { tokens } : {}),
  });
  if ((await engine.account())?.signedIn) return engine;
  await engine.close();
  return undefined;
}

const supported = Platform.OS === 'ios' || Platform.OS === 'android';

if (supported) {
  TaskManager.defineTask(SYNC_TASK, async () => {
    const outcome = await runBackgroundRound({ current: () => liveEngine, open: openStoredEngine });
    return outcome === 'success'
      ? BackgroundTask.BackgroundTaskResult.Success
      : BackgroundTask.BackgroundTaskResult.Failed;
  });
}

export async function registerBackgroundSync(): Promise<void> {
  if (!supported || (await TaskManager.isTaskRegisteredAsync(SYNC_TASK))) return;
  await BackgroundTask.registerTaskAsync(SYNC_TASK, { minimumInterval: 15 });
}

export async function unregisterBackgroundSync(): Promise<void> {
  if (!supported || !(await TaskManager.isTaskRegisteredAsync(SYNC_TASK))) return;
  await BackgroundTask.unregisterTaskAsync(SYNC_TASK);
}
