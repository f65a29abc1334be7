/**
 * What the background task does, platform-free (so it is tested in Node against a real server): exactly one
 * sync round through the engine the app already has open, or, when the OS started the app only for the task,
 * through an engine opened on the signed-in user's database and closed afterwards.
 */
import type { Engine } from '@selftracker/client';

export type BackgroundOutcome = 'success' | 'failed';

export interface BackgroundDeps {
  /** The engine of the running app, if the app is open. */
  current(): Engine | undefined;
  /** Opens the signed-in user's engine (not started: no timers, no stream), or undefined when nobody is. */
  open(): Promise<Engine | undefined>;
}

/** Runs one round; `failed` when the server could not be reached or refused it (the outbox is kept). */
export async function runBackgroundRound(deps: BackgroundDeps): Promise<BackgroundOutcome> {
  const live = deps.current();
  if (live) return (await live.backgroundSync()).ok ? 'success' : 'failed';
  let engine: Engine | undefined;
  try {
    engine = await deps.open();
    if (!engine) return 'success'; // nobody signed in on this device: nothing to sync
    return (await engine.backgroundSync()).ok ? 'success' : 'failed';
  } catch {
    return 'failed';
  } finally {
    await engine?.close().catch(() => {});
  }
}
