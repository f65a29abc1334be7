/// <reference lib="webworker" />
/**
 * The database worker (production entry): owns the sqlite-wasm module, the `opfs-sahpool` VFS and every
 * connection of this page, each served to the page over its own port (see database-worker.ts).
 */
import { serveDatabaseWorker } from './database-worker.ts';

declare const self: DedicatedWorkerGlobalScope;
serveDatabaseWorker(self);
