/**
 * What every answer of the emulator must look like, whatever was sent (issue 3 "Robustness"):
 *
 * - never a 5xx (the fuzz emulator runs without limits, latency or faults, so a 5xx can only be an emulator bug:
 *   BC's `Internal_ServerError`, the Admin Center's `Unknown`, Entra's `server_error`), except BC's deliberate
 *   501 `BadRequest_MethodNotImplemented` for filters it does not support (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/dynamics-error-codes, odata/filter.ts);
 * - a success is empty, valid JSON, or a media stream;
 * - an error is JSON in the shape of the API the path belongs to (decided from the path the way the server
 *   routes it: `new URL(target, origin).pathname`):
 *   - Entra routes (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication): `{"error","error_description":"AADSTS…","error_codes",…}`;
 *   - Admin Center `/admin/…` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api): `{"code","message",…}`, not wrapped in `error`;
 *   - everything else, i.e. BC (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/dynamics-error-codes): exactly `{"error":{"code","message"}}` with the message ending
 *     in `  CorrelationId:  <guid>.`, the GUID being the answer's `ms-correlation-x` header.
 *
 * The one answer not from the emulator: Node's HTTP parser refuses request lines it cannot parse (a method it
 * does not know, raw non-ASCII bytes in the target) with a bare 400 before the emulator sees the request.
 */
import { METHODS } from "node:http";
import type { Answer, SentRequest } from "./requests";

export type Shape = "bc" | "admin" | "entra" | "control";

const GUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const CORRELATION_SUFFIX = new RegExp(`  CorrelationId:  (${GUID})\\.$`);

/** Entra's routes after the tenant segment (emulator/entra/index.ts documents them). */
const ENTRA_SUFFIXES = new Set([
  "v2.0/.well-known/openid-configuration",
  ".well-known/openid-configuration",
  "discovery/instance",
  "discovery/v2.0/keys",
  "discovery/keys",
  "oauth2/v2.0/token",
  "oauth2/v2.0/authorize",
  "oauth2/v2.0/devicecode",
  "oauth2/v2.0/logout",
  "oauth2/token",
  "oauth2/authorize",
]);

/** Which API answers a request target, following the server's routing order (control, Entra, admin, BC). */
export function shapeFor(target: string): Shape {
  let pathname: string;
  try {
    pathname = new URL(target, "https://127.0.0.1").pathname;
  } catch {
    return "bc";
  }
  if (pathname.startsWith("/_emulator/")) return "control";
  const segments = pathname.split("/").slice(1);
  if (pathname.startsWith("/_oidc/")) {
    const rest = segments.slice(2).join("/");
    if (
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(segments[1] ?? "") &&
      (rest === "jwks" || rest === ".well-known/openid-configuration")
    ) {
      return "entra";
    }
  } else if (segments.length >= 2 && ENTRA_SUFFIXES.has(segments.slice(1).join("/"))) {
    return "entra";
  }
  if (pathname.startsWith("/admin/")) return "admin";
  return "bc";
}

/** Whether Node's parser (not the emulator) refuses this request line. */
function parserRefuses(sent: SentRequest): boolean {
  return !METHODS.includes(sent.method) || /[^\x21-\x7e]/.test(sent.target);
}

/** Returns what is wrong with an answer, or undefined when it is well-formed. */
export function checkAnswer(sent: SentRequest, answer: Answer, known: KnownNames): string | undefined {
  const { status, headers, body } = answer;
  const contentType = String(headers["content-type"] ?? "");
  if (status === 400 && body.length === 0 && !headers["ms-correlation-x"] && parserRefuses(sent)) return undefined;
  if (!headers["ms-correlation-x"]) return "answer without ms-correlation-x (not from the emulator's server)";
  if (status < 200 || status > 599) return `status ${status}`;
  const text = body.toString("utf8");
  let json: unknown;
  if (body.length > 0 && /json/i.test(contentType)) {
    try {
      json = JSON.parse(text);
    } catch {
      return `${status} with a ${contentType} body that is not JSON: ${text.slice(0, 120)}`;
    }
  }
  if (status >= 500 && !deliberate501(status, json)) return `server error ${status}: ${text.slice(0, 300)}`;
  if (sent.method === "HEAD") return body.length === 0 ? undefined : "HEAD answer with a body";
  if (status < 400) {
    const unknown = unknownSegment(sent.target, known);
    if (unknown !== undefined) return `${status} for a path with the unknown segment '${unknown}' (must be an error)`;
    if (body.length > 0 && json === undefined && !/octet-stream/i.test(contentType)) {
      return `${status} with a non-JSON body (content-type '${contentType}')`;
    }
    return undefined;
  }
  if (json === undefined)
    return `${status} error without a JSON body (content-type '${contentType}'): ${text.slice(0, 120)}`;
  return checkErrorShape(shapeFor(sent.target), json, String(headers["ms-correlation-x"]));
}

