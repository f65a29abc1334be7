// Loaded by the web and desktop apps' pages as a classic script, so it runs before any of the app's modules. The page's
// Content-Security-Policy has no 'unsafe-eval' (apps/server/src/web.ts): Zod must validate without compiling code
// at run time, and it decides that (and probes for `Function`, which the browser reports as a violation) when a
// schema is built, as @selftracker/core loads. Its global configuration object is read from here.
globalThis.__zod_globalConfig = Object.assign(globalThis.__zod_globalConfig ?? {}, { jitless: true });
