import {
  type Effect,
  initialMachine,
  isRunning,
  type MachineConfig,
  type MachineInput,
  type MachineInputBody,
  type MachineState,
  type RoundFailure,
  type RoundStage,
  reduce,
  type TimerName,
} from './sync-machine.ts';

/** Time as the engine sees it: injected, so tests drive it with a fake. The only clock and timers the engine uses. */
export interface EngineClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const systemClock: EngineClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** The I/O the interpreter runs effects with: one sync round, one event stream connection. */
export interface SchedulerHandlers<R> {
  /** One round; `stage` reports its progress. Throws what it failed with. */
  runRound(stage: (s: RoundStage) => void): Promise<R>;
  /** How many of a round's operations the server rejected (kept as the `rejected-ops` problem). */
  rejectedIn(result: R): number;
  /** Classifies a round's failure once, into the closed set of codes. */
  classify(e: unknown): RoundFailure;
  /**
   * Holds the live event stream open until it ends (resolve) or fails (throw); `opened` once connected, `poke`
   * for every server poke. `signal` aborts it.
   */
  openStream(signal: AbortSignal, opened: () => void, poke: () => void): Promise<void>;
  /** Whether a stream failure was the server refusing the session. */
  isUnauthorized(e: unknown): boolean;
}

type InputBody = MachineInputBody;

interface Waiter<R> {
  resolve(r: R): void;
  reject(e: unknown): void;
}

/**
 * The interpreter of the sync machine: feeds it inputs stamped with the injected clock, and runs its effects —
 * the timers, the rounds, the event stream. It holds no sync state of its own beyond the handles of what it runs.
 */
export class Scheduler<R> {
  #state: MachineState;
  readonly #clock: EngineClock;
  readonly #handlers: SchedulerHandlers<R>;
  readonly #timers = new Map<TimerName, unknown>();
  readonly #listeners = new Set<(s: MachineState) => void>();
  #stream: AbortController | undefined;
  #round: Promise<void> | undefined;
  /** Callers of `syncNow()` waiting for the next round to start. */
  #waiting: Waiter<R>[] = [];
  #queue: InputBody[] = [];
  #dispatching = false;

  constructor(
    handlers: SchedulerHandlers<R>,
    o: { clock?: EngineClock; config?: Partial<MachineConfig>; signedIn?: boolean } = {},
  ) {
    this.#handlers = handlers;
    this.#clock = o.clock ?? systemClock;
    this.#state = initialMachine(o.config, o.signedIn ?? false);
  }

  get state(): MachineState {
    return this.#state;
  }

  subscribe(listener: (s: MachineState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Feeds one input (stamped with the clock's time). Inputs sent while effects run are queued, in order. */
  send(input: InputBody): void {
    this.#queue.push(input);
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        const prev = this.#state;
        const { state, effects } = reduce(prev, { ...next, at: this.#clock.now() } as MachineInput);
        this.#state = state;
        for (const e of effects) this.#run(e);
        if (state !== prev) for (const l of [...this.#listeners]) l(state);
      }
    } finally {
      this.#dispatching = false;
    }
  }

  /** Runs a round now (or right after the one running) and resolves with its outcome. */
  syncNow(): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.send({ type: 'sync-now' });
    });
  }

  /** Stops background work and waits for the round in flight (and one asked for with `syncNow`) to end. */
  async stop(): Promise<void> {
    this.send({ type: 'stop' });
    while (this.#round) await this.#round;
  }

  #run(e: Effect): void {
    if (e.type === 'run-round') this.#startRound();
    else if (e.type === 'set-timer') this.#arm(e.timer, e.at);
    else if (e.type === 'clear-timer') this.#clear(e.timer);
    else if (e.type === 'open-stream') this.#openStream();
    else {
      this.#stream?.abort();
      this.#stream = undefined;
    }
  }

  #arm(timer: TimerName, at: number): void {
    this.#clear(timer);
    const h = this.#clock.setTimeout(
      () => {
        this.#timers.delete(timer);
        this.send({ type: 'timer', timer });
      },
      Math.max(0, at - this.#clock.now()),
    );
    this.#timers.set(timer, h);
  }

  #clear(timer: TimerName): void {
    const h = this.#timers.get(timer);
    if (h === undefined) return;
    this.#clock.clearTimeout(h);
    this.#timers.delete(timer);
  }

  #startRound(): void {
    const waiters = this.#waiting;
    this.#waiting = [];
    const round = this.#handlers
      .runRound((stage) => this.send({ type: 'round-stage', stage }))
      .then(
        (result) =>
          this.#ended(waiters, { type: 'round-finished', rejected: this.#handlers.rejectedIn(result) }, (w) =>
            w.resolve(result),
          ),
        (e: unknown) =>
          this.#ended(waiters, { type: 'round-failed', failure: this.#handlers.classify(e) }, (w) =>
            w.reject(e),
          ),
      );
    this.#round = round;
  }

  #ended(waiters: Waiter<R>[], input: InputBody, settle: (w: Waiter<R>) => void): void {
    this.#round = undefined;
    this.send(input);
    for (const w of waiters) settle(w);
    // Asked for during this round, but no round follows (the session is gone): they get this round's outcome.
    if (!isRunning(this.#state.phase) && this.#waiting.length) {
      const late = this.#waiting;
      this.#waiting = [];
      for (const w of late) settle(w);
    }
  }

  #openStream(): void {
    this.#stream?.abort();
    const ctl = new AbortController();
    this.#stream = ctl;
    const opened = () => {
      if (!ctl.signal.aborted) this.send({ type: 'stream-opened' });
    };
    const poke = () => {
      if (!ctl.signal.aborted) this.send({ type: 'poke' });
    };
    this.#handlers.openStream(ctl.signal, opened, poke).then(
      () => this.#streamEnded(ctl, false),
      (e: unknown) => this.#streamEnded(ctl, this.#handlers.isUnauthorized(e)),
    );
  }

  #streamEnded(ctl: AbortController, unauthorized: boolean): void {
    if (ctl.signal.aborted) return;
    if (this.#stream === ctl) this.#stream = undefined;
    this.send({ type: 'stream-closed', unauthorized });
  }
}
