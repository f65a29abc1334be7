/**
 * PEERS_PROFILE=1: CPU profiles of SelfTracker's workloads. The bench process (the client engines) is sampled
 * in process around each workload; the server process is sampled from start to exit through a preload
 * (`profile-preload.mjs`, given to the server as NODE_OPTIONS=--import). Printed: self time by file and by
 * function, idle included (time spent waiting on the network, the database or the other process).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export function summarize(profile: Profile, top = 12): string {
  const byNode = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    byNode.set(id, (byNode.get(id) ?? 0) + dt);
    total += dt;
  });
  const byFile = new Map<string, number>();
  const byFn = new Map<string, number>();
  for (const n of profile.nodes) {
    const t = byNode.get(n.id) ?? 0;
    if (!t) continue;
    const f = n.callFrame;
    const where = f.url.replace(/^.*\/(packages|node_modules|apps)\//, '$1/').replace(/^file:\/\//, '');
    const file = where.replace(/^(node_modules\/(@[^/]+\/)?[^/]+).*/, '$1') || f.functionName || '(native)';
    byFile.set(file, (byFile.get(file) ?? 0) + t);
    const fn = `${f.functionName || '(anonymous)'} ${where}`.trim();
    byFn.set(fn, (byFn.get(fn) ?? 0) + t);
  }
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `    ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  return `  ${(total / 1000).toFixed(0)} ms sampled\n  by file:\n${list(byFile)}\n  by function:\n${list(byFn)}`;
}

/** Runs `fn` under the in-process sampling profiler; the summary goes to `out`. */
export async function profiled<T>(label: string, out: string[], fn: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    out.push(`client (bench process), ${label}:\n${summarize(profile as unknown as Profile)}`);
  }
}

/** Summaries of the profiles the server processes wrote into `dir` at exit. */
export function serverProfiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map(
      (f) =>
        `server process (whole run, ${f}):\n${summarize(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile)}`,
    );
}
