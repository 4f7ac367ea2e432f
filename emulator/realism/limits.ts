import { BcError } from "../errors";

/** BC online's per-principal limits (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/operational-limits-online). All counts are per user or service principal. */
export interface LimitOptions {
  /** Requests processed at once; the rest wait in a queue. */
  maxConcurrent: number;
  /** Processed + queued requests; beyond it ⇒ 429 "Too many requests reached. Actual (n). Maximum (m)." */
  maxConnections: number;
  /** Requests per sliding window; beyond it ⇒ 429. */
  windowRequests: number;
  windowMs: number;
  /** How long a request may wait in the queue before 503 (real: 8 minutes; scaled by timeScale). */
  queueTimeoutMs: number;
  /** Send `Retry-After` on 429 (the docs do not confirm BC does; default true). */
  retryAfterOn429: boolean;
}

export const DEFAULT_LIMITS: LimitOptions = {
  maxConcurrent: 5,
  maxConnections: 100,
  windowRequests: 6000,
  windowMs: 5 * 60 * 1000,
  queueTimeoutMs: 8 * 60 * 1000,
  retryAfterOn429: true,
};

interface PrincipalState {
  active: number;
  queue: { grant: () => void; timer: NodeJS.Timeout }[];
  /** Timestamps of accepted requests inside the sliding window (oldest first). */
  window: number[];
  maxActiveSeen: number;
}

/** Admission control per principal: a concurrency gate with a bounded queue and a sliding-window budget. */
export class PrincipalLimiter {
  private readonly principals = new Map<string, PrincipalState>();

  constructor(
    private readonly limits: LimitOptions,
    private readonly timeScale: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Waits for a processing slot; resolves a release function. Throws BcError 429/503 per BC's rules. */
  async acquire(principal: string): Promise<() => void> {
    const p = this.stateOf(principal);
    const now = this.now();
    while (p.window.length > 0 && p.window[0] <= now - this.limits.windowMs) p.window.shift();
    const connections = p.active + p.queue.length + 1;
    if (connections > this.limits.maxConnections) {
      throw this.tooMany(
        `Too many requests reached. Actual (${connections}). Maximum (${this.limits.maxConnections}).`,
        1,
      );
    }
    if (p.window.length >= this.limits.windowRequests) {
      const retryMs = p.window[0] + this.limits.windowMs - now;
      throw this.tooMany(
        `Rate limit exceeded: ${this.limits.windowRequests} requests per ${this.limits.windowMs / 1000} seconds.`,
        Math.max(1, Math.ceil(retryMs / 1000)),
      );
    }
    p.window.push(now);
    if (p.active < this.limits.maxConcurrent) return this.grant(p);
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => resolve(this.grant(p)),
        timer: setTimeout(
          () => {
            p.queue.splice(p.queue.indexOf(entry), 1);
            reject(
              new BcError(503, "ServiceUnavailable", "The request waited too long in the queue and was cancelled.", {
                "retry-after": "5",
              }),
            );
          },
          Math.max(1, this.limits.queueTimeoutMs * this.timeScale),
        ),
      };
      p.queue.push(entry);
    });
  }

  /**
   * Counts `requests` more against the principal's window without taking a processing slot (the operations of a
   * `$batch`, see automation/batch.ts); 429 when the window is spent.
   */
  charge(principal: string, requests: number): void {
    const p = this.stateOf(principal);
    const now = this.now();
    while (p.window.length > 0 && p.window[0] <= now - this.limits.windowMs) p.window.shift();
    if (p.window.length + requests > this.limits.windowRequests) {
      throw this.tooMany(
        `Rate limit exceeded: ${this.limits.windowRequests} requests per ${this.limits.windowMs / 1000} seconds.`,
        Math.max(1, Math.ceil((p.window[0] + this.limits.windowMs - now) / 1000)),
      );
    }
    for (let i = 0; i < requests; i++) p.window.push(now);
  }

  /** Highest number of requests processed at once for a principal (for tests and benchmarks). */
  maxActive(principal: string): number {
    return this.principals.get(principal)?.maxActiveSeen ?? 0;
  }

  private grant(p: PrincipalState): () => void {
    p.active += 1;
    p.maxActiveSeen = Math.max(p.maxActiveSeen, p.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      p.active -= 1;
      const next = p.queue.shift();
      if (next) {
        clearTimeout(next.timer);
        next.grant();
      }
    };
  }

  private stateOf(principal: string): PrincipalState {
    let p = this.principals.get(principal);
    if (!p) {
      p = { active: 0, queue: [], window: [], maxActiveSeen: 0 };
      this.principals.set(principal, p);
    }
    return p;
  }

  private tooMany(message: string, retryAfterSeconds: number) {
    const headers: Record<string, string> = this.limits.retryAfterOn429
      ? { "retry-after": String(retryAfterSeconds) }
      : {};
    return new BcError(429, "TooManyRequests", message, headers);
  }
}

/** The principal of a request: tenant + app id from the bearer token's payload (signature checked later). */
export function principalOf(authorization: string | undefined, fallback: string): string {
  const token = authorization?.replace(/^Bearer\s+/i, "");
  const payload = token?.split(".")[1];
  if (!payload) return `anonymous:${fallback}`;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { tid?: string; appid?: string };
    if (typeof claims.tid === "string" && typeof claims.appid === "string") return `${claims.tid}:${claims.appid}`;
  } catch {
    // Not a JWT: authentication rejects it later; count it under the connection's address.
  }
  return `anonymous:${fallback}`;
}
