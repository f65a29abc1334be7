/**
 * The SelfTracker front end shared by the web app and the desktop app: screens, the sync indicator and the
 * app controller. Each app's composition root gives the controller its platform (driver, lock, server).
 */
export {
  AppController,
  type AppEnvironment,
  type AppPlatform,
  type AppState,
  CURRENT_USER_KEY,
  databaseFile,
  normalizeServer,
  type OpenSession,
  SIGN_IN_AGAIN,
  soleOwnerLock,
} from './app-controller.ts';
export { AppRoot } from './app-root.tsx';
export { exposeDebugHook } from './debug-hook.ts';
export { formatDuration, timerDuration } from './format.ts';
export { describeSync } from './sync-indicator.tsx';
