import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AppController } from './app-controller.ts';
import { AppRoot } from './app-root.tsx';
import { exposeDebugHook } from './debug-hook.ts';
import './styles.css';

const controller = new AppController({ server: window.location.origin, storage: window.localStorage });
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
