import { existsSync, rmSync } from 'node:fs';
import { createTransport, type Engine, requestSession } from '@selftracker/client';
import { allow, type Options, UsageError } from './args.ts';
import type { Io } from './commands.ts';
import type { DataDir } from './data-dir.ts';
import { count } from './format.ts';
import { describeRound, signedIn, syncRound } from './sync.ts';

/** Opens the engine on a database file for the server this invocation uses. */
export type Open = (file: string) => Promise<Engine>;

/** `signup`/`login`: the session goes into that account's database, then a first sync brings its data. */
export async function authenticate(
  dir: DataDir,
  open: Open,
  server: string,
  io: Io,
  kind: 'signup' | 'login',
  args: string[],
  o: Options,
): Promise<void> {
  allow(o, ['password']);
  const [email, ...rest] = args;
  if (!email || rest.length) throw new UsageError(`${kind} EMAIL --password PW`);
  if (o.password === undefined) throw new UsageError('--password is required');
  const session = await requestSession(
    createTransport(server),
    kind === 'signup' ? '/v1/auth/signup' : '/v1/auth/login',
    email,
    o.password,
  );
  const engine = await open(dir.adopt(session.user_id));
  try {
    await engine.useSession(session, email);
    dir.setCurrent(session.user_id);
    io.out(
      kind === 'signup'
        ? `Created account ${email.toLowerCase()} and signed in`
        : `Signed in as ${email.toLowerCase()}`,
    );
    try {
      io.out(`First sync with ${engine.transport.baseUrl}: ${describeRound(await syncRound(engine))}`);
    } catch (e: unknown) {
      const n = engine.status.pending;
      const waiting = n > 0 ? `; ${count(n, 'change')} on this device wait for it` : '';
      io.err(
        `signed in, but the first sync failed: ${e instanceof Error ? e.message : e}${waiting}; run selftracker sync`,
      );
    }
  } finally {
    await engine.close();
  }
}

/** Removes a database file with its WAL and shared-memory files. */
function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) rmSync(file + suffix);
}

/** `account password` and `account delete`. */
export async function accountCommand(
  engine: Engine,
  close: () => Promise<void>,
  dir: DataDir,
  io: Io,
  args: string[],
  o: Options,
): Promise<void> {
  const [sub, ...rest] = args;
  if (rest.length) throw new UsageError(`unexpected "${rest.join(' ')}"`);
  if (sub === 'password') {
    allow(o, ['password', 'new-password']);
    if (o.password === undefined || o['new-password'] === undefined)
      throw new UsageError('account password needs --password OLD and --new-password NEW');
    const account = await signedIn(engine);
    await engine.changePassword(o.password, o['new-password']);
    return io.out(`Changed the password of ${account.email}; every other device is signed out`);
  }
  if (sub === 'delete') {
    allow(o, ['password', 'keep-local']);
    if (o.password === undefined) throw new UsageError('account delete needs --password PW');
    const account = await signedIn(engine);
    await engine.deleteAccount(o.password);
    io.out(`Deleted the account ${account.email} and everything in it from ${account.server}`);
    if (o['keep-local'])
      return io.out(
        "Kept this device's copy, signed out: list and export still work; changes no longer sync",
      );
    const file = dir.currentDb();
    await close();
    removeDatabase(file);
    dir.setCurrent(null);
    return io.out("Wiped this device's copy");
  }
  throw new UsageError(sub ? `account ${sub}: want password or delete` : 'account: want password or delete');
}
