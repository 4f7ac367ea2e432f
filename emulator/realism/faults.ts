import { mulberry32 } from "./latency";

/**
 * A fault injection rule. Rules are matched in order by method and path; the first rule that matches and is
 * still armed fires. See docs/emulator.md "Fault injection" for examples.
 */
export interface FaultRule {
  /** Name shown in reports (default: generated). */
  id?: string;
  /** HTTP method to match; omitted or `*` matches any. */
  method?: string;
  /** Path pattern: a glob on the URL path where `*` matches any characters (`*\/Microsoft.NAV.apply`), or `re:<regex>`. */
  path: string;
  /** Answer with this status instead of serving (the server does not act). */
  status?: number;
  /** Error code and message of the answer (default per status, in the API's own error shape). */
  code?: string;
  message?: string;
  /** `Retry-After` header (seconds) on the answer. */
  retryAfter?: number;
  /** Fire at most this many times (default: unlimited). */
  count?: number;
  /** Fire with this probability (0..1, seeded; default 1). */
  probability?: number;
  /** Delay added before the request is served (wall-clock milliseconds). */
  delayMs?: number;
  /** Drop the connection `before` the server acts or `after` it acted (the client cannot tell if a POST took effect). */
  drop?: "before" | "after";
  /** Send the response body slowly, spread over this many milliseconds. */
  slowBodyMs?: number;
}

export interface FaultReport extends FaultRule {
  id: string;
  fired: number;
}

const DEFAULT_CODES: Record<number, [string, string]> = {
  400: ["BadRequest", "The request is invalid."],
  401: ["Authentication_InvalidCredentials", "The server has rejected the client credentials."],
  403: ["Authorization_InsufficientPermissions", "You do not have permission to perform this operation."],
  404: ["BadRequest_NotFound", "The requested resource was not found."],
  408: ["RequestTimeout", "The operation has timed out."],
  409: ["Request_EntityChanged", "Another user has already changed the record."],
  429: ["TooManyRequests", "Too many requests reached."],
  500: ["Internal_ServerError", "An unexpected error occurred on the server."],
  502: ["BadGateway", "The gateway received an invalid response."],
  503: ["ServiceUnavailable", "The service is temporarily unavailable."],
  504: ["GatewayTimeout", "The gateway timed out."],
};

export function defaultErrorFor(status: number): [string, string] {
  return DEFAULT_CODES[status] ?? ["Unknown", `Injected failure with status ${status}.`];
}

/** Holds the active rules, decides which one fires for a request and counts how often each fired. */
export class FaultInjector {
  private rules: (FaultReport & { matcher: RegExp })[] = [];
  private nextId = 1;
  private readonly random: () => number;

  constructor(rules: FaultRule[] = [], seed = 7) {
    this.random = mulberry32(seed);
    for (const rule of rules) this.add(rule);
  }

  add(rule: FaultRule): FaultReport {
    validateRule(rule);
    const report = { ...rule, id: rule.id ?? `fault-${this.nextId++}`, fired: 0, matcher: compilePath(rule.path) };
    this.rules.push(report);
    return strip(report);
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear() {
    this.rules = [];
  }

  list(): FaultReport[] {
    return this.rules.map(strip);
  }

  /** The rule that fires for this request, if any (its `fired` count is incremented). */
  match(method: string, path: string): FaultReport | undefined {
    for (const rule of this.rules) {
      if (rule.method && rule.method !== "*" && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!rule.matcher.test(path)) continue;
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.fired += 1;
      return strip(rule);
    }
    return undefined;
  }
}

function strip(rule: FaultReport & { matcher?: RegExp }): FaultReport {
  const { matcher: _matcher, ...rest } = rule;
  return rest;
}

function compilePath(pattern: string): RegExp {
  if (pattern.startsWith("re:")) return new RegExp(pattern.slice(3));
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

/** Refuses rules that cannot work, naming the field. */
export function validateRule(rule: FaultRule) {
  if (typeof rule !== "object" || rule === null) throw new Error("a fault rule must be an object");
  if (typeof rule.path !== "string" || rule.path === "")
    throw new Error("fault rule 'path' is required (a glob or re:<regex>)");
  if (rule.path.startsWith("re:")) {
    try {
      new RegExp(rule.path.slice(3));
    } catch {
      throw new Error(`fault rule 'path' is not a valid regular expression: ${rule.path}`);
    }
  }
  if (rule.status !== undefined && (!Number.isInteger(rule.status) || rule.status < 100 || rule.status > 599)) {
    throw new Error("fault rule 'status' must be an HTTP status code (100-599)");
  }
  if (rule.drop !== undefined && rule.drop !== "before" && rule.drop !== "after") {
    throw new Error("fault rule 'drop' must be 'before' or 'after'");
  }
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
    throw new Error("fault rule 'probability' must be between 0 and 1");
  }
  for (const field of ["count", "delayMs", "slowBodyMs", "retryAfter"] as const) {
    const value = rule[field];
    if (value !== undefined && !(typeof value === "number" && value >= 0)) {
      throw new Error(`fault rule '${field}' must be a non-negative number`);
    }
  }
  if (
    rule.status === undefined &&
    rule.drop === undefined &&
    rule.delayMs === undefined &&
    rule.slowBodyMs === undefined
  ) {
    throw new Error("fault rule needs at least one effect: status, drop, delayMs or slowBodyMs");
  }
}
