/**
 * One helper for every long-running operation (RapidStart import/apply, extension deployment, Admin Center
 * operations): poll with a growing interval until the operation settles, print progress lines, stop at a
 * deadline or on cancellation — and before reporting a failure or timeout, ask a reconciliation hook what really
 * happened. BC is known to report a deployment Failed (or never finish it) while the extension is in fact
 * installed (https://github.com/microsoft/AL-Go/issues/1056); the hook reads the actual state and turns that into success.
 */
import { debug } from "./debug";
import { AbortedError, sleep } from "./util";
import { redactText } from "./redact";

export type PollState = "pending" | "succeeded" | "failed";

export interface PollOptions<T> {
  /** What is awaited, for messages: "import of configuration package SETUP". */
  what: string;
  /** Reads the current state of the operation. */
  poll: (signal?: AbortSignal) => Promise<T>;
  /** Classifies a polled value. */
  classify: (value: T) => PollState;
  /** A short description of a polled value ("InProgress", "3 of 5 tables"); a progress line is printed when it changes. */
  describe?: (value: T) => string;
  /** Failure detail for the error message (e.g. the package's importError). */
  failureDetail?: (value: T) => string | undefined;
  /** Receives progress lines. Default: stdout (Pulumi shows a dynamic provider's stdout). */
  onProgress?: (line: string) => void;
  /** Total time allowed (ms). */
  timeoutMs: number;
  /** First wait between polls (ms). Default 1 s. */
  initialIntervalMs?: number;
  /** Longest wait between polls (ms). Default 15 s. */
  maxIntervalMs?: number;
  /** Interval growth per poll. Default 1.5. */
  factor?: number;
  /** Wait before the first poll (ms). Default 0. */
  initialDelayMs?: number;
  signal?: AbortSignal;
  /**
   * Called when the operation failed, timed out, or polling itself failed; returns a value that counts as success
   * if the real state says the work was done (e.g. the extension is installed at the target version), else undefined.
   */
  reconcile?: (context: ReconcileContext<T>) => Promise<T | undefined>;
}

export interface ReconcileContext<T> {
  reason: "failed" | "timeout" | "error";
  last?: T;
  error?: unknown;
}

export class OperationFailedError<T = unknown> extends Error {
  constructor(
    readonly what: string,
    readonly last: T,
    detail: string | undefined,
  ) {
    super(redactText(`${what} failed${detail ? `: ${detail}` : ""}`));
    this.name = "OperationFailedError";
  }
}

export class OperationTimeoutError<T = unknown> extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly last: T | undefined,
    lastState: string | undefined,
  ) {
    super(
      redactText(
        `${what} did not finish within ${formatDuration(timeoutMs)}${lastState ? ` (last state: ${lastState})` : ""}. ` +
          "It may still complete in Business Central; run the update again later, or raise the resource's timeout.",
      ),
    );
    this.name = "OperationTimeoutError";
  }
}

export class OperationCancelledError extends Error {
  constructor(readonly what: string) {
    super(`${what}: cancelled`);
    this.name = "OperationCancelledError";
  }
}

/** Polls until the operation succeeds (returns the final value) or fails/times out (throws), see PollOptions. */
export async function pollUntilDone<T>(options: PollOptions<T>): Promise<T> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const print = options.onProgress ?? ((line: string) => process.stdout.write(`${line}\n`));
  const factor = options.factor ?? 1.5;
  const maxInterval = options.maxIntervalMs ?? 15_000;
  let interval = options.initialIntervalMs ?? 1_000;
  let last: T | undefined;
  let lastDescription: string | undefined;

  const settle = async (context: ReconcileContext<T>): Promise<T | undefined> => {
    if (!options.reconcile) return undefined;
    debug(`${options.what}: ${context.reason}; checking the actual state`);
    const value = await options.reconcile(context);
    if (value !== undefined) print(`${options.what}: reported ${context.reason}, but the actual state shows it done`);
    return value;
  };

  try {
    if (options.initialDelayMs)
      await sleep(Math.min(options.initialDelayMs, Math.max(0, deadline - Date.now())), options.signal);
    for (;;) {
      try {
        last = await options.poll(options.signal);
      } catch (err) {
        if (err instanceof AbortedError || options.signal?.aborted) throw new OperationCancelledError(options.what);
        const value = await settle({ reason: "error", last, error: err });
        if (value !== undefined) return value;
        throw err;
      }
      const state = options.classify(last);
      const description = options.describe?.(last);
      if (description !== undefined && description !== lastDescription) {
        print(`${options.what}: ${description} (${formatDuration(Date.now() - started)})`);
        lastDescription = description;
      }
      if (state === "succeeded") return last;
      if (state === "failed") {
        const value = await settle({ reason: "failed", last });
        if (value !== undefined) return value;
        throw new OperationFailedError(options.what, last, options.failureDetail?.(last));
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const value = await settle({ reason: "timeout", last });
        if (value !== undefined) return value;
        throw new OperationTimeoutError(options.what, options.timeoutMs, last, lastDescription);
      }
      await sleep(Math.min(interval, remaining), options.signal);
      interval = Math.min(maxInterval, interval * factor);
    }
  } catch (err) {
    if (err instanceof AbortedError) throw new OperationCancelledError(options.what);
    throw err;
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return rest ? `${m} min ${rest} s` : `${m} min`;
}
