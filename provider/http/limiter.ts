/**
 * Client-side limits per principal (tenant + app), mirroring what BC enforces per user/service principal
 * (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/operational-limits-online): at most 5 requests processed at once, 6,000 requests per 5-minute sliding window. A large
 * stack thus slows itself down instead of collecting 429s and 503s. Shared process-wide: every resource of the
 * principal in the dynamic-provider process draws from the same limiter.
 */
import { AbortedError, sleep } from "../util";

export interface LimiterOptions {
  /** Requests in flight at once (BC processes 5 per user and queues the rest). */
  maxConcurrent: number;
  /** Requests per window. */
  budget: number;
  windowMs: number;
}

export const DEFAULT_LIMITER_OPTIONS: LimiterOptions = { maxConcurrent: 5, budget: 6000, windowMs: 5 * 60_000 };

/** FIFO counting semaphore. */
export class Semaphore {
  private active = 0;
  private readonly waiters: { grant: () => void; reject: (e: unknown) => void }[] = [];
  /** Highest number of permits held at once (tests and the benchmark read it). */
  maxObserved = 0;

  constructor(private readonly permits: number) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.length;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new AbortedError(signal.reason);
    if (this.active < this.permits && this.waiters.length === 0) return this.take();
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new AbortedError(signal?.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
    return this.take();
  }

  private take(): () => void {
    this.active++;
    this.maxObserved = Math.max(this.maxObserved, this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const next = this.waiters.shift();
      next?.grant();
    };
  }
}

/** Sliding-window request budget: `take()` waits until fewer than `budget` requests started in the last window. */
export class SlidingWindow {
  /** Start times of the requests in the current window, oldest first (a ring would do; arrays are fast enough). */
  private readonly starts: number[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly budget: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Requests counted in the current window. */
  get used(): number {
    this.prune();
    return this.starts.length;
  }

  take(signal?: AbortSignal): Promise<void> {
    // Serialise takers so they are served in arrival order.
    const turn = this.chain.then(() => this.waitForSlot(signal));
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async waitForSlot(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new AbortedError(signal.reason);
      this.prune();
      if (this.starts.length < this.budget) {
        this.starts.push(this.now());
        return;
      }
      const wait = (this.starts[0] as number) + this.windowMs - this.now();
      await sleep(Math.max(1, wait), signal);
    }
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    let drop = 0;
    while (drop < this.starts.length && (this.starts[drop] as number) <= cutoff) drop++;
    if (drop > 0) this.starts.splice(0, drop);
  }
}

export class PrincipalLimiter {
  readonly concurrency: Semaphore;
  readonly window: SlidingWindow;

  constructor(readonly options: LimiterOptions = DEFAULT_LIMITER_OPTIONS) {
    this.concurrency = new Semaphore(options.maxConcurrent);
    this.window = new SlidingWindow(options.budget, options.windowMs);
  }

  /** Waits for budget and a concurrency slot; returns the release function. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    await this.window.take(signal);
    return this.concurrency.acquire(signal);
  }
}

/** One limiter per principal (`tenant:client`) across every connection of a runtime. */
export class LimiterPool {
  private readonly limiters = new Map<string, PrincipalLimiter>();

  /** The limiter of a principal. Options apply when it is first created. */
  for(principal: string, options?: Partial<LimiterOptions>): PrincipalLimiter {
    let limiter = this.limiters.get(principal);
    if (!limiter) {
      limiter = new PrincipalLimiter({ ...DEFAULT_LIMITER_OPTIONS, ...options });
      this.limiters.set(principal, limiter);
    }
    return limiter;
  }
}
