import type { Service } from "../errors";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * A request body streamed from a file, opened afresh for every attempt: a 100 MB `.app` upload then costs the
 * process a few stream buffers, not the file (`fileBody(path)` builds one).
 */
export interface FileBody {
  kind: "file";
  path: string;
  /** Bytes, sent as Content-Length (inferred: BC's gateway wants a length, not chunked uploads). */
  size: number;
}

export interface HttpRequest {
  method: Method;
  /** Absolute URL. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | FormData | FileBody;
  /**
   * Whether the request may be sent again after an ambiguous failure. Default: GET, PUT, DELETE, and PATCH with
   * If-Match are; POST is not (creates and actions are "starts" that must not run twice).
   */
  idempotent?: boolean;
  /** Per-attempt timeout in ms (overrides the client's). */
  timeoutMs?: number;
  /** Overall time budget in ms for all attempts and waits (overrides the client's). */
  deadlineMs?: number;
  signal?: AbortSignal;
  /** Which API the request goes to (errors are parsed and explained accordingly). Default: the client's. */
  service?: Service;
  /** Send without a bearer token (default false). */
  anonymous?: boolean;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** How many attempts it took. */
  attempts: number;
  /** Roles claim of the token sent with the final attempt (diagnostics for 401/403). */
  tokenRoles?: string[];
}

/** A request in flight through the pipeline: the caller's request plus bookkeeping the policies share. */
export interface PipelineRequest extends HttpRequest {
  headers: Record<string, string>;
  /** 1-based attempt number, set by the retry policy. */
  attempt: number;
  /** Absolute time (epoch ms) by which everything must be done. */
  deadline: number;
  tokenRoles?: string[];
}

export interface AccessToken {
  token: string;
  /** Epoch ms at which the token expires. */
  expiresOnMs: number;
  /** Epoch ms after which we fetch a new one. */
  refreshAtMs: number;
  /** The `roles` claim (app permissions), read from the token for diagnostics. */
  roles: string[];
  /** The `tid` and `appid` claims, for diagnostics. */
  tenantId?: string;
  appId?: string;
}

/**
 * The pipeline's port for bearer tokens (as TokenCredential is to core-rest-pipeline): auth/token-provider.ts
 * implements it with MSAL; tests and the benchmark plug in static ones.
 */
export interface TokenSource {
  getToken(signal?: AbortSignal): Promise<AccessToken>;
  invalidate(token: string): void;
}

export type Next = (req: PipelineRequest) => Promise<HttpResponse>;
export type Policy = (req: PipelineRequest, next: Next) => Promise<HttpResponse>;

export function isFileBody(body: unknown): body is FileBody {
  return typeof body === "object" && body !== null && (body as { kind?: unknown }).kind === "file";
}

/** Whether a request may be replayed blindly (see HttpRequest.idempotent). */
export function isIdempotent(req: HttpRequest): boolean {
  if (req.idempotent !== undefined) return req.idempotent;
  switch (req.method) {
    case "GET":
    case "PUT":
    case "DELETE":
      return true;
    case "PATCH":
      return Object.keys(req.headers ?? {}).some((h) => h.toLowerCase() === "if-match");
    default:
      return false;
  }
}

/** Path and query of a URL, for messages (the origin is the same for every request of a connection). */
export function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return decodeURIComponentSafe(`${u.pathname}${u.search}`);
  } catch {
    return url;
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURI(text);
  } catch {
    return text;
  }
}
