/**
 * Wire capture: with `BC_CAPTURE_DIR=<dir>` set, every HTTP attempt the provider makes is appended to one JSONL
 * file per process (`<dir>/<utc>-<pid>.jsonl`), one line per exchange, normalised and redacted so that the file can
 * be attached to a public issue (test/fixtures/real-wire/README.md describes the format; test/provider/replay.test.ts
 * replays committed captures against the emulator).
 *
 * Redaction: no credential leaves the process (tokens, secrets, assertions, passwords are masked, and the whole line
 * goes through redactText). Tenant ids, object ids (every GUID), environment names, user names, UPNs, e-mail
 * addresses and person names become placeholders such as `{company:1}`, numbered per file, so the same object keeps
 * the same placeholder throughout a capture and a replay can bind it to the ids the emulator returns.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { isLoopbackHost } from "../connection/loopback";
import { redactText } from "../redact";
import { type HttpResponse, isFileBody, type PipelineRequest, type Policy } from "./types";

export interface CapturedExchange {
  seq: number;
  method: string;
  /** Path and query with ids and names replaced by placeholders. */
  path: string;
  status: number;
  headers: { "content-type"?: string; etag?: string; location?: string; "retry-after"?: string };
  request?: unknown;
  response?: unknown;
  source: "real" | "emulator";
}

/** The capture policy when `BC_CAPTURE_DIR` is set (one writer per process), else undefined. */
export function capturePolicyFromEnv(env: NodeJS.ProcessEnv = process.env): Policy | undefined {
  const dir = env.BC_CAPTURE_DIR;
  if (!dir) return undefined;
  writer ??= new CaptureWriter(dir, env.BC_CAPTURE_SOURCE);
  return capturePolicy(writer);
}

let writer: CaptureWriter | undefined;

export function capturePolicy(target: CaptureWriter): Policy {
  return async (req: PipelineRequest, next) => {
    const res = await next(req);
    try {
      target.record(req, res);
    } catch {
      // A capture must never break the operation it observes.
    }
    return res;
  };
}

/** Appends normalised exchanges to `<dir>/<utc>-<pid>.jsonl` (synchronously: a killed run keeps every line). */
export class CaptureWriter {
  readonly file: string;
  private seq = 0;
  private readonly normaliser = new WireNormaliser();

  constructor(
    dir: string,
    private readonly sourceOverride?: string,
  ) {
    mkdirSync(dir, { recursive: true });
    const utc = new Date()
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z");
    this.file = join(dir, `${utc}-${process.pid}.jsonl`);
  }

  record(req: PipelineRequest, res: HttpResponse): void {
    const url = new URL(req.url);
    const n = this.normaliser;
    n.origin = url.origin;
    const path = n.path(url);
    const set = lastEntitySet(url.pathname);
    const headers: CapturedExchange["headers"] = {};
    for (const name of ["content-type", "etag", "location", "retry-after"] as const) {
      const value = res.headers[name];
      if (value === undefined) continue;
      headers[name] = name === "location" ? n.location(value) : name === "etag" ? value : n.text(value);
    }
    const exchange: CapturedExchange = {
      seq: ++this.seq,
      method: req.method,
      path,
      status: res.status,
      headers,
      source: this.source(url),
    };
    const request = requestBody(req, (json) => n.json(json, set));
    if (request !== undefined) exchange.request = request;
    const response = responseBody(res, (json) => n.json(json, set));
    if (response !== undefined) exchange.response = response;
    // Key order as documented, source last.
    const { source, ...rest } = exchange;
    appendFileSync(this.file, `${redactText(JSON.stringify({ ...rest, source }))}\n`);
  }

  private source(url: URL): "real" | "emulator" {
    if (this.sourceOverride === "real" || this.sourceOverride === "emulator") return this.sourceOverride;
    return isLoopbackHost(url.hostname) ? "emulator" : "real";
  }
}

function requestBody(req: PipelineRequest, json: (value: unknown) => unknown): unknown {
  const body = req.body;
  if (body === undefined) return undefined;
  if (isFileBody(body)) return { $bytes: body.size };
  if (body instanceof Uint8Array) return parsedOrBytes(Buffer.from(body), json);
  if (typeof body === "string") return parsedOrBytes(Buffer.from(body), json);
  return { $form: [...body.keys()] };
}

