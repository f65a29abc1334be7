import type { AppController } from './app-controller.ts';

/**
 * `window.__selftracker`: the open engine and app state, for the browser tests and `npm run bench:web`
 * (which call repositories directly, e.g. `engine.tasks.bulkCreate`). It adds no capability a page script
 * lacks: the engine already runs in this page.
 */
export function exposeDebugHook(controller: AppController): void {
  Object.defineProperty(window, '__selftracker', {
    configurable: true,
    value: {
      get state() {
        return controller.state.kind;
      },
      get engine() {
        const s = controller.state;
        return s.kind === 'ready' ? s.session.engine : undefined;
      },
    },
  });
}
