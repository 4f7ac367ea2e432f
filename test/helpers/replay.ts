/**
 * Replays a wire capture (test/fixtures/real-wire/README.md) against a running emulator and reports where the
 * emulator's answers differ in shape from the captured ones. The rules:
 *
 * - the provider's schemas parse every captured 2xx response (placeholders stand in for ids);
 * - placeholders are bound to the values the emulator answers as the replay creates or lists objects (list
 *   elements are paired by their equal plain values), `{tenant}` and `{origin}` to the emulator's, the first
 *   `{environment:N}` an Automation API path names to the seeded environment the test picks;
 * - an exchange that names an object the replay could not bind, or sends a body only known by its size (files,
 *   forms), is compared by schema only; so is every later exchange on an object such an exchange touched;
 * - otherwise the request is sent and the answer must have the same status, keys, value types (null stands for
 *   any type: BC fills such fields as operations progress) and enum wire forms (`_x0020_` encoded or not).
 */
import type { z } from "zod";
import { adminEntities } from "../../provider/admin/schemas";
import { entities } from "../../provider/automation/schemas";
import type { TestEmulator } from "./emulator";

export interface CapturedExchange {
  seq: number;
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  request?: unknown;
  response?: unknown;
  source: string;
}

export interface ReplayDifference {
  file: string;
  seq: number;
  /** JSON path in the response (`$` is the whole answer, `status` the status code). */
  path: string;
  detail: string;
}

export interface ReplayResult {
  sent: number;
  schemaOnly: number;
  differences: ReplayDifference[];
}

const PLACEHOLDER = /\{([A-Za-z]+)(?::(\d+))?\}/g;
const NAME_KINDS = new Set(["environment", "userName", "email", "person"]);

export function parseCapture(text: string): CapturedExchange[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as CapturedExchange);
}

export class Replayer {
  private bindings = new Map<string, string>();
  /** Placeholders of objects an unreplayable exchange touched: their later exchanges are compared by schema only. */
  private tainted = new Set<string>();
  private fresh = 0;
  private targetBound = false;
  /** Entity sets whose content diverged from the capture's (run-wide: the emulator's state outlives a file). */
  private readonly taintedSets = new Set<string>();

  constructor(
    private readonly h: TestEmulator,
    private readonly sandbox: string,
  ) {}

