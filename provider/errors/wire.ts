/**
 * Error answers on the wire, turned into BcApiError:
 * - the Automation API (OData): `{"error":{"code":"…","message":"…  CorrelationId:  <guid>."}}` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/dynamics-error-codes);
 * - the Admin Center API: `{"code":"…","message":"…","target":…,"data":{"requirements":[…]}}` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api);
 * - Entra ID (through MSAL): `AADSTS7000215: …` with Trace ID / Correlation ID lines.
 */
import { BcApiError, type Service } from "./bc-api-error";
import { bcHint, type EntraHintContext, entraHint } from "./hints";

/** BC's message suffix: `  CorrelationId:  <guid>.` (two spaces each side, sometimes one). */
const CORRELATION_SUFFIX = /\s*CorrelationId:\s*([0-9a-fA-F-]{36})\.?\s*$/;

const CORRELATION_HEADERS = [
  "ms-correlation-x",
  "x-ms-correlation-id",
  "request-id",
  "x-ms-request-id",
  "client-request-id",
];

/** Splits BC's message into the text and the correlation id. */
export function stripCorrelationId(message: string): { message: string; correlationId?: string } {
  const match = CORRELATION_SUFFIX.exec(message);
  if (!match) return { message: message.trim() };
  return { message: message.slice(0, match.index).trim(), correlationId: match[1] };
}

export interface ResponseContext {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  method: string;
  path: string;
  service: Service;
  retryAfterMs?: number;
  attempts?: number;
  /** Extra knowledge for the hint, e.g. the roles claim of the token we sent. */
  tokenRoles?: string[];
}

interface ParsedBody {
  code?: string;
  message: string;
  requirements?: unknown[];
}

/** Builds a BcApiError from an error response of the Automation or Admin Center API (both shapes understood). */
export function errorFromResponse(ctx: ResponseContext): BcApiError {
  const parsed = parseErrorBody(ctx.body);
  const code = parsed.code || `HTTP${ctx.status}`;
  const raw =
    parsed.message ||
    (ctx.body.trim() ? truncate(ctx.body.trim(), 500) : `the service answered HTTP ${ctx.status} with no body`);
  const { message, correlationId } = stripCorrelationId(raw);
  return new BcApiError({
    status: ctx.status,
    code,
    serviceMessage: message,
    correlationId: correlationId ?? headerValue(ctx.headers, CORRELATION_HEADERS),
    method: ctx.method,
    path: ctx.path,
    service: ctx.service,
    retryAfterMs: ctx.retryAfterMs,
    requirements: parsed.requirements,
    attempts: ctx.attempts,
    tokenRoles: ctx.tokenRoles,
    hint: bcHint({ service: ctx.service, status: ctx.status, code, message, tokenRoles: ctx.tokenRoles }),
  });
}

function parseErrorBody(body: string): ParsedBody {
  const obj = asRecord(tryJson(body));
  if (!obj) return { message: "" };
  const inner = asRecord(obj.error);
  if (inner) return { code: text(inner.code), message: text(inner.message) }; // Automation / OData
  if (typeof obj.error === "string") {
    // An OAuth-shaped body (should only come from Entra, but a gateway may answer so too).
    return { code: obj.error, message: text(obj.error_description) };
  }
  if (typeof obj.code === "string" || typeof obj.message === "string") return adminCenterBody(obj);
  return { message: "" };
}

function adminCenterBody(obj: Record<string, unknown>): ParsedBody {
  const data = asRecord(obj.data);
  const details = (Array.isArray(obj.clientError) ? obj.clientError : [])
    .map((c) => asRecord(c)?.message)
    .filter((m): m is string => typeof m === "string");
  const message = text(obj.message) + (details.length > 0 ? ` (${details.join("; ")})` : "");
  return {
    code: text(obj.code),
    message,
    requirements: data && Array.isArray(data.requirements) ? data.requirements : undefined,
  };
}

/** The MSAL error fields we read (ServerError / AuthError from @azure/msal-common). */
interface MsalLikeError {
  errorCode?: string;
  errorMessage?: string;
  subError?: string;
  status?: number;
  correlationId?: string;
  message?: string;
}

/** Builds a BcApiError from an MSAL failure (Entra's AADSTS answer, or MSAL's own network/config error). */
export function errorFromEntra(err: unknown, ctx: EntraHintContext): BcApiError {
  const e = (err ?? {}) as MsalLikeError;
  const message = e.errorMessage || e.message || String(err);
  const aadsts = /AADSTS(\d+)/.exec(message);
  const code = aadsts ? `AADSTS${aadsts[1]}` : e.errorCode || "token_request_failed";
  // Entra appends "Trace ID / Correlation ID / Timestamp" lines; keep the first line and the correlation id.
  const firstLine = message.split(/\r?\n/)[0]?.trim() ?? message;
  const corr = /Correlation ID:\s*([0-9a-fA-F-]{36})/.exec(message)?.[1] ?? (e.correlationId || undefined);
  return new BcApiError({
    status: typeof e.status === "number" ? e.status : 0,
    code,
    serviceMessage: firstLine,
    correlationId: corr,
    method: "POST",
    path: `/${ctx.tenantId}/oauth2/v2.0/token`,
    service: "entra",
    hint: entraHint(code, e.errorCode, ctx),
  });
}

function tryJson(body: string): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function headerValue(headers: Record<string, string | string[] | undefined>, names: string[]): string | undefined {
  for (const name of names) {
    const v = headers[name];
    if (typeof v === "string" && v) return v;
    if (Array.isArray(v) && v[0]) return v[0];
  }
  return undefined;
}

function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