function responseBody(res: HttpResponse, json: (value: unknown) => unknown): unknown {
  if (res.body.length === 0) return undefined;
  return parsedOrBytes(res.body, json);
}

/** JSON bodies are kept (normalised); anything else (files, XML, text) only by its size. */
function parsedOrBytes(bytes: Buffer, json: (value: unknown) => unknown): unknown {
  const text = bytes.toString("utf8");
  if (/^\s*[[{]/.test(text)) {
    try {
      return json(JSON.parse(text));
    } catch {
      // not JSON after all
    }
  }
  return { $bytes: bytes.length };
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const GUID_ONLY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const CREDENTIAL_KEY = /token|secret|assertion|password|credential|authorization|privatekey/i;
/** Properties that hold a person: user names, UPNs, e-mail addresses, person names. */
const PERSON_KEYS = new Set([
  "username",
  "contactemail",
  "authenticationemail",
  "principalname",
  "userprincipalname",
  "fullname",
  "email",
  "createdby",
  "modifiedby",
  "lastmodifiedby",
]);
/** Properties that hold an environment name. */
const ENVIRONMENT_KEYS = new Set([
  "environmentname",
  "sourceenvironmentname",
  "destinationenvironmentname",
  "targetenvironmentname",
  "sourceenvironment",
  "destinationenvironment",
]);
const TENANT_KEYS = new Set(["aadtenantid", "tenantid", "entratenantid"]);
/** Entity sets whose `displayName` is a person's name. */
const PERSON_SETS = new Set(["users", "userPermissions", "userGroupMembers"]);

/**
 * Replaces ids and names by placeholders, consistently within one capture: a value keeps its placeholder, and a
 * value first seen in one place is replaced wherever it appears later (URLs in bodies, OData contexts, filters).
 */
export class WireNormaliser {
  private readonly placeholders = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  /** Names (not GUIDs) already given a placeholder, longest first, replaced inside any later text. */
  private names: string[] = [];

  placeholder(kind: string, value: string): string {
    const key = GUID_ONLY.test(value) ? value.toLowerCase() : value;
    const known =
      this.placeholders.get(key) ?? (GUID_ONLY.test(value) ? undefined : this.placeholders.get(key.toLowerCase()));
    if (known) return known;
    if (kind === "tenant") {
      this.placeholders.set(key, "{tenant}");
      return "{tenant}";
    }
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    const placeholder = `{${kind}:${n}}`;
    this.placeholders.set(key, placeholder);
    if (!GUID_ONLY.test(value)) {
      this.placeholders.set(key.toLowerCase(), placeholder);
      this.names = [...this.names, value].sort((a, b) => b.length - a.length);
    }
    return placeholder;
  }

  /** Path and query of a request URL. */
  path(url: URL): string {
    let segments = url.pathname.split("/").map(safeDecode);
    // Automation API: /v2.0/<tenant>/<environment>/api/… or /v2.0/<environment>/api/…
    const api = segments.indexOf("api");
    if (segments[1] === "v2.0" && api >= 3) {
      if (api === 4) segments[2] = this.placeholder("tenant", segments[2] ?? "");
      segments[api - 1] = this.placeholder("environment", segments[api - 1] ?? "");
    }
    // Admin Center: /admin/<v>/applications/<family>/environments/<environment>/…
    const envs = segments.indexOf("environments");
    if (segments[1] === "admin" && envs > 2 && segments[envs - 2] === "applications" && segments[envs + 1])
      segments[envs + 1] = this.placeholder("environment", segments[envs + 1] as string);
    segments = segments.map((segment) => this.segment(segment));
    const query = url.search ? this.text(safeDecode(url.search)) : "";
    return this.text(segments.join("/")) + this.filterLiterals(query);
  }

  /** A Location header: an absolute URL becomes a normalised path. */
  location(value: string): string {
    try {
      return this.path(new URL(value));
    } catch {
      return this.text(value);
    }
  }

  /** `companies(<guid>)` → `companies({company:1})`. */
  private segment(segment: string): string {
    return segment.replace(/^([A-Za-z]+)\(([^)]*)\)/, (_, set: string, key: string) => {
      const inner = key.replace(GUID, (id) => this.placeholder(singular(set), id));
      return `${set}(${inner})`;
    });
  }

  /** `$filter=userName eq 'JOE'` and similar person or environment literals in a query. */
  private filterLiterals(query: string): string {
    return query.replace(/(\w+)\s+eq\s+'((?:[^']|'')*)'/g, (whole, field: string, literal: string) => {
      const key = field.toLowerCase();
      if (PERSON_KEYS.has(key)) return `${field} eq '${this.placeholder(personKind(key), literal)}'`;
      if (ENVIRONMENT_KEYS.has(key)) return `${field} eq '${this.placeholder("environment", literal)}'`;
      return whole;
    });
  }

  /** The origin of the API (stable across emulator ports; harmless for BC's own host). */
  origin = "";

  /** Free text: the API origin, known names, GUIDs and e-mail addresses replaced. */
  text(value: string): string {
    let out = this.origin ? value.split(this.origin).join("{origin}") : value;
    for (const name of this.names) {
      if (name.length < 3 || !out.includes(name)) continue;
      const placeholder = this.placeholders.get(name) as string;
      out = out.replace(new RegExp(`(?<![A-Za-z0-9_-])${escapeRegExp(name)}(?![A-Za-z0-9_-])`, "g"), placeholder);
    }
    out = out.replace(GUID, (id) => this.placeholder("id", id));
    return out.replace(EMAIL, (email) => this.placeholder("email", email));
  }

  /** A JSON body; `set` is the entity set the URL addresses (the kind of its `id` / `systemId`). */
  json(value: unknown, set: string | undefined, key = ""): unknown {
    if (Array.isArray(value)) return value.map((item) => this.json(item, set, key));
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      const entries = Object.entries(value as Record<string, unknown>);
      // Names first, so that text fields further on (URLs, messages) see them already registered.
      const ordered = [...entries].sort(([a], [b]) => rank(a) - rank(b));
      for (const [k, v] of ordered) out[k] = this.json(v, set, k);
      return Object.fromEntries(entries.map(([k]) => [k, out[k]]));
    }
    if (typeof value !== "string") return value;
    const k = key.toLowerCase();
    if (CREDENTIAL_KEY.test(k)) return "[REDACTED]";
    if (value === "") return value;
    if (TENANT_KEYS.has(k)) return this.placeholder("tenant", value);
    if (GUID_ONLY.test(value)) return this.placeholder(guidKind(key, set), value);
    if (PERSON_KEYS.has(k)) return this.placeholder(personKind(k), value);
    if (k === "displayname" && set && PERSON_SETS.has(set)) return this.placeholder("person", value);
    if (ENVIRONMENT_KEYS.has(k) || (k === "name" && set === "environments"))
      return this.placeholder("environment", value);
    return this.text(value);
  }
}

