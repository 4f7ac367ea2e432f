/**
 * The Automation API's request layer: URLs for both documented forms (`/v2.0/{tenant}/{env}/api/…` and
 * `/v2.0/{env}/api/…`), JSON in and out, zod validation, OData paging through `@odata.nextLink`, ETag-aware
 * PATCH/DELETE, media (binary) PATCH, and bound actions that accept any 2xx. Typed entity operations build on it.
 */
import { BcApiError, ResponseShapeError, TransportError } from "../errors";
import type { HttpClient } from "../http/client";
import type { FileBody, HttpRequest, HttpResponse } from "../http/types";
import { type QueryOptions, queryString } from "./odata";
import { type EntitySchema, parseEntity } from "./schemas";

export interface AutomationClientOptions {
  apiBaseUrl: string;
  tenantId: string;
  environment: string;
  /** Include the tenant in the URL (default true). */
  tenantInUrl?: boolean;
  /** Automation API version segment (default `v2.0`). */
  apiVersion?: string;
  /** Told of every write sent, whatever its outcome (the shared reads drop what it may have changed). */
  onWrite?: (method: string, url: string, outcome: WriteOutcome) => void;
}

/** `done`: 2xx; `refused`: BC answered 4xx and did not act; `unknown`: 5xx, 408, or no answer. */
export type WriteOutcome = "done" | "refused" | "unknown";

export interface ListOptions extends QueryOptions {
  /** `Prefer: odata.maxpagesize=N` (BC serves at most 20,000 per page). */
  maxPageSize?: number;
  /** Stop after this many entities (across pages). */
  limit?: number;
  signal?: AbortSignal;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Per-attempt timeout (ms); uploads may need more than the default. */
  timeoutMs?: number;
}

export class AutomationClient {
  readonly root: string;
  readonly environment: string;
  private readonly origin: string;

  constructor(
    readonly http: HttpClient,
    readonly options: AutomationClientOptions,
  ) {
    const base = options.apiBaseUrl.replace(/\/+$/, "");
    this.origin = new URL(base).origin;
    this.environment = options.environment;
    const env = encodeURIComponent(options.environment);
    const tenant = options.tenantInUrl === false ? "" : `${encodeURIComponent(options.tenantId)}/`;
    this.root = `${base}/v2.0/${tenant}${env}/api/microsoft/automation/${options.apiVersion ?? "v2.0"}`;
  }

  /** `…/companies({companyId})/{rest}`. */
  companyUrl(companyId: string, rest: string): string {
    return `${this.root}/companies(${companyId})/${rest}`;
  }

  /** GET one entity. */
  async get<T>(def: EntitySchema<T>, url: string, options: CallOptions = {}): Promise<T> {
    return parseEntity(def, await this.getJson(url, options), pathOf(url));
  }

