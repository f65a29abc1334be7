import { StorageError, type StorageErrorCode } from '../../driver.ts';
import { createMutex } from '../kit.ts';
import type { WorkerFailure, WorkerRequest, WorkerResponse } from './protocol.ts';

type Request = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;
type Result = Extract<WorkerResponse, { ok: true }>['result'];

/**
 * The main-thread side of one database worker: request/answer by id, shared by every driver opened on it.
 * The worker lives as long as a driver uses it; the last `release()` terminates it.
 */
export interface WorkerHost {
  call(req: Request): Promise<Result>;
  /** Serializes transactions on one file across the drivers of this worker (BEGIN IMMEDIATE never waits). */
  fileLock(file: string): <T>(fn: () => Promise<T>) => Promise<T>;
  retain(): void;
  release(): Promise<void>;
}

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CONSTRAINT = 19;

/** Maps a failure reported by the worker (or the worker itself failing) to the one StorageError. */
export function toStorageError(f: WorkerFailure): StorageError {
  const cause = Object.assign(
    new Error(f.message),
    { name: f.name },
    f.resultCode === undefined ? {} : { resultCode: f.resultCode },
  );
  let code: StorageErrorCode = 'io';
  const primary = f.resultCode === undefined ? undefined : f.resultCode & 0xff;
  if (f.name === 'StorageError') code = 'closed';
  else if (primary === SQLITE_CONSTRAINT) code = 'constraint';
  else if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) code = 'busy';
  // OPFS refuses a second set of access handles while another tab (or a dying worker) still holds them.
  else if (f.name === 'NoModificationAllowedError' || f.name === 'InvalidStateError') code = 'busy';
  return new StorageError(code, f.message, { cause });
}

/** Wraps a worker. `onEmpty` runs when the last driver released it, before it is terminated. */
export function createWorkerHost(worker: Worker, onEmpty: () => void): WorkerHost {
  const pending = new Map<number, { resolve(r: Result): void; reject(e: StorageError): void }>();
  const fileLocks = new Map<string, ReturnType<typeof createMutex>>();
  let nextId = 1;
  let refs = 0;
  let dead: StorageError | undefined;

  const failAll = (err: StorageError) => {
    dead = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.addEventListener('message', (ev: MessageEvent<WorkerResponse>) => {
    const res = ev.data;
    const p = pending.get(res.id);
    if (!p) return;
    pending.delete(res.id);
    if (res.ok) p.resolve(res.result);
    else p.reject(toStorageError(res.error));
  });
  worker.addEventListener('error', (ev: ErrorEvent) => {
    ev.preventDefault();
    failAll(
      new StorageError('io', `the database worker failed: ${ev.message || 'it could not start'}`, {
        cause: ev.error,
      }),
    );
  });
  worker.addEventListener('messageerror', () =>
    failAll(new StorageError('io', 'the database worker sent an unreadable message')),
  );

  return {
    async call(req) {
      if (dead) throw dead;
      const id = nextId++;
      return new Promise<Result>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ ...req, id } as WorkerRequest);
      });
    },
    fileLock(file) {
      let m = fileLocks.get(file);
      if (!m) {
        m = createMutex();
        fileLocks.set(file, m);
      }
      return m;
    },
    retain() {
      refs++;
    },
    async release() {
      if (--refs > 0) return;
      onEmpty();
      failAll(new StorageError('closed', 'the database worker was terminated'));
      // The worker paused its VFS when its last connection closed: the OPFS handles are already free.
      worker.terminate();
    },
  };
}
