/**
 * Runs one operation on many stacks with at most `parallel` at once. Each stack's run is independent: a failure is
 * recorded in that stack's report and the others carry on.
 */
import { redactText } from "../redact";
import type { FleetProgress } from "./progress";
import { type EngineEventLike, StepTally } from "./steps";
import { emptyPending, type FleetOperation, type StackReport } from "./types";

/** Runs one operation on one stack, feeding the engine's events to `onEvent`; throws when the run fails. */
export type StackDriver = (
  stack: string,
  operation: FleetOperation,
  onEvent: (event: EngineEventLike) => void,
  options: DriverOptions,
) => Promise<void>;

export interface DriverOptions {
  /** Refresh the state from BC before `preview`, `up` or `destroy` (`drift` always does, `refresh` is one). */
  refresh: boolean;
}

export interface FleetRunOptions {
  stacks: readonly string[];
  operation: FleetOperation;
  parallel: number;
  driver: StackDriver;
  progress: FleetProgress;
  refresh?: boolean;
}

export async function runFleet(options: FleetRunOptions): Promise<StackReport[]> {
  return mapBounded(options.stacks, options.parallel, (stack) => runOne(stack, options));
}

/** `work` over `items`, at most `limit` at a time, results in the order of `items`. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Only a preview plans steps without making them; after `up` or `destroy` nothing is pending. */
const PLANS: readonly FleetOperation[] = ["preview", "drift"];

async function runOne(stack: string, options: FleetRunOptions): Promise<StackReport> {
  const { operation, driver, progress } = options;
  const tally = new StepTally({ refreshOnly: operation === "refresh" });
  const started = Date.now();
  progress.started(stack);
  let report: StackReport;
  try {
    await driver(
      stack,
      operation,
      (event) => {
        const notice = tally.add(event);
        progress.stepped(stack, tally.done, notice);
      },
      { refresh: options.refresh ?? false },
    );
    const drift = tally.drift();
    report = {
      stack,
      status: operation === "drift" && drift.length > 0 ? "drifted" : "ok",
      drift,
      pending: PLANS.includes(operation) ? tally.pending() : emptyPending(),
      ...(tally.changes ? { changes: tally.changes } : {}),
      durationSeconds: seconds(started),
    };
  } catch (err) {
    report = {
      stack,
      status: "failed",
      drift: tally.drift(),
      pending: PLANS.includes(operation) ? tally.pending() : emptyPending(),
      ...(tally.changes ? { changes: tally.changes } : {}),
      durationSeconds: seconds(started),
      error: tally.error() ?? commandError(err),
    };
  }
  progress.finished(report);
  return report;
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

/**
 * The useful part of a failed command when the engine sent no error diagnostic (e.g. the stack's secrets cannot
 * be decrypted): the CLI's `error:` lines, else the end of its stderr, else the message.
 */
export function commandError(err: unknown): string {
  const e = err as { message?: string; commandResult?: { stderr?: string } };
  const stderr = e.commandResult?.stderr ?? "";
  const errorLines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^error:/i.test(l));
  const text =
    errorLines.length > 0
      ? errorLines.join("\n")
      : stderr.trim()
        ? stderr.trim().split("\n").slice(-5).join("\n")
        : (e.message ?? String(err));
  return redactText(text);
}