  /** GET a collection, following `@odata.nextLink` until the end (or `limit`). */
  async list<T>(def: EntitySchema<T>, url: string, options: ListOptions = {}): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = `${url}${queryString(options)}`;
    const headers: Record<string, string> = {};
    if (options.maxPageSize) headers.prefer = `odata.maxpagesize=${options.maxPageSize}`;
    let pages = 0;
    while (next) {
      const body = (await this.getJson(next, { signal: options.signal, headers })) as {
        value?: unknown;
        "@odata.nextLink"?: unknown;
      };
      pages++;
      if (!Array.isArray(body.value)) {
        throw new ResponseShapeError("collection", "value", "it is missing (not an OData collection)", pathOf(next));
      }
      for (const item of body.value) {
        out.push(parseEntity(def, item, pathOf(next)));
        if (options.limit !== undefined && out.length >= options.limit) return out;
      }
      const link = body["@odata.nextLink"];
      next = typeof link === "string" && link ? this.checkedNextLink(link) : undefined;
      if (pages > 100_000) throw new Error(`paging through ${pathOf(url)} does not end`);
    }
    return out;
  }

  /** POST a new entity (201 + entity). Not repeated after an ambiguous failure (see sendOnce for recovery). */
  async create<T>(def: EntitySchema<T>, url: string, body: unknown, options: CallOptions = {}): Promise<T> {
    const res = await this.write({
      method: "POST",
      url,
      headers: jsonHeaders(),
      body: JSON.stringify(body),
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    return parseEntity(def, parseJson(res.body, url), pathOf(url));
  }

  /** PATCH an entity with `If-Match` (an ETag, or `*` to overwrite whatever is there). */
  async patch<T>(def: EntitySchema<T>, url: string, body: unknown, etag = "*", options: CallOptions = {}): Promise<T> {
    const res = await this.write({
      method: "PATCH",
      url,
      headers: { ...jsonHeaders(), "if-match": etag },
      body: JSON.stringify(body),
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    return parseEntity(def, parseJson(res.body, url), pathOf(url));
  }

  /** DELETE an entity with `If-Match`. */
  async delete(url: string, etag = "*", options: CallOptions = {}): Promise<void> {
    await this.write({ method: "DELETE", url, headers: { "if-match": etag }, signal: options.signal });
  }

  /** PATCH binary content into a media property (`…/content`, `…/extensionContent`): 204 expected, any 2xx accepted. */
  async putMedia(
    url: string,
    bytes: Uint8Array | FileBody,
    options: CallOptions & { contentType?: string } = {},
  ): Promise<void> {
    await this.write({
      method: "PATCH",
      url,
      headers: { "content-type": options.contentType ?? "application/octet-stream", "if-match": "*" },
      body: bytes,
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 15 * 60_000,
    });
  }

  /**
   * POST a bound action (`…/Microsoft.NAV.install`). BC answers 200, 201 or 204, empty or not, depending on the
   * action and version (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/developer/methods-auto/webserviceactionresultcode/webserviceactionresultcode-option): any 2xx is success; the parsed body is returned when there is one.
   * Actions are starts: never repeated after an ambiguous failure (AmbiguousOutcomeError).
   */
  async action(url: string, body?: unknown, options: CallOptions & { idempotent?: boolean } = {}): Promise<unknown> {
    const request: HttpRequest = {
      method: "POST",
      url,
      headers: body === undefined ? { accept: "application/json" } : jsonHeaders(),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      idempotent: options.idempotent,
    };
    const res = await this.write(request);
    return res.body.length > 0 ? tryJson(res.body) : undefined;
  }

  /** Sends a write and tells `onWrite` about it, whatever the outcome. */
  private async write(request: HttpRequest): Promise<HttpResponse> {
    try {
      const res = await this.http.request(request);
      this.options.onWrite?.(request.method, request.url, "done");
      return res;
    } catch (err) {
      this.options.onWrite?.(request.method, request.url, wasRefused(err) ? "refused" : "unknown");
      throw err;
    }
  }

  /** GET and parse JSON (no schema). */
  async getJson(url: string, options: CallOptions & { headers?: Record<string, string> } = {}): Promise<unknown> {
    const res = await this.http.request({
      method: "GET",
      url,
      headers: { accept: "application/json", ...options.headers },
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    return parseJson(res.body, url);
  }

  /** Our token goes only to our own origin: a nextLink elsewhere is refused. */
  private checkedNextLink(link: string): string {
    const absolute = new URL(link, this.root).toString();
    if (new URL(absolute).origin !== this.origin) {
      throw new TransportError(
        "insecure",
        "GET",
        pathOf(link),
        `refusing to follow @odata.nextLink to another origin (${new URL(absolute).origin})`,
      );
    }
    return absolute;
  }
}

/** BC answered 4xx (other than 408): it did not act, so nothing it holds changed. */
function wasRefused(err: unknown): boolean {
  return err instanceof BcApiError && err.status >= 400 && err.status < 500 && err.status !== 408;
}

function jsonHeaders(): Record<string, string> {
  return { "content-type": "application/json", accept: "application/json" };
}

function parseJson(body: Buffer, url: string): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new ResponseShapeError("response", "(body)", "it is not JSON", pathOf(url));
  }
}

function tryJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return body.toString("utf8");
  }
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return decodeURI(`${u.pathname}${u.search}`);
  } catch {
    return url;
  }
}
