/**
 * The HTTP client every API operation goes through: a pipeline of small policies around one undici dispatcher.
 *
 *   https check › retry (deadline, backoff, Retry-After, idempotency) › bearer token (401 refresh-once)
 *     › per-principal limiter › per-attempt timeout › debug log › wire capture (BC_CAPTURE_DIR) › undici
 */
import type { Dispatcher } from "undici";
import { isLoopbackHost } from "../connection/loopback";
import { errorFromResponse, type Service, TransportError } from "../errors";
import { capturePolicyFromEnv } from "./capture";
import type { PrincipalLimiter } from "./limiter";
import { bearerTokenPolicy, limiterPolicy, logPolicy, timeoutPolicy } from "./policies";
import { type RetryOptions, retryPolicy } from "./retry";
import { transport } from "./transport";
import {
  type HttpRequest,
  type HttpResponse,
  type Next,
  type PipelineRequest,
  type Policy,
  pathOf,
  type TokenSource,
} from "./types";

export interface HttpClientOptions {
  dispatcher: Dispatcher;
  /** Source of bearer tokens; without it requests are sent anonymously. */
  tokens?: TokenSource;
  /** The principal's shared limiter; without it requests are not limited. */
  limiter?: PrincipalLimiter;
  retry?: Partial<RetryOptions>;
  /** Per-attempt timeout (ms). Default 120 s (BC cancels operations after 8 min, the gateway after 10). */
  timeoutMs?: number;
  /** Overall budget per request including retries and waits (ms). Default 10 min. */
  deadlineMs?: number;
  /** Default service for error parsing. */
  service?: Service;
  /** Extra headers on every request (e.g. a user agent). */
  headers?: Record<string, string>;
}

export const USER_AGENT = "pulumi-businesscentral/0.1";

export class HttpClient {
  private readonly pipeline: Next;
  private readonly options: HttpClientOptions;

  constructor(options: HttpClientOptions) {
    this.options = options;
    const policies: Policy[] = [retryPolicy(options.retry)];
    if (options.tokens) policies.push(bearerTokenPolicy(options.tokens));
    if (options.limiter) policies.push(limiterPolicy(options.limiter));
    policies.push(timeoutPolicy(options.timeoutMs ?? 120_000), logPolicy());
    const capture = capturePolicyFromEnv();
    if (capture) policies.push(capture);
    this.pipeline = compose(policies, transport(options.dispatcher));
  }

  /** Sends a request and returns the response whatever its status (after retries). */
  async send(request: HttpRequest): Promise<HttpResponse> {
    requireSecureUrl(request);
    const headers: Record<string, string> = { "user-agent": USER_AGENT, ...this.options.headers };
    for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
    const req: PipelineRequest = {
      ...request,
      service: request.service ?? this.options.service ?? "automation",
      headers,
      attempt: 0,
      deadline: Date.now() + (request.deadlineMs ?? this.options.deadlineMs ?? 600_000),
      timeoutMs: request.timeoutMs ?? this.options.timeoutMs ?? 120_000,
    };
    return this.pipeline(req);
  }

  /** Sends a request; a non-2xx answer (after retries) becomes a BcApiError. */
  async request(request: HttpRequest): Promise<HttpResponse> {
    const res = await this.send(request);
    if (res.status >= 200 && res.status < 300) return res;
    throw this.toError(request, res);
  }

  toError(request: HttpRequest, res: HttpResponse) {
    const retryAfter = res.headers["retry-after"];
    return errorFromResponse({
      status: res.status,
      headers: res.headers,
      body: res.body.toString("utf8"),
      method: request.method,
      path: pathOf(request.url),
      service: request.service ?? this.options.service ?? "automation",
      attempts: res.attempts,
      tokenRoles: res.tokenRoles,
      retryAfterMs: retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined,
    });
  }
}

function compose(
  policies: Policy[],
  last: (req: PipelineRequest, signal?: AbortSignal) => Promise<HttpResponse>,
): Next {
  let next: Next = (req) => last(req, req.signal);
  for (const policy of [...policies].reverse()) {
    const inner = next;
    next = (req) => policy(req, inner);
  }
  return next;
}

/** Credentials travel only over TLS; plain http is allowed for loopback hosts (tests, local fakes). */
function requireSecureUrl(request: HttpRequest): void {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new TransportError("insecure", request.method, request.url, "not an absolute URL");
  }
  if (url.protocol === "https:") return;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return;
  throw new TransportError(
    "insecure",
    request.method,
    pathOf(request.url),
    `refusing to send a request to ${url.origin}: https is required (plain http only for loopback hosts)`,
  );
}
