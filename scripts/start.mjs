// `npm start`: build the web app when apps/web/dist is missing or older than its sources, then run the server.
// Runs under `node --import tsx`, so it can load the TypeScript build helper and the server directly.
import { buildWeb, DEFAULT_OUT_DIR, staleReason } from '../apps/web/build/web-build.ts';

const webDir = process.env.SELFTRACKER_WEB_DIR;
if (webDir) {
  console.log(`SelfTracker: serving the web app from ${webDir} (SELFTRACKER_WEB_DIR), not building it`);
} else if (process.env.SELFTRACKER_SKIP_WEB_BUILD) {
  console.log('SelfTracker: SELFTRACKER_SKIP_WEB_BUILD is set, not building the web app');
} else {
  const reason = staleReason();
  if (reason) {
    console.log(`SelfTracker: building the web app into ${DEFAULT_OUT_DIR} (${reason})…`);
    const started = performance.now();
    try {
      await buildWeb({ quiet: true });
    } catch (e) {
      console.error(
        `SelfTracker: the web app failed to build: ${e instanceof Error ? e.message : String(e)}`,
      );
      process.exit(1);
    }
    console.log(`SelfTracker: web app built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } else {
    console.log(`SelfTracker: the web app in ${DEFAULT_OUT_DIR} is up to date`);
  }
}

await import('../apps/server/src/main.ts');
