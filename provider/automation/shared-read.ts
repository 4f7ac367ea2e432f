/**
 * One collection read shared by every resource of a run, in two strengths:
 *
 * - `get()` (look-ups: resolve a user name, a permission set): the first caller loads it (all pages), callers that
 *   come while the load is in flight wait for the same load (single flight), later callers get the loaded value
 *   until it is older than `maxAgeMs`, counted from when the load started (what the data can be older than).
 *   For `staleMs` more it is still served at once while one new load runs in the background: a look-up whose
 *   answer may be stale has a way out anyway (see Snapshots), and creates must not all stop for a reload while
 *   BC's five request slots sit idle.
 * - `settled()` (preview checks): any loaded value, whatever its age; out-of-band changes during one command do
 *   not matter there (create looks again), and it keeps a whole command at one load per collection.
 * - `fresh()` (refresh, drift): only a load that started after the *command* started will do (`commandStart`,
 *   the runtime's CommandClock: each `pulumi` command starts its own dynamic-provider process, so by default when
 *   the process started),
 *   so every change made in BC before the command is seen, as with Terraform's per-run refresh snapshot. A change
 *   made in BC by someone else while the command runs may be missed once a load has started; this process's own
 *   writes never are (edits, invalidation). Without such a load, callers arriving within `gatherMs` of each other
 *   share a new one, so a whole refresh costs one load per collection instead of one per wave of the engine's reads.
 *
 * Writes keep it exact. A write the provider made and knows the result of is applied as an edit (`edit`): to the
 * value, and, if a load is in flight, to that load's result too (it may have been read before or after the write
 * reached BC; edits are idempotent, so applying one twice is harmless). A write whose effect is not known
 * precisely drops the value (`invalidate`): callers from then on start a new load; a load that was in flight
 * still answers the callers that were already waiting (their read started before the write) but is not kept.
 */

export interface SharedReadOptions {
  /** How long a loaded value may be served to `get`, from the start of its load (ms). */
  maxAgeMs: number;
  /** How much longer it is served while a newer load runs in the background (ms; default `maxAgeMs`). */
  staleMs?: number;
  /** How long `fresh` waits for more callers before it starts the load they share (ms). */
  gatherMs: number;
  now?: () => number;
  /** When the command began: `fresh` takes loads that started after it (default: when this module loaded). */
  commandStart?: () => number;
}

const MODULE_LOADED_AT = Date.now();

/**
 * When the command a runtime serves began: its creation (in the dynamic-provider process, the command's start), or
 * the last `start()`, for code that serves several commands in one process (tests, scripts).
 */
export class CommandClock {
  private startedAt = Date.now();

  get started(): number {
    return this.startedAt;
  }

  start(at: number = Date.now()): void {
    this.startedAt = at;
  }
}

interface Loaded<T> {
  value: T;
  startedAt: number;
}

interface InFlight<T> {
  promise: Promise<T>;
  generation: number;
  startedAt: number;
  /** Edits made while this load was in flight, replayed on its result. */
  edits: ((value: T) => void)[];
}

export class SharedRead<T> {
  private loaded?: Loaded<T>;
  private inFlight?: InFlight<T>;
  private generation = 0;
  private gathering?: Promise<T>;
  private readonly now: () => number;

  constructor(
    /** Loads the whole collection. Not cancellable by one caller: others may be waiting for the same load. */
    private readonly load: () => Promise<T>,
    private readonly options: SharedReadOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The shared value: fresh enough, joined in flight, or loaded now. */
  get(): Promise<T> {
    const loaded = this.loaded;
    const age = loaded ? this.now() - loaded.startedAt : Number.POSITIVE_INFINITY;
    const loading = this.inFlight && this.inFlight.generation === this.generation ? this.inFlight : undefined;
    if (loaded && age < this.options.maxAgeMs) return Promise.resolve(loaded.value);
    if (loaded && age < this.options.maxAgeMs + (this.options.staleMs ?? this.options.maxAgeMs)) {
      // Its callers are served; a failed background load only means the next caller loads again.
      if (!loading) this.start().catch(() => undefined);
      return Promise.resolve(loaded.value);
    }
    return loading ? loading.promise : this.start();
  }

  /**
   * A value loaded by a request that started after the command began and not invalidated since: the loaded value,
   * a load in flight, or one started after `gatherMs` (shared with the callers of that window).
   */
  fresh(): Promise<T> {
    const since = this.options.commandStart?.() ?? MODULE_LOADED_AT;
    if (this.loaded && this.loaded.startedAt > since) return Promise.resolve(this.loaded.value);
    const loading = this.inFlight && this.inFlight.generation === this.generation ? this.inFlight : undefined;
    if (loading && loading.startedAt > since) return loading.promise;
    if (!this.gathering) {
      this.gathering = new Promise<void>((resolve) => setTimeout(resolve, this.options.gatherMs)).then(() => {
        this.gathering = undefined;
        return this.start();
      });
    }
    return this.gathering;
  }

  /**
   * The loaded value whatever its age (writes through this connection keep it exact: they edit or drop it), else
   * the load in flight, else a new one: what preview checks read, so a whole command costs one load.
   */
  settled(): Promise<T> {
    if (this.loaded) return Promise.resolve(this.loaded.value);
    const loading = this.inFlight && this.inFlight.generation === this.generation ? this.inFlight : undefined;
    return loading ? loading.promise : this.start();
  }

  /** The value if one is loaded and fresh; never starts a load. */
  peek(): T | undefined {
    const loaded = this.loaded;
    return loaded && this.now() - loaded.startedAt < this.options.maxAgeMs ? loaded.value : undefined;
  }

  /** Applies a known write to the loaded value and to a load in flight (idempotent edits only). */
  edit(change: (value: T) => void): void {
    if (this.loaded) change(this.loaded.value);
    if (this.inFlight && this.inFlight.generation === this.generation) this.inFlight.edits.push(change);
  }

  /** Forgets the value: the next `get` loads again. */
  invalidate(): void {
    this.generation++;
    this.loaded = undefined;
  }

  private start(): Promise<T> {
    const startedAt = this.now();
    const generation = this.generation;
    const edits: ((value: T) => void)[] = [];
    const promise = this.load().then(
      (value) => {
        for (const edit of edits) edit(value);
        if (this.inFlight === flight) this.inFlight = undefined;
        if (generation === this.generation) this.loaded = { value, startedAt };
        return value;
      },
      (err: unknown) => {
        if (this.inFlight === flight) this.inFlight = undefined;
        throw err;
      },
    );
    const flight: InFlight<T> = { promise, generation, startedAt, edits };
    this.inFlight = flight;
    return promise;
  }
}
