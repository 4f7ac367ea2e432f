/**
 * The small policies between retry and the transport: bearer token (with the 401 refresh-once), the per-principal
 * limiter, the per-attempt timeout, and the debug log.
 */
import { debug, isDebugEnabled } from "../debug";
import { redactHeaders, redactText, redactUrl } from "../redact";
import type { PrincipalLimiter } from "./limiter";
import { type HttpResponse, isFileBody, type Next, type PipelineRequest, type Policy, type TokenSource } from "./types";

/**
 * Adds `Authorization: Bearer …`. On 401 the token is discarded and the request sent once more with a fresh one:
 * tokens can be revoked or expire between our freshness check and BC's, and a 401 means BC did nothing, so even a
 * non-idempotent request may be repeated.
 */
export function bearerTokenPolicy(tokens: TokenSource): Policy {
  return async (req, next) => {
    if (req.anonymous) return next(req);
    const first = await tokens.getToken(req.signal);
    req.headers.authorization = `Bearer ${first.token}`;
    req.tokenRoles = first.roles;
    const res = await next(req);
    if (res.status !== 401) return res;
    tokens.invalidate(first.token);
    const second = await tokens.getToken(req.signal);
    debug(`HTTP 401 on ${req.method} ${redactUrl(req.url)}; retrying once with a fresh token`);
    req.headers.authorization = `Bearer ${second.token}`;
    req.tokenRoles = second.roles;
    return next(req);
  };
}

/** Holds a limiter slot for exactly one attempt (never during backoff waits). */
export function limiterPolicy(limiter: PrincipalLimiter): Policy {
  return async (req, next) => {
    const release = await limiter.acquire(req.signal);
    try {
      return await next(req);
    } finally {
      release();
    }
  };
}

/** Per-attempt timeout, bounded by the overall deadline; composes with the caller's AbortSignal. */
export function timeoutPolicy(defaultTimeoutMs: number): Policy {
  return (req, next) => {
    const budget = Math.max(1, Math.min(req.timeoutMs ?? defaultTimeoutMs, req.deadline - Date.now()));
    const timeout = AbortSignal.timeout(budget);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    return next({ ...req, timeoutMs: req.timeoutMs ?? defaultTimeoutMs, signal });
  };
}

/** One line per attempt and one per outcome, redacted; error bodies included (truncated). */
export function logPolicy(): Policy {
  return async (req: PipelineRequest, next: Next): Promise<HttpResponse> => {
    if (!isDebugEnabled()) return next(req);
    const started = Date.now();
    debug(
      () =>
        `→ ${req.method} ${redactUrl(req.url)} attempt ${req.attempt} headers ${JSON.stringify(redactHeaders(req.headers))}` +
        describeBody(req.body),
    );
    try {
      const res = await next(req);
      const corr = res.headers["ms-correlation-x"] ?? res.headers["request-id"] ?? "";
      let line = `← ${res.status} ${req.method} ${redactUrl(req.url)} in ${Date.now() - started} ms${corr ? ` correlation ${corr}` : ""}`;
      if (res.status >= 400) line += ` body ${redactText(truncate(res.body.toString("utf8"), 2000))}`;
      debug(line);
      return res;
    } catch (err) {
      debug(`✗ ${req.method} ${redactUrl(req.url)} after ${Date.now() - started} ms: ${(err as Error).message}`);
      throw err;
    }
  };
}

function describeBody(body: PipelineRequest["body"]): string {
  if (body === undefined) return "";
  if (typeof body === "string") return ` body ${redactText(truncate(body, 1000))}`;
  if (body instanceof Uint8Array) return ` body <${body.byteLength} bytes>`;
  if (isFileBody(body)) return ` body <${body.size} bytes from a file>`;
  return " body <form data>";
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
