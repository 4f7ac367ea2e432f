/**
 * Small helpers shared across layers (the HTTP pipeline, polling): cancellable waiting and the error it raises.
 */

/** A wait or queue position given up because its AbortSignal fired. */
export class AbortedError extends Error {
  constructor(reason?: unknown) {
    super(reason instanceof Error ? reason.message : "cancelled");
    this.name = "AbortError";
  }
}

/** Resolves after `ms`, or rejects with AbortedError as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError(signal.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(signal?.reason));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
