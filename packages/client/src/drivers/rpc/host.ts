/**
 * The far half of the RPC driver: serves one `SqliteDriver` to one caller over a channel. A transaction is a
 * lease: `begin` opens `driver.transaction` and holds it (one connection, the driver's lock) until the caller
 * commits or rolls back. A lease that the caller abandons is rolled back: when the channel closes (a reload,
 * a port closed) or when no request names it for `leaseTimeoutMs`.
 */
import { type SqliteDriver, type SqliteExecutor, type SqlValue, StorageError } from '../../driver.ts';
import type { RpcChannel } from './channel.ts';
import { type RpcRequest, type RpcResponse, toWire } from './protocol.ts';

export interface ServeRpcOptions {
  /** How long a transaction may wait for its caller's next request before it is rolled back. Default 30 s. */
  leaseTimeoutMs?: number;
}

/** What `serveRpc` returns. */
export interface RpcService {
  /** Settles once the caller is gone or closed: its leases rolled back and the driver closed. */
  readonly done: Promise<void>;
}

interface Lease {
  tx: SqliteExecutor;
  /** Ends the transaction: commit (true) or roll back (false); resolves when it has ended. */
  end(commit: boolean): Promise<void>;
  timer?: ReturnType<typeof setTimeout>;
}

type RpcResult = number | Record<string, SqlValue>[] | null;

const ROLLBACK = Symbol('rollback');
const ended = () =>
  new StorageError('closed', 'this transaction has ended (committed, rolled back or expired)');

/**
 * The open transactions of one caller, by lease. Each holds `driver.transaction` open until it is ended:
 * by the caller, by its timer (no request for `leaseMs`) or by `releaseAll` when the caller is gone.
 */
function createLeases(driver: SqliteDriver, leaseMs: number) {
  const leases = new Map<number, Lease>();
  let nextLease = 1;

  const release = (id: number, commit: boolean): Promise<void> => {
    const lease = leases.get(id);
    if (!lease) return Promise.reject(ended());
    leases.delete(id);
    clearTimeout(lease.timer);
    return lease.end(commit);
  };
  const arm = (id: number) => {
    const lease = leases.get(id);
    if (!lease) return;
    clearTimeout(lease.timer);
    lease.timer = setTimeout(() => void release(id, false).catch(() => {}), leaseMs);
  };

  /** Opens a transaction; resolves with its lease once the driver's lock is held and BEGIN ran. */
  const begin = (): Promise<number> => {
    const id = nextLease++;
    let decide!: (commit: boolean) => void;
    const decided = new Promise<boolean>((r) => {
      decide = r;
    });
    return new Promise<number>((resolve, reject) => {
      const settled: Promise<void> = driver
        .transaction(async (tx) => {
          const end = (commit: boolean) => {
            decide(commit);
            return settled;
          };
          leases.set(id, { tx, end });
          arm(id);
          resolve(id);
          if (!(await decided)) throw ROLLBACK;
        })
        .catch((e: unknown) => {
          if (e !== ROLLBACK) throw e;
        });
      settled.catch(reject); // BEGIN failed; once the lease is out, `end` reports how it ended
    });
  };

  return {
    begin,
    release,
    /** Runs `fn` on the lease's transaction; its timer waits while `fn` runs and restarts after. */
    async on<T>(id: number, fn: (tx: SqliteExecutor) => Promise<T>): Promise<T> {
      const lease = leases.get(id);
      if (!lease) throw ended();
      clearTimeout(lease.timer);
      try {
        return await fn(lease.tx);
      } finally {
        arm(id);
      }
    },
    releaseAll: () => Promise.allSettled([...leases.keys()].map((id) => release(id, false))),
  };
}

/** Serves `driver` to the caller at the other end of `channel`; the driver belongs to that caller. */
export function serveRpc(
  driver: SqliteDriver,
  channel: RpcChannel<RpcResponse, RpcRequest>,
  opts: ServeRpcOptions = {},
): RpcService {
  const leases = createLeases(driver, opts.leaseTimeoutMs ?? 30_000);
  let closing = false;
  const handle = async (req: RpcRequest): Promise<RpcResult> => {
    switch (req.op) {
      case 'exec':
        return req.lease === undefined
          ? driver.exec(req.sql, req.params)
          : leases.on(req.lease, (tx) => tx.exec(req.sql, req.params));
      case 'query':
        return req.lease === undefined
          ? driver.query(req.sql, req.params)
          : leases.on(req.lease, (tx) => tx.query(req.sql, req.params));
      case 'begin': {
        const id = await leases.begin();
        if (closing) {
          await leases.release(id, false); // the caller left while this waited for the lock
          throw ended();
        }
        return id;
      }
      case 'commit':
      case 'rollback':
        await leases.release(req.lease, req.op === 'commit');
        return null;
      case 'close':
        await driver.close();
        return null;
    }
  };

  let gone!: () => void;
  const done = new Promise<void>((r) => {
    gone = r;
  });
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await leases.releaseAll();
    await driver.close().catch(() => {});
    gone();
  };
  channel.listen(
    (req) =>
      void handle(req).then(
        (result) => channel.send({ id: req.id, ok: true, result }),
        (e: unknown) => channel.send({ id: req.id, ok: false, error: toWire(e) }),
      ),
    () => void shutdown(),
  );
  return { done };
}
