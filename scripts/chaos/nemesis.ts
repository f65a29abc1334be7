/**
 * The nemesis: at random moments (seeded), a fault of one kind, healed by itself after a while. Per-request
 * network faults run all the time in the proxies; the nemesis adds the coarse ones: partitions of one client or
 * one instance, SIGKILL and restart of instances and clients, a client going offline, PostgreSQL connections
 * reset mid-query, one instance cut from PostgreSQL, and a PostgreSQL outage of several seconds.
 */
import type { FaultProxy } from './fault-proxy.ts';
import type { LogEvent } from './history.ts';
import type { ClientProcess, Instance } from './processes.ts';
import type { Rng } from './rng.ts';

export type NemesisKind =
  | 'partition-client'
  | 'partition-instance'
  | 'kill-instance'
  | 'kill-client'
  | 'offline'
  | 'pg-reset'
  | 'pg-partition-instance'
  | 'pg-outage';

export interface World {
  instances: Instance[];
  clients: ClientProcess[];
  /** One load balancer per client. */
  balancers: FaultProxy[];
  /** One proxy per instance between it and PostgreSQL (none on PGlite). */
  pgProxies: FaultProxy[];
  /** Instances no balancer may reach. */
  partitioned: Set<number>;
  record(e: Omit<LogEvent, 't'>): void;
}

export interface Nemesis {
  readonly counts: Record<NemesisKind, number>;
  /** Stops injecting and waits for every fault in progress to heal and every killed process to be back. */
  stop(): Promise<void>;
}

const WEIGHTS: Record<NemesisKind, number> = {
  'partition-client': 10,
  'partition-instance': 6,
  'kill-instance': 6,
  'kill-client': 10,
  offline: 8,
  'pg-reset': 5,
  'pg-partition-instance': 4,
  'pg-outage': 2,
};

export function startNemesis(
  world: World,
  rng: Rng,
  opts: { postgres: boolean; gapMs: [number, number] },
): Nemesis {
  const counts = Object.fromEntries(Object.keys(WEIGHTS).map((k) => [k, 0])) as Record<NemesisKind, number>;
  const healing = new Set<Promise<void>>();
  const busy = new Set<string>(); // `client:1`, `instance:0`, `pg`: one fault at a time on each
  let running = true;
  let lastOutage = 0;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** Runs a fault now and its healing later (tracked, so `stop` can wait for it). */
  const during = (
    what: string,
    ms: number,
    inject: () => Promise<void> | void,
    heal: () => Promise<void> | void,
  ) => {
    busy.add(what);
    const p = (async () => {
      try {
        await inject();
        await sleep(ms);
      } finally {
        await heal();
        busy.delete(what);
      }
    })().catch((e: unknown) => world.record({ ev: 'nemesis-error', error: String(e) }));
    healing.add(p);
    void p.finally(() => healing.delete(p));
  };

  const act = (kind: NemesisKind): boolean => {
    const { clients, instances } = world;
    const c = rng.int(0, clients.length - 1);
    const i = rng.int(0, instances.length - 1);
    const client = clients[c]!;
    const instance = instances[i]!;
    switch (kind) {
      case 'partition-client': {
        if (busy.has(`client:${c}`)) return false;
        const b = world.balancers[c]!;
        during(
          `client:${c}`,
          rng.int(1000, 5000),
          () => {
            world.record({ ev: 'partition-client', c });
            b.cut();
          },
          () => {
            b.restore();
            world.record({ ev: 'heal-client', c });
          },
        );
        return true;
      }
      case 'partition-instance':
        if (busy.has(`instance:${i}`)) return false;
        during(
          `instance:${i}`,
          rng.int(1000, 5000),
          () => {
            world.record({ ev: 'partition-instance', i });
            world.partitioned.add(i);
            for (const b of world.balancers) b.reset(instance.port);
          },
          () => {
            world.partitioned.delete(i);
            world.record({ ev: 'heal-instance', i });
          },
        );
        return true;
      case 'kill-instance': {
        // Keep one instance up when there are several: clients then see failover, not a total outage.
        const down = instances.filter((x) => !x.up).length;
        if (busy.has(`instance:${i}`) || (instances.length > 1 && down > 0)) return false;
        during(
          `instance:${i}`,
          rng.int(200, 3000),
          async () => {
            world.record({ ev: 'kill-instance', i });
            await instance.kill();
          },
          async () => {
            await instance.start();
            world.record({ ev: 'restart-instance', i });
          },
        );
        return true;
      }
      case 'kill-client': {
        const down = clients.filter((x) => !x.up).length;
        if (busy.has(`client:${c}`) || down >= Math.floor(clients.length / 2)) return false;
        during(
          `client:${c}`,
          rng.int(100, 2000),
          async () => {
            world.record({ ev: 'kill-client', c });
            await client.kill();
          },
          async () => {
            await client.start();
            world.record({ ev: 'restart-client', c });
          },
        );
        return true;
      }
      case 'offline':
        if (busy.has(`client:${c}`)) return false;
        during(
          `client:${c}`,
          rng.int(2000, 8000),
          async () => {
            world.record({ ev: 'offline', c });
            await client.request('offline');
          },
          async () => {
            await client.request('online').catch(() => {});
            world.record({ ev: 'online', c });
          },
        );
        return true;
      case 'pg-reset': {
        if (!opts.postgres || busy.has('pg')) return false;
        const n = world.pgProxies.reduce((s, p) => s + p.reset(), 0);
        world.record({ ev: 'pg-reset', connections: n });
        return true;
      }
      case 'pg-partition-instance': {
        if (!opts.postgres || busy.has('pg') || busy.has(`pg:${i}`)) return false;
        const p = world.pgProxies[i]!;
        during(
          `pg:${i}`,
          rng.int(1000, 4000),
          () => {
            world.record({ ev: 'pg-partition-instance', i });
            p.cut();
          },
          () => {
            p.restore();
            world.record({ ev: 'pg-heal-instance', i });
          },
        );
        return true;
      }
      case 'pg-outage':
        if (!opts.postgres || busy.has('pg') || Date.now() - lastOutage < 20_000) return false;
        lastOutage = Date.now();
        during(
          'pg',
          rng.int(3000, 6000),
          () => {
            world.record({ ev: 'pg-outage' });
            for (const p of world.pgProxies) p.cut();
          },
          () => {
            for (const p of world.pgProxies) p.restore();
            world.record({ ev: 'pg-back' });
          },
        );
        return true;
    }
  };

  const loop = (async () => {
    while (running) {
      await sleep(rng.int(opts.gapMs[0], opts.gapMs[1]));
      if (!running) break;
      const kind = rng.weighted(WEIGHTS);
      if (act(kind)) counts[kind]++;
    }
  })();

  return {
    counts,
    async stop() {
      running = false;
      await loop;
      while (healing.size) await Promise.all([...healing]);
    },
  };
}
