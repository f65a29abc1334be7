/**
 * The chaos run's network: a TCP proxy that understands just enough HTTP to fault one request at a time.
 *
 * In front of the server instances it is a load balancer (one per client, so a single client can be
 * partitioned): each new connection goes to a random instance in rotation, the next one if connecting fails
 * (nginx's `proxy_next_upstream`). Per request it may drop the connection before forwarding anything, reset it
 * halfway through the request, reset it after the first bytes of the response (the server has done the work,
 * the client never hears), or delay the request. Between an instance and PostgreSQL it is a plain pipe that can
 * be cut (an outage) or have every live connection reset (mid-query).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Rng } from './rng.ts';

export type RequestFault = 'drop' | 'reset-request' | 'reset-response' | 'delay';
export const REQUEST_FAULTS: readonly RequestFault[] = ['drop', 'reset-request', 'reset-response', 'delay'];

/** Probability of each fault per HTTP request while faults are on. */
export type FaultRates = Record<RequestFault, number>;

export interface FaultProxyOptions {
  /** Ports to try for a new connection, in the order to try them (a balancer shuffles; a pipe has one). */
  route(): number[];
  rng: Rng;
  /** Faults per HTTP request (omit for a plain TCP pipe). */
  rates?: FaultRates;
  maxDelayMs?: number;
}

export interface FaultProxy {
  readonly port: number;
  /** Per-request faults on or off (healing turns them off). */
  faulty: boolean;
  /** Faults injected so far, by kind. */
  readonly counts: Record<RequestFault, number>;
  /** A partition: every connection dropped, new ones refused, until `restore`. */
  cut(): void;
  restore(): void;
  readonly isCut: boolean;
  /** Resets every live connection (to one upstream port only, when given). */
  reset(port?: number): number;
  close(): Promise<void>;
}

const REQUEST_LINE = /^(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) /;

export async function createFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const live = new Set<{ inbound: Socket; outbound: Socket; port: number }>();
  const counts: Record<RequestFault, number> = { drop: 0, 'reset-request': 0, 'reset-response': 0, delay: 0 };
  let isCut = false;
  const maxDelay = opts.maxDelayMs ?? 800;

  const roll = (): RequestFault | undefined => {
    if (!self.faulty || !opts.rates) return undefined;
    let r = opts.rng.next();
    for (const f of REQUEST_FAULTS) {
      r -= opts.rates[f];
      if (r < 0) return f;
    }
    return undefined;
  };

  const pipe = (inbound: Socket, outbound: Socket, port: number) => {
    const conn = { inbound, outbound, port };
    live.add(conn);
    const kill = () => {
      live.delete(conn);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('close', kill);
    outbound.on('close', kill);
    // Request bytes go through a chain so a delayed request keeps its order with what follows it.
    let chain = Promise.resolve();
    let cutResponse = false;
    inbound.on('data', (chunk: Buffer) => {
      const fault =
        opts.rates && REQUEST_LINE.test(chunk.subarray(0, 8).toString('latin1')) ? roll() : undefined;
      if (fault) counts[fault]++;
      if (fault === 'drop') return kill();
      if (fault === 'reset-request') {
        chain = chain.then(() => {
          outbound.write(chunk.subarray(0, Math.max(1, chunk.length >> 1)), () => kill());
        });
        return;
      }
      if (fault === 'reset-response') cutResponse = true;
      const ms = fault === 'delay' ? opts.rng.int(20, maxDelay) : 0;
      chain = chain.then(async () => {
        if (ms) await new Promise((r) => setTimeout(r, ms));
        if (!outbound.destroyed) outbound.write(chunk);
      });
    });
    outbound.on('data', (chunk: Buffer) => {
      if (cutResponse) {
        inbound.write(chunk.subarray(0, chunk.length >> 1), () => kill());
        return;
      }
      inbound.write(chunk);
    });
  };

  const server: Server = createServer((inbound) => {
    inbound.on('error', () => {});
    if (isCut) {
      inbound.destroy();
      return;
    }
    inbound.pause();
    const candidates = opts.route();
    const tryNext = () => {
      const port = candidates.shift();
      if (port === undefined || isCut || inbound.destroyed) {
        inbound.destroy();
        return;
      }
      const outbound = connect(port, '127.0.0.1');
      outbound.on('error', () => {});
      const failed = () => {
        outbound.destroy();
        tryNext();
      };
      outbound.once('error', failed);
      outbound.once('connect', () => {
        outbound.off('error', failed);
        pipe(inbound, outbound, port);
        inbound.resume();
      });
    };
    tryNext();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const self: FaultProxy = {
    port,
    faulty: true,
    counts,
    cut() {
      isCut = true;
      self.reset();
    },
    restore() {
      isCut = false;
    },
    get isCut() {
      return isCut;
    },
    reset(only) {
      let n = 0;
      for (const c of [...live]) {
        if (only !== undefined && c.port !== only) continue;
        n++;
        c.inbound.destroy();
        c.outbound.destroy();
        live.delete(c);
      }
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        self.reset();
        server.close(() => resolve());
      }),
  };
  return self;
}
