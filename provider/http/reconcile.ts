/**
 * Non-repeatable starts, sent once and then recovered by identity (the pattern of terraform-provider-power-platform):
 * when the outcome of `start` is ambiguous, `lookup` decides — found means it happened; not found means it did not
 * (BC finished or never began the request by the time we look), so sending it again is safe, once.
 */
import { debug } from "../debug";
import { AmbiguousOutcomeError } from "../errors";

export interface SendOnceOptions<T> {
  /** Sends the non-idempotent request. */
  start: () => Promise<T>;
  /** Looks the object up by its identity (name, code, …); undefined when it does not exist. */
  lookup: () => Promise<T | undefined>;
  /** What is being created, for the log. */
  what: string;
  /** Resend after a "not found" look-up (default true). */
  resendIfMissing?: boolean;
}

export async function sendOnce<T>(options: SendOnceOptions<T>): Promise<T> {
  try {
    return await options.start();
  } catch (err) {
    if (!(err instanceof AmbiguousOutcomeError)) throw err;
    debug(`${options.what}: outcome unknown (${err.reason}); looking it up`);
    const found = await options.lookup();
    if (found !== undefined) {
      debug(`${options.what}: it exists; the request did take effect`);
      return found;
    }
    if (options.resendIfMissing === false) throw err;
    debug(`${options.what}: not found; sending it again`);
    try {
      return await options.start();
    } catch (second) {
      if (second instanceof AmbiguousOutcomeError) {
        const again = await options.lookup();
        if (again !== undefined) return again;
      }
      throw second;
    }
  }
}
