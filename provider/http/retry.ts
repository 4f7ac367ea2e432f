/**
 * Retry policy (model: @azure/core-rest-pipeline's retry + throttling policies).
 *
 * - Idempotent requests (GET, PUT, DELETE, PATCH with If-Match, polling) are retried on 408, 425, 429, 500, 502,
 *   503, 504 and on connection failures and timeouts.
 * - Non-idempotent starts (POST creates and actions) are retried only when the server certainly did not act on
 *   them: 429 (throttled before processing), 425, and connections that failed before the request was sent. Any
 *   other failure after sending (dropped connection, timeout, 5xx) surfaces as AmbiguousOutcomeError, for the
 *   caller to reconcile by looking the object up.
 * - Waits honour `Retry-After` (seconds or HTTP date); otherwise exponential backoff with full jitter, capped, and
 *   never beyond the overall deadline.
 */
import { debug } from "../debug";
import { AmbiguousOutcomeError, errorFromResponse, TransportError } from "../errors";
import { AttemptFailure } from "../net";
import { AbortedError, sleep } from "../util";
import { type HttpResponse, isIdempotent, type Next, type PipelineRequest, type Policy, pathOf } from "./types";

export interface RetryOptions {
  /** Attempts in total, including the first. */
  maxAttempts: number;
  /** First backoff step (ms); step n is base·2^(n-1), capped at maxDelayMs, then a uniform random share of it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After we are willing to wait (ms); a longer one fails the request with the advice. */
  maxRetryAfterMs: number;
  /** Statuses worth another attempt. */
  retryStatuses: number[];
  /** Random source in [0,1), for tests. */
  random: () => number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  maxAttempts: 8,
  baseDelayMs: 800,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 5 * 60_000,
  retryStatuses: [408, 425, 429, 500, 502, 503, 504],
  random: Math.random,
};

/** Statuses after which even a non-idempotent request is known not to have been acted upon. */
const NOT_PROCESSED = new Set([425, 429]);

/** Parses `Retry-After`: delta-seconds or an HTTP date. Returns ms to wait, or undefined if absent/unparseable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Full-jitter exponential backoff for the n-th retry (1-based). */
export function backoffDelay(
  retry: number,
  options: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs" | "random">,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(options.random() * ceiling);
}

export function retryPolicy(partial: Partial<RetryOptions> = {}): Policy {
  const options = { ...DEFAULT_RETRY_OPTIONS, ...partial };
  const retryable = new Set(options.retryStatuses);

  return async function retry(req: PipelineRequest, next: Next): Promise<HttpResponse> {
    const idempotent = isIdempotent(req);
    const path = pathOf(req.url);
    for (let attempt = 1; ; attempt++) {
      req.attempt = attempt;
      if (req.signal?.aborted) throw new TransportError("aborted", req.method, path, "cancelled", attempt - 1);
      const remaining = req.deadline - Date.now();
      if (remaining <= 0) {
        throw new TransportError(
          "deadline",
          req.method,
          path,
          "the overall deadline passed before the request could complete",
          attempt - 1,
        );
      }

      let res: HttpResponse;
      try {
        res = await next(req);
      } catch (err) {
        if (err instanceof AbortedError) throw new TransportError("aborted", req.method, path, "cancelled", attempt);
        if (!(err instanceof AttemptFailure)) throw err;
        if (err.kind === "aborted") throw new TransportError("aborted", req.method, path, "cancelled", attempt, err);
        if (err.kind === "tls") throw new TransportError("connection", req.method, path, err.message, attempt, err);
        if (!idempotent && err.maybeSent) {
          throw new AmbiguousOutcomeError(req.method, path, err.message, err);
        }
        const delay = backoffDelay(attempt, options);
        if (attempt >= options.maxAttempts || Date.now() + delay >= req.deadline) {
          const kind = err.kind === "timeout" ? "timeout" : "connection";
          const detail =
            err.kind === "timeout" ? `timed out (each attempt may take ${describeMs(req.timeoutMs)})` : err.message;
          throw new TransportError(kind, req.method, path, detail, attempt, err);
        }
        debug(`retrying ${req.method} ${path} after ${err.message} (attempt ${attempt}) in ${delay} ms`);
        await wait(delay, req, path, attempt);
        continue;
      }

      if (!retryable.has(res.status)) return res;
      if (!idempotent && !NOT_PROCESSED.has(res.status)) {
        const parsed = errorFromResponse({
          status: res.status,
          headers: res.headers,
          body: res.body.toString("utf8"),
          method: req.method,
          path,
          service: req.service ?? "automation",
          attempts: attempt,
        });
        throw new AmbiguousOutcomeError(
          req.method,
          path,
          `HTTP ${res.status} ${parsed.code}: ${parsed.serviceMessage}`,
          parsed,
        );
      }
      const retryAfter = parseRetryAfter(res.headers["retry-after"]);
      const delay = retryAfter ?? backoffDelay(attempt, options);
      const tooLong = retryAfter !== undefined && retryAfter > options.maxRetryAfterMs;
      if (attempt >= options.maxAttempts || tooLong || Date.now() + delay >= req.deadline) {
        debug(`giving up on ${req.method} ${path} after HTTP ${res.status} (attempt ${attempt})`);
        return res;
      }
      debug(
        `retrying ${req.method} ${path} after HTTP ${res.status} (attempt ${attempt}) in ${delay} ms` +
          (retryAfter !== undefined ? " (Retry-After)" : ""),
      );
      await wait(delay, req, path, attempt);
    }
  };
}

async function wait(ms: number, req: PipelineRequest, path: string, attempt: number): Promise<void> {
  try {
    await sleep(ms, req.signal);
  } catch {
    throw new TransportError("aborted", req.method, path, "cancelled", attempt);
  }
}

function describeMs(ms: number | undefined): string {
  if (ms === undefined) return "the configured time";
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
