import { createBrowserConnectivity } from '@selftracker/client/browser-connectivity';
import { shareDatabase } from '@selftracker/client/tabs';
import { acquireDatabaseLock, openWebDriver } from '@selftracker/client/web';
import { AppController, AppRoot, CURRENT_USER_KEY, databaseFile, exposeDebugHook } from '@selftracker/ui';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@selftracker/ui/styles.css';

/** Tabs can share a database where the browser has Web Locks and BroadcastChannel (every current one). */
const tabsShare = typeof BroadcastChannel === 'function' && 'locks' in navigator;

/**
 * The web app's platform: SQLite (wasm) on OPFS in a worker. One tab has the database open (`opfs-sahpool`
 * allows one page) and every other tab of the browser reads and writes through it; when it closes, the next
 * tab opens it. Without Web Locks or BroadcastChannel, one tab at a time ("Use here").
 */
const controller = new AppController({
  server: window.location.origin,
  storage: window.localStorage,
  platform: {
    lockDatabase: (userId, onTakeoverRequested) =>
      acquireDatabaseLock(databaseFile(userId), { onTakeoverRequested }),
    openDriver: (userId) => openWebDriver({ file: databaseFile(userId) }),
    ...(tabsShare
      ? {
          shareDatabase: (userId: string) =>
            shareDatabase({
              name: databaseFile(userId),
              open: () => openWebDriver({ file: databaseFile(userId) }),
            }),
        }
      : {}),
    createConnectivity: () => createBrowserConnectivity(),
  },
});

// Another tab signed out (or switched accounts): this one follows. A sign-in elsewhere leaves this tab as it is.
window.addEventListener('storage', (e) => {
  if (e.key === CURRENT_USER_KEY && e.oldValue !== null && e.oldValue !== e.newValue)
    window.location.reload();
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