  /** Replays one file's exchanges in order; bindings start afresh per file (placeholders are numbered per file). */
  async replay(file: string, exchanges: CapturedExchange[]): Promise<ReplayResult> {
    this.bindings = new Map([
      ["{tenant}", this.h.emu.tenantId],
      ["{origin}", this.h.emu.baseUrl],
    ]);
    this.tainted = new Set();
    this.targetBound = false;
    const result: ReplayResult = { sent: 0, schemaOnly: 0, differences: [] };
    for (const exchange of exchanges) {
      const differ = (path: string, detail: string) =>
        result.differences.push({ file, seq: exchange.seq, path, detail });
      for (const problem of schemaProblems(exchange)) differ(problem.path, problem.detail);
      const request = this.prepare(exchange);
      if (!request) {
        result.schemaOnly++;
        this.taint(exchange);
        continue;
      }
      result.sent++;
      const send = () =>
        this.h.call(exchange.method, request.url, {
          raw: request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body)),
          headers: {
            ...(request.body === undefined ? {} : { "content-type": "application/json" }),
            ...(exchange.method === "PATCH" || exchange.method === "DELETE" ? { "if-match": "*" } : {}),
          },
        });
      let res = await send();
      // A poll: keep pace with the capture. Behind it, poll again until the emulator reaches the captured stage;
      // past it (the replay runs faster than BC did), the answer shows a later stage: compared by schema only.
      if (exchange.method === "GET" && res.status === exchange.status) {
        const captured = stageOf(exchange.response);
        for (let i = 0; captured !== undefined && i < 100 && (stageOf(res.json) ?? captured) < captured; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          res = await send();
        }
        if (captured !== undefined && (stageOf(res.json) ?? captured) !== captured) {
          result.sent--;
          result.schemaOnly++;
          continue;
        }
      }
      if (res.status !== exchange.status) {
        differ(
          "status",
          `captured ${exchange.status}, emulator ${res.status}${res.status >= 400 ? `: ${res.text.slice(0, 300)}` : ""}`,
        );
        continue;
      }
      if (exchange.response !== undefined && !isBytes(exchange.response))
        this.compare(exchange.response, res.json, "$", differ);
    }
    return result;
  }

  /**
   * After an exchange that was not sent: its unbound placeholders stay unbindable, and an object whose content it
   * would have replaced (a file body) is no longer the captured one, so later exchanges on it are schema-only too.
   */
  private taint(exchange: CapturedExchange): void {
    const unbound = placeholdersIn(exchange.path).filter((p) => !this.bindings.has(p));
    for (const p of unbound) this.tainted.add(p);
    if (isBytes(exchange.request) || isForm(exchange.request)) {
      const objects = [...exchange.path.split("?")[0]!.matchAll(/\((\{[A-Za-z]+:\d+\})\)/g)].map((m) => m[1]!);
      const target = objects.at(-1);
      if (target) {
        this.tainted.add(target);
        this.bindings.delete(target);
      }
      // The collection itself now differs from what BC had (e.g. an upload row BC would have consumed).
      const set = /\/([A-Za-z]+)\(\{[A-Za-z]+:\d+\}\)[^(]*$/.exec(exchange.path.split("?")[0] ?? "")?.[1];
      if (set) this.taintedSets.add(set);
    }
  }

  /** The request to send, or undefined when it names something unbound or its body cannot be rebuilt. */
  private prepare(exchange: CapturedExchange): { url: string; body?: unknown } | undefined {
    if (isBytes(exchange.request) || isForm(exchange.request)) return undefined;
    const sets = (exchange.path.split("?")[0] ?? "").split("/").map((segment) => segment.replace(/\(.*$/, ""));
    if (sets.some((set) => this.taintedSets.has(set))) return undefined;
    const path = this.substitute(exchange.path, false);
    if (path === undefined) return undefined;
    let body: unknown;
    if (exchange.request !== undefined) {
      body = this.substituteDeep(exchange.request);
      if (body === undefined) return undefined;
    }
    return {
      url: `${this.h.emu.baseUrl}${path
        .split("?")
        .map((p, i) => (i === 0 ? encodeURI(p) : encodeQuery(p)))
        .join("?")}`,
      body,
    };
  }

  /** Replaces placeholders; unbound names in a body get fresh values (the object is created by this request). */
  private substitute(text: string, inBody: boolean): string | undefined {
    let missing = false;
    const automation = !inBody && /^\/v2\.0\/[^/]+\/[^/]+\/api\//.test(text);
    const out = text.replace(PLACEHOLDER, (whole, kind: string) => {
      if (this.tainted.has(whole)) {
        missing = true;
        return whole;
      }
      const bound = this.bindings.get(whole);
      if (bound !== undefined) return bound;
      // The environment the Automation API is called on first is the run's target: the seed's matching one.
      if (kind === "environment" && automation && !this.targetBound) {
        this.targetBound = true;
        this.bindings.set(whole, this.sandbox);
        return this.sandbox;
      }
      if (inBody && NAME_KINDS.has(kind)) {
        const value = `pbc-rep-${++this.fresh}`;
        this.bindings.set(whole, value);
        return value;
      }
      missing = true;
      return whole;
    });
    return missing ? undefined : out;
  }

  private substituteDeep(value: unknown): unknown {
    if (typeof value === "string") return this.substitute(value, true);
    if (Array.isArray(value)) {
      const items = value.map((v) => this.substituteDeep(v));
      return items.includes(undefined) ? undefined : items;
    }
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const replaced = this.substituteDeep(v);
        if (replaced === undefined) return undefined;
        out[k] = replaced;
      }
      return out;
    }
    return value;
  }

  /** Compares shapes and binds placeholders to the emulator's values on the way. */
  private compare(captured: unknown, actual: unknown, path: string, differ: (path: string, detail: string) => void) {
    if (captured === null || actual === null) return;
    const [ct, at] = [typeOf(captured), typeOf(actual)];
    if (ct !== at) {
      differ(path, `captured a ${ct}, emulator a ${at}`);
      return;
    }
    if (typeof captured === "string") {
      const value = actual as string;
      const whole = /^\{[A-Za-z]+(?::\d+)?\}$/.test(captured) ? captured : undefined;
      if (whole && !this.bindings.has(whole) && !this.tainted.has(whole)) this.bindings.set(whole, value);
      else if (!whole && enumFormDiffers(captured, value))
        differ(path, `enum wire form differs: captured '${captured}', emulator '${value}'`);
      return;
    }
    if (Array.isArray(captured)) {
      const remaining = [...(actual as unknown[])];
      captured.forEach((item, i) => {
        const match = pairIndex(item, remaining);
        if (match < 0) return;
        const [partner] = remaining.splice(match, 1);
        this.compare(item, partner, `${path}[${i}]`, differ);
      });
      return;
    }
    if (ct === "object") {
      const c = captured as Record<string, unknown>;
      const a = actual as Record<string, unknown>;
      for (const key of Object.keys(c))
        if (!(key in a)) differ(`${path}.${key}`, "captured, missing in the emulator's answer");
      for (const key of Object.keys(a))
        if (!(key in c)) differ(`${path}.${key}`, "in the emulator's answer, not in the capture");
      // Plain values first, so ids bind before nested objects are compared.
      for (const key of Object.keys(c)) if (key in a) this.compare(c[key], a[key], `${path}.${key}`, differ);
    }
  }
}

