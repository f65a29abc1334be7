/** A peer's server as its own process on loopback: `node --import tsx <script>`, which prints "listening <port>". */
import { spawn } from 'node:child_process';

export interface PeerServer {
  url: string;
  /** SIGTERM, resolved once it has exited. */
  stop(): Promise<void>;
}

export async function startPeerServer(
  script: string,
  env: Record<string, string>,
  label: string,
): Promise<PeerServer> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${label} exited (${code})`)));
    proc.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
