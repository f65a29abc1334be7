import { createBrowserConnectivity } from '@selftracker/client/browser-connectivity';
import { openTauriDriver } from '@selftracker/client/tauri';
import { AppController, AppRoot, databaseFile, exposeDebugHook, soleOwnerLock } from '@selftracker/ui';
import { invoke } from '@tauri-apps/api/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startDesktopShell } from './desktop-shell.ts';
import '@selftracker/ui/styles.css';

/** apps/desktop/src-tauri/src/lib.rs `DesktopConfig`. */
interface DesktopConfig {
  data_dir: string;
  server: string;
  database_prefix: string;
  notify_after_ms: number;
}

const config = await invoke<DesktopConfig>('desktop_config');

/**
 * The desktop platform: each user's SQLite file in the data directory, loaded by the SQL plugin and served by the
 * app's Rust commands; one instance per data directory (tauri-plugin-single-instance), so this window owns it.
 */
const controller = new AppController({
  server: { default: config.server },
  storage: window.localStorage,
  platform: {
    lockDatabase: async () => soleOwnerLock(),
    openDriver: (userId) => openTauriDriver({ url: `${config.database_prefix}/${databaseFile(userId)}` }),
    createConnectivity: () => createBrowserConnectivity(),
  },
});
exposeDebugHook(controller);
startDesktopShell(controller, config.notify_after_ms);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppRoot controller={controller} />
  </StrictMode>,
);
void controller.start();