/** The emulator element that shares the most plain (non-placeholder) values with a captured one; -1 if none. */
function pairIndex(item: unknown, candidates: unknown[]): number {
  if (candidates.length === 0) return -1;
  if (item === null || typeof item !== "object" || Array.isArray(item)) return 0;
  const plain = Object.entries(item as Record<string, unknown>).filter(
    ([k, v]) =>
      !k.startsWith("@") &&
      (typeof v === "string" || typeof v === "number") &&
      !/\{[A-Za-z]+:\d+\}|\{tenant\}/.test(String(v)),
  );
  let best = -1;
  let bestScore = 0;
  candidates.forEach((candidate, index) => {
    if (candidate === null || typeof candidate !== "object") return;
    const c = candidate as Record<string, unknown>;
    const score = plain.filter(([k, v]) => c[k] === v).length;
    if (score > bestScore) [best, bestScore] = [index, score];
  });
  return best;
}

/** Lifecycle stages of BC's operation statuses (Admin Center operations, RapidStart, deployments). */
const STAGES: Record<string, number> = {
  notstarted: 0,
  queued: 0,
  scheduled: 0,
  no: 0,
  running: 1,
  inprogress: 1,
  succeeded: 2,
  completed: 2,
  failed: 2,
  error: 2,
  skipped: 2,
  canceled: 2,
};

/** The stage of a single object's status (`status`, `importStatus`, `applyStatus`), if it has one. */
function stageOf(body: unknown): number | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  const status = [b.status, b.applyStatus, b.importStatus].find((v) => typeof v === "string" && v !== "") as
    | string
    | undefined;
  return status === undefined ? undefined : STAGES[status.toLowerCase()];
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

const ENCODED = /_x[0-9A-Fa-f]{4}_/;
const NEEDS_ENCODING = /[ \-./]/;

/** One side sends an OData member name encoded (`Current_x0020_version`), the other a form that would need it. */
function enumFormDiffers(captured: string, actual: string): boolean {
  if (captured.includes("{") || actual.length > 60 || captured.length > 60) return false;
  const c = ENCODED.test(captured);
  const a = ENCODED.test(actual);
  return (
    (c && !a && NEEDS_ENCODING.test(actual) && !/\s.*\s.*\s/.test(actual)) ||
    (a && !c && NEEDS_ENCODING.test(captured) && !/\s.*\s.*\s/.test(captured))
  );
}

function isBytes(body: unknown): boolean {
  return body !== null && typeof body === "object" && "$bytes" in body;
}

