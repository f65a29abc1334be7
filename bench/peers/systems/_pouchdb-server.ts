/**
 * PouchDB's server, as its own process: express-pouchdb (the CouchDB HTTP API that pouchdb-server serves) in its
 * `minimumForPouchDB` mode, on pouchdb-node, so every database is a leveldb directory under DATA_DIR.
 * PORT and DATA_DIR from the environment; prints "listening <port>" once ready.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const PouchDB = require('pouchdb-node');
const expressPouchDB = require('express-pouchdb');

const dataDir = process.env.DATA_DIR;
if (!dataDir) throw new Error('DATA_DIR is not set');
const prefix = join(dataDir, 'pouchdb-server');
mkdirSync(prefix, { recursive: true });
const ServerPouch = PouchDB.defaults({ prefix: `${prefix}/` });
const app = expressPouchDB(ServerPouch, {
  mode: 'minimumForPouchDB',
  inMemoryConfig: true,
  logPath: join(prefix, 'log.txt'),
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : ''}`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
});