/** Names that may appear as automation path segments: sets, navigations, media, `Microsoft.NAV.<action>`. */
export type KnownNames = ReadonlySet<string>;

const AUTOMATION_PATH = /^\/v2\.0\/[^/]+(?:\/[^/]+)?\/api\/microsoft\/automation\/v2\.0\/(.+)$/;

/**
 * The first segment of an automation path that names nothing the API has (e.g. `constructor`,
 * `Microsoft.NAV.toString`), when the path can be split without ambiguity (no quoted key, which may hold `/`).
 */
function unknownSegment(target: string, known: KnownNames): string | undefined {
  let rest: string;
  try {
    const match = AUTOMATION_PATH.exec(new URL(target, "https://127.0.0.1").pathname);
    if (!match) return undefined;
    rest = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  if (rest.includes("'")) return undefined;
  return rest
    .split("/")
    .map((segment) => segment.replace(/\(.*\)$/, ""))
    .find((name) => name !== "" && !known.has(name));
}

/** BC answers filters it does not implement (`in` without `$schemaversion=2.1`, mixed `or`) with 501. */
function deliberate501(status: number, json: unknown): boolean {
  const error = (json as { error?: { code?: unknown } } | undefined)?.error;
  return status === 501 && error?.code === "BadRequest_MethodNotImplemented";
}

function checkErrorShape(shape: Shape, json: unknown, correlationId: string): string | undefined {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return `error body is not an object (${shape})`;
  const body = json as Record<string, unknown>;
  switch (shape) {
    case "bc": {
      const error = body.error as Record<string, unknown> | undefined;
      if (Object.keys(body).join() !== "error" || !error || typeof error !== "object") {
        return `BC error body is not {"error":{…}}: ${JSON.stringify(body).slice(0, 200)}`;
      }
      if (Object.keys(error).sort().join() !== "code,message") return `BC error has keys ${Object.keys(error).join()}`;
      if (typeof error.code !== "string" || error.code === "") return "BC error code is not a non-empty string";
      if (typeof error.message !== "string") return "BC error message is not a string";
      const suffix = CORRELATION_SUFFIX.exec(error.message);
      if (!suffix) return `BC error message lacks the CorrelationId suffix: ${error.message.slice(-120)}`;
      if (suffix[1] !== correlationId) return "BC error CorrelationId differs from the ms-correlation-x header";
      return undefined;
    }
    case "admin":
    case "control":
      if ("error" in body) return `${shape} error wrapped in "error": ${JSON.stringify(body).slice(0, 200)}`;
      if (typeof body.code !== "string" || body.code === "" || typeof body.message !== "string") {
        return `${shape} error is not {"code","message"}: ${JSON.stringify(body).slice(0, 200)}`;
      }
      return undefined;
    case "entra":
      if (typeof body.error !== "string" || typeof body.error_description !== "string") {
        return `Entra error is not {"error","error_description"}: ${JSON.stringify(body).slice(0, 200)}`;
      }
      if (!/^AADSTS\d+: /.test(body.error_description))
        return "Entra error_description does not start with AADSTSnnnn:";
      if (!Array.isArray(body.error_codes) || !body.error_codes.every((c) => typeof c === "number")) {
        return "Entra error_codes is not a number array";
      }
      for (const k of ["timestamp", "trace_id", "correlation_id"]) {
        if (typeof body[k] !== "string") return `Entra error lacks ${k}`;
      }
      return undefined;
  }
}