function isForm(body: unknown): boolean {
  return body !== null && typeof body === "object" && "$form" in body;
}

function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)]
    .map((m) => m[0])
    .filter((p) => p !== "{tenant}" && !p.startsWith("{environment"));
}

function encodeQuery(query: string): string {
  return query
    .split("&")
    .map((pair) => {
      const [k, ...v] = pair.split("=");
      return `${k}=${encodeURIComponent(v.join("="))}`;
    })
    .join("&");
}

// --- Schemas ---------------------------------------------------------------------------------------------------

const AUTOMATION_SCHEMAS: Record<string, z.ZodType> = {
  companies: entities.company.schema,
  automationCompanies: entities.automationCompany.schema,
  configurationPackages: entities.configurationPackage.schema,
  extensions: entities.extension.schema,
  extensionUpload: entities.extensionUpload.schema,
  extensionDeploymentStatus: entities.extensionDeploymentStatus.schema,
  users: entities.user.schema,
  userPermissions: entities.userPermission.schema,
  permissionSets: entities.permissionSet.schema,
  securityGroups: entities.securityGroup.schema,
  userGroups: entities.userGroup.schema,
  userGroupMembers: entities.userGroupMember.schema,
};

/** The provider schema for a captured exchange's response, if the provider reads that response. */
function schemaFor(exchange: CapturedExchange): z.ZodType | undefined {
  const path = exchange.path.split("?")[0] ?? "";
  if (path.startsWith("/admin/")) {
    if (/\/operations(\/[^/]+)?$/.test(path))
      return /\/apps\//.test(path) ? adminEntities.appOperation.schema : adminEntities.environmentOperation.schema;
    if (/\/apps\/[^/]+\/(install|uninstall|update)$/.test(path)) return adminEntities.appOperation.schema;
    if (/\/apps$/.test(path)) return adminEntities.installedApp.schema;
    if (/\/quotas$/.test(path)) return adminEntities.quotas.schema;
    if (/\/copy$/.test(path) || (exchange.method !== "GET" && /\/environments\/[^/]+$/.test(path)))
      return adminEntities.environmentOperation.schema;
    if (/\/environments(\/[^/]+)?$/.test(path)) return adminEntities.environment.schema;
    return undefined;
  }
  const last = path.split("/").filter(Boolean).at(-1) ?? "";
  if (last.startsWith("Microsoft.NAV.")) return undefined;
  return AUTOMATION_SCHEMAS[last.replace(/\(.*$/, "")];
}

/** Placeholders stand in for ids: parse with a GUID-shaped stand-in so the provider's GUID checks apply to shape. */
function withStandIns(value: unknown): unknown {
  if (typeof value === "string")
    return value.replace(/\{([A-Za-z]+):(\d+)\}|\{tenant\}/g, (_, kind: string | undefined, n: string | undefined) =>
      kind && NAME_KINDS.has(kind) ? `${kind}-${n}` : `00000000-0000-4000-8000-${(n ?? "0").padStart(12, "0")}`,
    );
  if (Array.isArray(value)) return value.map(withStandIns);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withStandIns(v)]));
  return value;
}

export function schemaProblems(exchange: CapturedExchange): { path: string; detail: string }[] {
  if (exchange.status < 200 || exchange.status >= 300) return [];
  const schema = schemaFor(exchange);
  const body = exchange.response;
  if (!schema || body === null || typeof body !== "object" || isBytes(body)) return [];
  const rows = Array.isArray((body as { value?: unknown }).value)
    ? ((body as { value: unknown[] }).value.map((row, i) => [`$.value[${i}]`, row]) as [string, unknown][])
    : ([["$", body]] as [string, unknown][]);
  const problems: { path: string; detail: string }[] = [];
  for (const [path, row] of rows) {
    const parsed = schema.safeParse(withStandIns(row));
    if (parsed.success) continue;
    for (const issue of parsed.error.issues)
      problems.push({
        path: `${path}.${issue.path.map(String).join(".")}`,
        detail: `provider schema: ${issue.message}`,
      });
  }
  return problems;
}
