import { createBrowserConnectivity } from '@selftracker/client/browser-connectivity';
import { acquireDatabaseLock, openWebDriver } from '@selftracker/client/web';
import { AppController, AppRoot, databaseFile, exposeDebugHook } from '@selftracker/ui';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@selftracker/ui/styles.css';

/** The web app's platform: SQLite (wasm) on OPFS in a worker, one tab owns a database at a time. */
const controller = new AppController({
  server: window.location.origin,
  storage: window.localStorage,
  platform: {
    lockDatabase: (userId, onTakeoverRequested) =>
      acquireDatabaseLock(databaseFile(userId), { onTakeoverRequested }),
    openDriver: (userId) => openWebDriver({ file: databaseFile(userId) }),
    createConnectivity: () => createBrowserConnectivity(),
  },
});
exposeDebugHook(controller);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppRoot controller={controller} />
  </StrictMode>,
);
void controller.start();

// The offline shell: only in a build (the dev server serves modules the worker cannot precache).
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  navigator.serviceWorker.register('/sw.js').catch((e: unknown) => {
    console.warn(
      `SelfTracker: the offline shell could not be installed: ${e instanceof Error ? e.message : String(e)}`,
    );
  });
}
