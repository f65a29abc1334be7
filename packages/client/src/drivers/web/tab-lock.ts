/**
 * "One tab owns the database": `opfs-sahpool` lets one page of an origin open the files, so tabs agree through
 * a Web Lock who that is. Another tab sees the lock taken and may ask the owner (over a BroadcastChannel)
 * to hand it over; the owner closes its database first and only then releases the lock, so two tabs never
 * write at the same time and nothing committed is lost.
 */

export interface DatabaseLockOptions {
  /**
   * Runs in the owning tab when another tab asks to take over: close the engine (which closes the driver and
   * with it the OPFS files) and show that SelfTracker moved to another tab. The lock is released when this
   * settles (also if it throws: the OPFS access handles still refuse a second writer).
   */
  onTakeoverRequested: () => Promise<void> | void;
}

/** This tab owns the database. */
export interface OwnedDatabaseLock {
  readonly state: 'owned';
  /** Releases the lock (close the database first). Harmless twice. */
  release(): Promise<void>;
  /** Settles when this tab no longer owns the lock: released here, or handed over to another tab. */
  readonly released: Promise<void>;
}

/** Another tab owns the database: show "SelfTracker is open in another tab" with a "Use here" action. */
export interface TakenDatabaseLock {
  readonly state: 'taken';
  /**
   * "Use here": asks the owner to hand over, then waits until it did. Resolves once this tab owns the lock;
   * open the database then. Abort `signal` to stop waiting (rejects with the signal's reason).
   */
  takeOver(signal?: AbortSignal): Promise<OwnedDatabaseLock>;
}

export type DatabaseLock = OwnedDatabaseLock | TakenDatabaseLock;

type Message = { type: 'takeover' };

const channelName = (name: string) => `selftracker-lock:${name}`;

/**
 * Tries to become the tab that owns database `name` (no waiting): `owned`, or `taken` by another tab.
 * Use one name per database file, e.g. the file name.
 */
export async function acquireDatabaseLock(name: string, opts: DatabaseLockOptions): Promise<DatabaseLock> {
  const owned = await request(name, opts, { ifAvailable: true });
  if (owned) return owned;
  return {
    state: 'taken',
    async takeOver(signal) {
      // Queue for the lock before asking, so the owner's release goes to this tab.
      const granted = request(name, opts, signal ? { signal } : {});
      const channel = new BroadcastChannel(channelName(name));
      channel.postMessage({ type: 'takeover' } satisfies Message);
      channel.close();
      const lock = await granted;
      if (!lock) throw new Error('the database lock was not granted'); // cannot happen without ifAvailable
      return lock;
    },
  };
}

/** Requests the Web Lock and holds it until released or handed over; resolves once granted (or null). */
function request(
  name: string,
  opts: DatabaseLockOptions,
  options: LockOptions,
): Promise<OwnedDatabaseLock | null> {
  return new Promise<OwnedDatabaseLock | null>((resolveGranted, rejectGranted) => {
    let release!: () => void;
    const releasing = new Promise<void>((r) => (release = r));
    let released!: () => void;
    const releasedP = new Promise<void>((r) => (released = r));
    const held = navigator.locks.request(name, options, async (lock) => {
      if (!lock) {
        resolveGranted(null);
        return;
      }
      const channel = new BroadcastChannel(channelName(name));
      let handingOver = false;
      channel.onmessage = (ev: MessageEvent<Message>) => {
        if (ev.data?.type !== 'takeover' || handingOver) return;
        handingOver = true;
        void Promise.resolve()
          .then(opts.onTakeoverRequested)
          .catch((e: unknown) => console.error('SelfTracker: closing for another tab failed', e))
          .finally(release);
      };
      resolveGranted({
        state: 'owned',
        release: async () => {
          release();
          await releasedP;
        },
        released: releasedP,
      });
      await releasing;
      channel.close();
    });
    held.then(released, (e: unknown) => {
      released();
      rejectGranted(e);
    });
  });
}