function personKind(key: string): string {
  return key.includes("email") ? "email" : "userName";
}

function rank(key: string): number {
  const k = key.toLowerCase();
  if (TENANT_KEYS.has(k) || ENVIRONMENT_KEYS.has(k) || k === "name" || PERSON_KEYS.has(k)) return 0;
  return k.startsWith("@") || k.endsWith("url") || k.includes("@odata") ? 2 : 1;
}

/** The kind of a GUID-valued property: `id`/`systemId` take the entity set's, `companyId` → `company`, … */
function guidKind(key: string, set: string | undefined): string {
  if (/^(system)?id$/i.test(key) || key === "") return set ? singular(set) : "id";
  const base = key.replace(/(security)?id$/i, "");
  return base || "id";
}

/** The last entity set of a path, e.g. `…/companies(1)/userPermissions` → `userPermissions`. */
export function lastEntitySet(pathname: string): string | undefined {
  const segments = pathname
    .split("/")
    .map((s) => s.replace(/\(.*$/, ""))
    .filter((s) => /^[A-Za-z]+$/.test(s) && !s.startsWith("Microsoft"));
  return segments.at(-1);
}

function singular(set: string): string {
  if (set.endsWith("ies")) return `${set.slice(0, -3)}y`;
  if (set.endsWith("s")) return set.slice(0, -1);
  return set;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
