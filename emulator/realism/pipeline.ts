import type { IncomingMessage, ServerResponse } from "node:http";
import { BcError } from "../errors";
import { defaultErrorFor, type FaultInjector } from "./faults";
import { type LimitOptions, type PrincipalLimiter, principalOf } from "./limits";

/** BC's request time limits (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/operational-limits-online), scaled by the time factor. */
export interface TimeoutOptions {
  /** Operation timeout ⇒ 408 (real: 8 minutes). */
  operationTimeoutMs: number;
  /** Gateway request execution time ⇒ 504 (real: 10 minutes). */
  gatewayTimeoutMs: number;
}

export const DEFAULT_TIMEOUTS: TimeoutOptions = { operationTimeoutMs: 8 * 60 * 1000, gatewayTimeoutMs: 10 * 60 * 1000 };

export interface RealismParts {
  limiter?: PrincipalLimiter;
  limits?: LimitOptions;
  faults: FaultInjector;
  latency: () => number;
  timeouts: TimeoutOptions;
  timeScale: number;
  /** `$batch`: server time per operation after the first, and whether each operation counts against the window. */
  batch: { operationMs: number; countEachOperation: boolean };
}

/** Only the Microsoft APIs are subject to limits, latency and faults; Entra and the control plane are not. */
export function isApiPath(path: string): boolean {
  return path.startsWith("/v2.0/") || path.startsWith("/admin/");
}

/**
 * Wraps one API request with BC's realism: admission by the per-principal limiter, latency, injected faults
 * and the operation/gateway timeouts. `serve` does the real work.
 */
export async function withRealism(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  parts: RealismParts,
  serve: () => Promise<void>,
): Promise<void> {
  const rule = parts.faults.match(req.method ?? "GET", path);
  const release = parts.limiter
    ? await parts.limiter.acquire(principalOf(req.headers.authorization, req.socket.remoteAddress ?? "?"))
    : undefined;
  try {
    await delayWithTimeouts(parts.latency() + (rule?.delayMs ?? 0), parts);
    if (rule?.drop === "before") {
      req.socket.destroy();
      return;
    }
    if (rule?.status !== undefined) {
      const [code, message] = defaultErrorFor(rule.status);
      const headers: Record<string, string> =
        rule.retryAfter !== undefined ? { "retry-after": String(rule.retryAfter) } : {};
      throw new BcError(rule.status, rule.code ?? code, rule.message ?? message, headers);
    }
    if (rule?.drop === "after") {
      silence(res);
      try {
        await serve();
      } finally {
        req.socket.destroy();
      }
      return;
    }
    if (rule?.slowBodyMs) dripBody(res, rule.slowBodyMs);
    await serve();
  } finally {
    release?.();
  }
}

async function delayWithTimeouts(ms: number, parts: RealismParts) {
  const gateway = parts.timeouts.gatewayTimeoutMs * parts.timeScale;
  const operation = parts.timeouts.operationTimeoutMs * parts.timeScale;
  if (ms > gateway) {
    await sleep(gateway);
    throw new BcError(504, "GatewayTimeout", "The request exceeded the gateway's execution time limit.");
  }
  if (ms > operation) {
    await sleep(operation);
    throw new BcError(408, "RequestTimeout", "The operation has timed out and the session was cancelled.");
  }
  if (ms > 0) await sleep(ms);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server acts, but nothing reaches the client: its connection is cut afterwards. */
function silence(res: ServerResponse) {
  const r = res as unknown as Record<string, unknown>;
  r.writeHead = () => res;
  r.setHeader = () => res;
  r.write = () => true;
  r.end = () => res;
}

/** Sends the body in ten slices spread over `totalMs`. */
function dripBody(res: ServerResponse, totalMs: number) {
  const originalEnd = res.end.bind(res);
  const originalWrite = res.write.bind(res);
  (res as unknown as { end: (chunk?: unknown) => ServerResponse }).end = (chunk?: unknown) => {
    const body = chunk === undefined ? Buffer.alloc(0) : Buffer.from(chunk as string | Buffer);
    const slices = 10;
    const size = Math.ceil(body.length / slices) || 1;
    let i = 0;
    const tick = () => {
      if (res.destroyed) return;
      const part = body.subarray(i * size, (i + 1) * size);
      i += 1;
      if (i >= slices || part.length === 0 || i * size >= body.length) {
        originalEnd(part);
        return;
      }
      originalWrite(part);
      setTimeout(tick, totalMs / slices);
    };
    res.flushHeaders();
    setTimeout(tick, totalMs / slices);
    return res;
  };
}
