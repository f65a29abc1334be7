import {
  ClientError,
  createTransport,
  describeSyncProblem,
  type Engine,
  openEngine,
  requestSession,
  StorageError,
} from '@selftracker/client';
import { openNodeDriver } from '@selftracker/client/node';
import { allow, type Options, parse, USAGE, UsageError } from './args.ts';
import { type Io, projectCommand, statusCommand, taskCommand, timerCommand } from './commands.ts';
import { type DataDir, defaultDataDir, openDataDir } from './data-dir.ts';
import { ago, formatClock } from './format.ts';

const io: Io = { out: (line) => process.stdout.write(`${line}\n`) };

function serverUrl(o: Options): string {
  const url = o.server ?? process.env.SELFTRACKER_SERVER ?? 'http://localhost:8787';
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new UsageError(`--server: "${url}" is not an http(s) URL`);
  return url;
}

async function open(file: string, o: Options): Promise<Engine> {
  return openEngine({ driver: openNodeDriver(file), server: serverUrl(o) });
}

async function authenticate(
  dir: DataDir,
  kind: 'signup' | 'login',
  args: string[],
  o: Options,
): Promise<void> {
  allow(o, ['password']);
  const [email, ...rest] = args;
  if (!email || rest.length) throw new UsageError(`${kind} EMAIL --password PW`);
  if (o.password === undefined) throw new UsageError('--password is required');
  const transport = createTransport(serverUrl(o));
  const session = await requestSession(
    transport,
    kind === 'signup' ? '/v1/auth/signup' : '/v1/auth/login',
    email,
    o.password,
  );
  const engine = await open(dir.adopt(session.user_id), o);
  try {
    await engine.useSession(session, email);
    dir.setCurrent(session.user_id);
    io.out(
      kind === 'signup'
        ? `Created account ${email.toLowerCase()} and signed in`
        : `Signed in as ${email.toLowerCase()}`,
    );
    const pending = engine.status.pending;
    if (pending > 0)
      io.out(`${pending} change${pending === 1 ? '' : 's'} on this device will sync with: selftracker sync`);
  } finally {
    await engine.close();
  }
}

async function sync(engine: Engine, o: Options): Promise<void> {
  allow(o, []);
  const account = await engine.account();
  if (!account?.signedIn)
    throw new ClientError('unauthorized', 'not signed in: run selftracker login EMAIL --password PW');
  let r: Awaited<ReturnType<Engine['sync']>>;
  try {
    r = await engine.sync();
  } catch (e: unknown) {
    if (!ClientError.is(e, 'network')) throw e;
    const n = engine.status.pending;
    const kept =
      n > 0
        ? `; ${n} change${n === 1 ? '' : 's'} stay${n === 1 ? 's' : ''} on this device for the next sync`
        : '';
    throw new ClientError('network', `${unreachable(engine.transport.baseUrl, e)}${kept}`, { cause: e });
  }
  const parts = [`pushed ${r.pushed} change${r.pushed === 1 ? '' : 's'}`, `pulled ${r.pulled}`];
  if (r.rejected.length) parts.push(`${r.rejected.length} rejected by the server`);
  io.out(`Synced with ${account.server}: ${parts.join(', ')}`);
  for (const x of r.rejected)
    io.out(`  rejected ${x.entity} ${x.entity_id}: ${x.message} (restored the server's version)`);
  if (r.reset) io.out('  the server asked for a full resync; done');
  if (r.resynced.length) io.out(`  checksums differed for ${r.resynced.join(', ')}; resynced them`);
}

/** "cannot reach URL (connection refused): is the server running?" from a network ClientError. */
function unreachable(url: string, e: ClientError): string {
  let cause: unknown = e.cause;
  let code: string | undefined;
  for (let i = 0; i < 4 && cause && !code; i++) {
    code = (cause as { code?: string }).code;
    cause = (cause as { cause?: unknown }).cause;
  }
  const why: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host not found',
    ETIMEDOUT: 'timed out',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
  };
  const reason = code ? (why[code] ?? code) : 'no answer';
  return `cannot reach the server at ${url} (${reason}): is it running? (set it with --server or SELFTRACKER_SERVER)`;
}

async function watch(engine: Engine, o: Options): Promise<void> {
  allow(o, []);
  const account = await engine.account();
  if (!account?.signedIn)
    throw new ClientError('unauthorized', 'not signed in: run selftracker login EMAIL --password PW');
  io.out(`Watching ${account.server} as ${account.email}; Ctrl-C to stop`);
  let last = '';
  engine.subscribe((s) => {
    const line =
      s.phase === 'idle'
        ? `synced${s.pending ? `, ${s.pending} pending` : ''}`
        : s.phase === 'syncing'
          ? ''
          : s.lastError
            ? describeSyncProblem(s.lastError, s.pending, formatClock).sentence
            : s.phase;
    if (line && line !== last) io.out(`[${new Date().toLocaleTimeString()}] ${line}`);
    if (line) last = line;
  });
  engine.onChange((tables) => io.out(`[${new Date().toLocaleTimeString()}] changed: ${tables.join(', ')}`));
  engine.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const s = await engine.lastSync();
  io.out(`Stopped; last sync ${s.at ? ago(s.at) : 'never'}`);
}

async function run(argv: string[]): Promise<void> {
  const { positionals, options: o } = parse(argv);
  const [command, ...args] = positionals;
  if (!command || o.help) return io.out(USAGE);
  const dir = openDataDir(o['data-dir'] ?? defaultDataDir());
  if (command === 'signup' || command === 'login') return authenticate(dir, command, args, o);
  const engine = await open(dir.currentDb(), o);
  try {
    switch (command) {
      case 'logout':
        allow(o, []);
        await engine.logout();
        return io.out('Signed out; local data stays on this device');
      case 'project':
        return await projectCommand(engine, io, args, o);
      case 'task':
        return await taskCommand(engine, io, args, o);
      case 'timer':
        return await timerCommand(engine, io, args, o);
      case 'sync':
        return await sync(engine, o);
      case 'status':
        return await statusCommand(engine, io, o);
      case 'watch':
        return await watch(engine, o);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    await engine.close();
  }
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`selftracker: ${e.message} (see selftracker --help)\n`);
      process.exit(2);
    }
    const host = ClientError.is(e, 'network')
      ? /^cannot reach (https?:\/\/\S+?):? /.exec(e.message)?.[1]
      : undefined;
    const msg =
      host && ClientError.is(e)
        ? unreachable(host, e)
        : ClientError.is(e) || StorageError.is(e)
          ? e.message
          : e instanceof Error
            ? e.message
            : String(e);
    process.stderr.write(`selftracker: ${msg}\n`);
    process.exit(1);
  },
);
