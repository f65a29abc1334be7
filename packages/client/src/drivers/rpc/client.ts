/**
 * The near half of the RPC driver: a `SqliteDriver` whose connection is on the far side of a channel. It is
 * the kit over remote primitives: requests with ids, a transaction is a lease the far side holds until
 * `commit` or `rollback` names it. Every failure arrives as `StorageError` (rebuilt from the wire by name).
 */
import { type SqliteDriver, type SqlParams, StorageError } from '../../driver.ts';
import { createSqliteDriver, storageError } from '../kit.ts';
import type { RpcChannel } from './channel.ts';
import { fromWire, type RpcRequest, type RpcResponse } from './protocol.ts';

type Result = Extract<RpcResponse, { ok: true }>['result'];
type Request = RpcRequest extends infer R ? (R extends RpcRequest ? Omit<R, 'id'> : never) : never;

/** Request/response by id over `channel`; once the link is gone every call fails with why. */
function createCaller(channel: RpcChannel<RpcRequest, RpcResponse>) {
  const pending = new Map<number, { resolve(r: Result): void; reject(e: StorageError): void }>();
  let nextId = 1;
  let gone: StorageError | undefined;
  channel.listen(
    (res) => {
      const p = pending.get(res.id);
      if (!p) return;
      pending.delete(res.id);
      if (res.ok) p.resolve(res.result);
      else p.reject(fromWire(res.error));
    },
    (reason) => {
      gone = StorageError.is(reason)
        ? reason
        : new StorageError('closed', 'the connection to the database is gone', { cause: reason });
      for (const p of pending.values()) p.reject(gone);
      pending.clear();
    },
  );
  return {
    call(req: Request): Promise<Result> {
      if (gone) return Promise.reject(gone);
      const id = nextId++;
      return new Promise<Result>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        channel.send({ ...req, id } as RpcRequest);
      });
    },
    get gone() {
      return gone !== undefined;
    },
  };
}

/**
 * A `SqliteDriver` served by `serveRpc` on the far side of `channel` (a worker, a Tauri command, ...). The
 * kit serializes the calls here too, so one request is in flight at a time and a transaction's statements
 * carry its lease. `close()` closes the far side's driver, then the channel.
 */
export function createRpcDriver(channel: RpcChannel<RpcRequest, RpcResponse>): SqliteDriver {
  const remote = createCaller(channel);
  let lease: number | undefined;
  const take = () => {
    const l = lease;
    lease = undefined;
    return l;
  };
  const statement = (op: 'exec' | 'query', sql: string, params: SqlParams) =>
    remote.call(lease === undefined ? { op, sql, params } : { op, sql, params, lease });
  return createSqliteDriver({
    run: async (sql, params) => (await statement('exec', sql, params)) as number,
    all: async <T>(sql: string, params: SqlParams) => (await statement('query', sql, params)) as T[],
    begin: async () => {
      lease = (await remote.call({ op: 'begin' })) as number;
    },
    commit: async () => {
      await remote.call({ op: 'commit', lease: take()! });
    },
    rollback: async () => {
      const l = take();
      if (l !== undefined) await remote.call({ op: 'rollback', lease: l });
    },
    close: async () => {
      try {
        if (!remote.gone) await remote.call({ op: 'close' });
      } finally {
        channel.close();
      }
    },
    mapError: (e) => storageError('io', e),
  });
}
