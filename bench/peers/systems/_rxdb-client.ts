/**
 * The RxDB peer's client side: a fresh in-memory RxDatabase per client, and RxDB's own replication protocol
 * (`replicateRxCollection`) against the HTTP server of `_rxdb-server.ts` (pull by checkpoint, push with conflict
 * check, live pull through Server-Sent Events).
 */
import { request } from 'node:http';
import {
  createRxDatabase,
  type RxCollection,
  type RxDatabase,
  type RxJsonSchema,
  type RxReplicationPullStreamItem,
  type RxReplicationWriteToMasterRow,
  type WithDeleted,
} from 'rxdb';
import { type RxReplicationState, replicateRxCollection } from 'rxdb/plugins/replication';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { Subject } from 'rxjs';
import type { BenchTask } from '../types.ts';

/** Documents per pull request and per push request. */
export const BATCH = 1000;

export type Checkpoint = { seq: number };
export type TaskCollection = RxCollection<BenchTask>;

const schema: RxJsonSchema<BenchTask> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 64 },
    title: { type: 'string' },
    status: { type: 'string', enum: ['todo', 'done'] },
    created_at: { type: 'number' },
    updated_at: { type: 'number' },
  },
  required: ['id', 'title', 'status', 'created_at', 'updated_at'],
};

let dbCounter = 0;

/** One client: a fresh memory-storage database (unique name) with a `tasks` collection. */
export class RxClient {
  replications: RxReplicationState<BenchTask, Checkpoint>[] = [];
  streams: SseStream[] = [];
  errors: string[] = [];
  private constructor(
    readonly db: RxDatabase,
    readonly tasks: TaskCollection,
  ) {}

  static async open(label: string): Promise<RxClient> {
    const db = await createRxDatabase({
      name: `rxdbpeer_${label}_${process.pid}_${++dbCounter}_${Date.now()}`,
      storage: getRxStorageMemory(),
      multiInstance: false,
      eventReduce: true,
      allowSlowCount: true,
    });
    const { tasks } = await db.addCollections({ tasks: { schema } });
    return new RxClient(db, tasks as TaskCollection);
  }

  /**
   * Starts RxDB replication of this client's tasks with `user`'s rows on the server at `base`. `live`: pull.stream$
   * from the server's SSE endpoint (otherwise pulls happen at start and on `reSync()`).
   */
  replicate(
    base: string,
    user: string,
    opts: { push: boolean; pull: boolean; live?: boolean; autoStart?: boolean },
  ): { state: RxReplicationState<BenchTask, Checkpoint>; stream?: SseStream } {
    const stream = opts.live
      ? new SseStream(`${base}/pull/stream?user=${encodeURIComponent(user)}`)
      : undefined;
    if (stream) this.streams.push(stream);
    const state = replicateRxCollection<BenchTask, Checkpoint>({
      replicationIdentifier: `rxdb-http-${base}-${user}`,
      collection: this.tasks,
      live: true,
      retryTime: 1000,
      waitForLeadership: false,
      autoStart: opts.autoStart ?? true,
      pull: opts.pull
        ? {
            batchSize: BATCH,
            handler: async (checkpoint, batchSize) => {
              const url = `${base}/pull?user=${encodeURIComponent(user)}&seq=${checkpoint?.seq ?? 0}&limit=${batchSize}`;
              const res = await fetch(url);
              if (!res.ok) throw new Error(`pull ${res.status}: ${await res.text()}`);
              return (await res.json()) as { documents: WithDeleted<BenchTask>[]; checkpoint: Checkpoint };
            },
            stream$: stream?.events.asObservable(),
          }
        : undefined,
      push: opts.push
        ? {
            batchSize: BATCH,
            handler: async (rows: RxReplicationWriteToMasterRow<BenchTask>[]) => {
              const res = await fetch(`${base}/push?user=${encodeURIComponent(user)}`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify(rows),
              });
              if (!res.ok) throw new Error(`push ${res.status}: ${await res.text()}`);
              return (await res.json()) as WithDeleted<BenchTask>[];
            },
          }
        : undefined,
    });
    state.error$.subscribe((e) => {
      const msg =
        e?.parameters?.errors?.map((x) => String(x?.message ?? x)).join('; ') || String(e?.message ?? e);
      if (this.errors.length < 5) this.errors.push(msg);
    });
    this.replications.push(state);
    return { state, stream };
  }

  async count(): Promise<number> {
    return this.tasks.count().exec();
  }

  /** Waits for `p`; if it takes over `ms`, fails with the replication errors seen so far. */
  async within<T>(what: string, p: Promise<T>, ms = 300_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `${what}: no result after ${ms / 1000} s; replication errors: ${this.errors.join(' | ') || 'none'}`,
            ),
          ),
        ms,
      );
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.close();
    await Promise.all(this.replications.map((r) => r.cancel().catch(() => {})));
    await this.db.remove().catch(() => {});
  }
}

/**
 * A Server-Sent Events reader for `pull.stream$` (Node 20 has no EventSource): each `data:` event is a
 * `{ documents, checkpoint }` bulk; 'RESYNC' on every (re)connect so nothing written before the stream opened is missed.
 */
export class SseStream {
  readonly events = new Subject<RxReplicationPullStreamItem<BenchTask, Checkpoint>>();
  readonly connected: Promise<void>;
  private closed = false;
  private req?: ReturnType<typeof request>;
  private onConnect!: () => void;

  constructor(private readonly url: string) {
    this.connected = new Promise((resolve) => {
      this.onConnect = resolve;
    });
    this.connect();
  }

  private connect() {
    if (this.closed) return;
    const req = request(this.url, { headers: { accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8');
      let buf = '';
      this.events.next('RESYNC');
      this.onConnect();
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (data) this.events.next(JSON.parse(data));
        }
      });
      res.on('end', () => this.retry());
      res.on('error', () => this.retry());
    });
    req.on('error', () => this.retry());
    req.end();
    this.req = req;
  }

  private retry() {
    if (!this.closed) setTimeout(() => this.connect(), 200);
  }

  close() {
    this.closed = true;
    this.req?.destroy();
    this.events.complete();
  }
}
