// `npm run fuzz:api`: property-based fuzzing of the whole sync API from its OpenAPI document (/v1/openapi.json)
// with Schemathesis. Starts the real server (apps/server) on a free port, on a fresh PGlite directory or, when
// DATABASE_URL is set, a fresh randomly named database there (dropped afterwards), with the rate limits raised
// so the fuzzer is not throttled. Installs Schemathesis into a cached venv when it is missing. Fails on any 5xx,
// any response that does not conform to the document (status, content type, headers, body schema), and any
// error the server logged.
//
// FUZZ_EXAMPLES (default 100) bounds the examples per operation and phase, FUZZ_SEED (default fixed) picks the
// run; FUZZ_WORKERS (default 2).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMATHESIS_VERSION = '4.32.5';
const VENV = join(homedir(), '.cache', 'selftracker', 'schemathesis');
const BIN = join(VENV, 'bin', 'schemathesis');
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
];
const examples = process.env.FUZZ_EXAMPLES ?? '100';
const seed = process.env.FUZZ_SEED ?? '20260601';
const workers = process.env.FUZZ_WORKERS ?? '2';

const say = (msg) => console.log(`fuzz:api: ${msg}`);

function ensureSchemathesis() {
  const v = existsSync(BIN) ? spawnSync(BIN, ['--version'], { encoding: 'utf8' }).stdout : '';
  if (v.includes(SCHEMATHESIS_VERSION)) return;
  say(`installing Schemathesis ${SCHEMATHESIS_VERSION} into ${VENV}`);
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
  };
  if (!existsSync(join(VENV, 'bin', 'pip'))) run('python3', ['-m', 'venv', VENV]);
  run(join(VENV, 'bin', 'pip'), ['install', '-q', `schemathesis==${SCHEMATHESIS_VERSION}`]);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A fresh database next to the one DATABASE_URL names; `drop()` removes it. */
async function freshDatabase(url) {
  const name = `selftracker_fuzz_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: url });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

async function waitForHealth(base, child) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before it answered`);
    try {
      const r = await fetch(`${base}/v1/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the server did not answer /v1/health within 60 s');
}

async function main() {
  ensureSchemathesis();
  const dataDir = mkdtempSync(join(tmpdir(), 'selftracker-fuzz-'));
  const db = process.env.DATABASE_URL ? await freshDatabase(process.env.DATABASE_URL) : undefined;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logFile = join(dataDir, 'server.log');
  const log = createWriteStream(logFile);
  const server = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/server/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SELFTRACKER_DATA_DIR: dataDir,
      SELFTRACKER_WEB_DIR: join(dataDir, 'no-web-app'),
      DATABASE_URL: db?.url ?? '',
      LOG_LEVEL: 'warn',
      SELFTRACKER_AUTH_PER_MINUTE: '1000000',
      SELFTRACKER_PUSHES_PER_MINUTE: '1000000',
      SELFTRACKER_PULLS_PER_MINUTE: '1000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.pipe(log);
  server.stderr.pipe(log);
  let code = 1;
  const started = performance.now();
  try {
    await waitForHealth(base, server);
    say(
      `server on ${base} (${db ? `PostgreSQL database ${db.name}` : 'PGlite'}); seed ${seed}, ${examples} examples`,
    );
    const args = [
      'run',
      `${base}/v1/openapi.json`,
      '--checks',
      CHECKS.join(','),
      '--phases',
      'examples,coverage,fuzzing,stateful',
      '--max-examples',
      examples,
      '--seed',
      seed,
      '--workers',
      workers,
      '--request-timeout',
      '20',
      // The event stream never ends by itself (it lasts as long as the token): conformance.test.ts checks it.
      '--exclude-path',
      '/v1/sync/events',
      '--generation-database',
      'none',
      // No made-up Authorization headers: the hooks give each request a real token, or keep a link's.
      '--generation-with-security-parameters',
      'false',
      '--suppress-health-check',
      'all',
      '--no-color',
    ];
    const st = spawnSync(BIN, args, {
      cwd: dataDir,
      stdio: 'inherit',
      env: {
        ...process.env,
        SCHEMATHESIS_HOOKS: join(ROOT, 'scripts', 'fuzz-api-hooks.py'),
        SELFTRACKER_FUZZ_URL: base,
      },
    });
    code = st.status ?? 1;
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => {
      if (server.exitCode !== null) resolve();
      else server.once('exit', resolve);
    });
    log.end();
    await db?.drop();
  }
  const logged = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => /"level":(50|60)/.test(l));
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  if (logged.length > 0) {
    say(`the server logged ${logged.length} error(s):`);
    for (const l of logged.slice(0, 20)) console.log(l);
    code ||= 1;
  }
  rmSync(dataDir, { recursive: true, force: true });
  say(`${code === 0 ? 'passed' : 'FAILED'} in ${seconds} s`);
  process.exit(code);
}

main().catch((e) => {
  console.error(`fuzz:api: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
