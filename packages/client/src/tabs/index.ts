/**
 * Tabs sharing one database (the web app): one tab owns it, the others read and write through it, and when it
 * goes the next tab takes over without losing a write. See shared-database.ts.
 */

export { linkEngine } from './engine-link.ts';
export { createFailoverDriver, type Route } from './failover-driver.ts';
export { COMMITS_TABLE, presenceLock } from './owner.ts';
export { broadcastChannelPort, type TabLocks, type TabPort } from './port.ts';
export type { TabMessage } from './protocol.ts';
export {
  type ShareDatabaseOptions,
  type SharedDatabase,
  shareDatabase,
  type TabRole,
} from './shared-database.ts';
