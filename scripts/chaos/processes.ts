/** The chaos run's real processes: server instances (the runnable, apps/server) and client engines (client.ts). */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientConfig, ClientReply, ClientRequest } from './protocol.ts';

export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER_MAIN = join(REPO_DIR, 'apps/server/src/main.ts');
const CLIENT_MAIN = join(REPO_DIR, 'scripts/chaos/client.ts');

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/** Every child still running when this process exits is killed with it (a timed-out test leaves no orphans). */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
function track(c: ChildProcess) {
  children.add(c);
  c.once('exit', () => children.delete(c));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

/** One server instance: the real runnable on a fixed port, SIGKILLed and started again by the nemesis. */
export class Instance {
  child: ChildProcess | undefined;
  starts = 0;
  constructor(
    readonly index: number,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {}

  get up(): boolean {
    return !!this.child && !exited(this.child);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts it and waits for `/v1/health`; a start that fails (PostgreSQL unreachable) is tried again. */
  async start(deadlineMs = 90_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const fd = openSync(this.logFile, 'a');
      const child = spawn(process.execPath, ['--import', 'tsx', SERVER_MAIN], {
        cwd: REPO_DIR,
        env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      track(child);
      this.child = child;
      this.starts++;
      while (!exited(child)) {
        if (Date.now() > deadline) throw new Error(`instance ${this.index} did not start`);
        try {
          if ((await fetch(`${this.url}/v1/health`)).ok) return;
        } catch {
          // not listening yet
        }
        await sleep(100);
      }
      if (Date.now() > deadline)
        throw new Error(`instance ${this.index} keeps exiting (see ${this.logFile})`);
      await sleep(500);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.child;
    if (!c || exited(c)) return Promise.resolve();
    const done = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(signal);
    return done;
  }
}

/** One client process: an engine on its SQLite file, spoken to over IPC. */
export class ClientProcess {
  child: ChildProcess | undefined;
  incarnation = 0;
  #next = 1;
  readonly #waiting = new Map<number, { ok(r: ClientReply): void; fail(e: Error): void }>();
  constructor(
    readonly index: number,
    readonly user: string,
    private readonly config: (incarnation: number) => ClientConfig,
    private readonly logFile: string,
  ) {}

  get up(): boolean {
    return !!this.child && !exited(this.child);
  }

  /** Starts it (a restart reopens the same SQLite file) and waits until it has signed in. */
  async start(): Promise<void> {
    const fd = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT_MAIN], {
      cwd: REPO_DIR,
      env: { ...process.env, CHAOS_CLIENT: JSON.stringify(this.config(this.incarnation++)) },
      stdio: ['ignore', fd, fd, 'ipc'],
    });
    closeSync(fd);
    track(child);
    this.child = child;
    child.on('message', (m: ClientReply) => {
      const w = this.#waiting.get(m.id);
      this.#waiting.delete(m.id);
      w?.ok(m);
    });
    child.once('exit', (code, signal) => {
      for (const w of this.#waiting.values())
        w.fail(new Error(`client ${this.index} exited (${signal ?? code})`));
      this.#waiting.clear();
    });
    await this.#wait(0, 120_000);
  }

  #wait(id: number, ms: number): Promise<ClientReply> {
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        fail(new Error(`client ${this.index}: no answer to request ${id} in ${ms} ms`));
      }, ms);
      this.#waiting.set(id, {
        ok: (r) => {
          clearTimeout(timer);
          ok(r);
        },
        fail: (e) => {
          clearTimeout(timer);
          fail(e);
        },
      });
    });
  }

  /** Sends a request and waits for its answer. */
  request(type: ClientRequest['type'], ms = 60_000): Promise<ClientReply> {
    if (!this.child || !this.up) return Promise.reject(new Error(`client ${this.index} is not running`));
    const id = this.#next++;
    const answer = this.#wait(id, ms);
    this.child.send({ id, type } satisfies ClientRequest);
    return answer;
  }

  kill(): Promise<void> {
    const c = this.child;
    if (!c || exited(c)) return Promise.resolve();
    const done = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGKILL');
    return done;
  }

  /** Closes the engine cleanly and waits for the process to end. */
  async close(): Promise<void> {
    const c = this.child;
    if (!c || exited(c)) return;
    const done = new Promise<void>((r) => c.once('exit', () => r()));
    await this.request('close', 30_000).catch(() => c.kill('SIGKILL'));
    await done;
  }
}
