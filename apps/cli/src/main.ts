import { ClientError, type Engine, openEngine, StorageError } from '@selftracker/client';
import { openNodeDriver } from '@selftracker/client/node';
import { accountCommand, authenticate } from './account.ts';
import { allow, type Options, parse, UsageError, usageOf } from './args.ts';
import { type Io, projectCommand, statusCommand, taskCommand, timerCommand } from './commands.ts';
import { defaultDataDir, openDataDir } from './data-dir.ts';
import { count } from './format.ts';
import { signedIn, syncFailure, unreachable } from './sync.ts';
import { exportCommand, importCommand } from './transfer.ts';
import { watch } from './watch.ts';

const io: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  write: (text) => process.stdout.write(text),
  err: (line) => process.stderr.write(`selftracker: ${line}\n`),
};

const DEFAULT_SERVER = 'http://localhost:8787';

/** `--server`, else `SELFTRACKER_SERVER`: the server the user named for this invocation, if any. */
function namedServer(o: Options): string | undefined {
  const url = o.server ?? process.env.SELFTRACKER_SERVER;
  if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url))
    throw new UsageError(`--server: "${url}" is not an http(s) URL`);
  return url;
}

/**
 * The engine on `file`, for the server this invocation uses: the one named (`--server`, `SELFTRACKER_SERVER`),
 * else the one the database's account signed in at, else http://localhost:8787.
 */
async function open(file: string, o: Options): Promise<Engine> {
  const named = namedServer(o);
  const engine = await openEngine({ driver: openNodeDriver(file), server: named ?? DEFAULT_SERVER });
  const stored = named === undefined ? (await engine.account())?.server : undefined;
  if (stored === undefined || stored === engine.transport.baseUrl) return engine;
  await engine.close();
  return openEngine({ driver: openNodeDriver(file), server: stored });
}

async function sync(engine: Engine, args: string[], o: Options): Promise<void> {
  allow(o, []);
  if (args.length) throw new UsageError(`unexpected "${args.join(' ')}"`);
  const account = await signedIn(engine);
  let r: Awaited<ReturnType<Engine['sync']>>;
  try {
    r = await engine.sync();
  } catch (e: unknown) {
    throw syncFailure(engine, e);
  }
  const parts = [`pushed ${count(r.pushed, 'change')}`, `pulled ${r.pulled}`];
  if (r.rejected.length) parts.push(`${r.rejected.length} rejected by the server`);
  io.out(`Synced with ${account.server}: ${parts.join(', ')}`);
  for (const x of r.rejected)
    io.out(`  rejected ${x.entity} ${x.entity_id}: ${x.message} (restored the server's version)`);
  if (r.reset) io.out('  the server asked for a full resync; done');
  if (r.resynced.length) io.out(`  checksums differed for ${r.resynced.join(', ')}; resynced them`);
}

const COMMANDS = new Set([
  'signup',
  'login',
  'logout',
  'account',
  'project',
  'task',
  'timer',
  'export',
  'import',
  'sync',
  'status',
  'watch',
]);

async function run(argv: string[]): Promise<void> {
  const { positionals, options: o } = parse(argv);
  const [command, ...args] = positionals;
  if (o.help || command === 'help') return io.out(usageOf(command === 'help' ? args[0] : command));
  if (!command) throw new UsageError('no command given');
  if (!COMMANDS.has(command)) throw new UsageError(`unknown command "${command}"`);
  try {
    await dispatch(command, args, o);
  } catch (e: unknown) {
    if (e instanceof UsageError) e.command ??= command;
    throw e;
  }
}

async function dispatch(command: string, args: string[], o: Options): Promise<void> {
  const dir = openDataDir(o['data-dir'] ?? defaultDataDir());
  if (command === 'signup' || command === 'login') {
    const server = namedServer(o) ?? DEFAULT_SERVER;
    return authenticate(dir, (file) => open(file, { ...o, server }), server, io, command, args, o);
  }
  const engine = await open(dir.currentDb(), o);
  let closed = false;
  const close = async () => {
    if (!closed) await engine.close();
    closed = true;
  };
  try {
    switch (command) {
      case 'logout':
        allow(o, []);
        if (args.length) throw new UsageError(`unexpected "${args.join(' ')}"`);
        await engine.logout();
        return io.out('Signed out; local data stays on this device');
      case 'account':
        return await accountCommand(engine, close, dir, io, args, o);
      case 'project':
        return await projectCommand(engine, io, args, o);
      case 'task':
        return await taskCommand(engine, io, args, o);
      case 'timer':
        return await timerCommand(engine, io, args, o);
      case 'export':
        return await exportCommand(engine, io, args, o);
      case 'import':
        return await importCommand(engine, io, args, o);
      case 'sync':
        return await sync(engine, args, o);
      case 'status':
        if (args.length) throw new UsageError(`unexpected "${args.join(' ')}"`);
        return await statusCommand(engine, io, o);
      case 'watch':
        if (args.length) throw new UsageError(`unexpected "${args.join(' ')}"`);
        return await watch(engine, io, o);
    }
  } finally {
    await close();
  }
}

function message(e: unknown): string {
  const host = ClientError.is(e, 'network')
    ? /^cannot reach (https?:\/\/\S+?):? /.exec(e.message)?.[1]
    : undefined;
  if (host && ClientError.is(e)) return unreachable(host, e);
  if (ClientError.is(e) || StorageError.is(e)) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/** Exits once stdout has taken everything written to it (a pipe may be asynchronous). */
const exit = (code: number) => process.stdout.write('', () => process.exit(code));

run(process.argv.slice(2)).then(
  () => exit(0),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`selftracker: ${e.message}\n${usageOf(e.command)}\n`);
      return exit(2);
    }
    process.stderr.write(`selftracker: ${message(e)}\n`);
    return exit(1);
  },
);
