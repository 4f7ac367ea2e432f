/**
 * One error type for everything a Business Central call can answer with, whichever service answered:
 * - the Automation API (OData): `{"error":{"code":"…","message":"…  CorrelationId:  <guid>."}}` (reference §10.6);
 * - the Admin Center API: `{"code":"…","message":"…","target":…,"data":{"requirements":[…]}}` (reference §12.1);
 * - Entra ID (the token service): `{"error":"invalid_client","error_description":"AADSTS7000215: …"}`.
 *
 * The message says what failed, BC's code and text (without the CorrelationId noise), the HTTP status and the
 * correlation id, and — for the failures users meet while setting up — what to do about it in plain words.
 * Every text passes through `redactText`, so no secret, token or assertion can reach a Pulumi error.
 */
import { redactText } from "./redact";

export type Service = "automation" | "admin" | "entra" | "http";

export interface BcApiErrorInit {
  status: number;
  code: string;
  /** The service's own message, CorrelationId suffix removed. */
  serviceMessage: string;
  correlationId?: string;
  method: string;
  /** URL path (and query) of the request, without the origin. */
  path: string;
  service: Service;
  hint?: string;
  /** From a `Retry-After` header, when the service sent one. */
  retryAfterMs?: number;
  /** Admin Center app-management requirements (missing dependencies etc.). */
  requirements?: unknown[];
  /** How many attempts were made (more than 1 when the request was retried). */
  attempts?: number;
}

export class BcApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly serviceMessage: string;
  readonly correlationId?: string;
  readonly method: string;
  readonly path: string;
  readonly service: Service;
  readonly hint?: string;
  readonly retryAfterMs?: number;
  readonly requirements?: unknown[];
  readonly attempts: number;

  constructor(init: BcApiErrorInit) {
    const hint = init.hint;
    super(redactText(formatMessage(init)));
    this.name = "BcApiError";
    this.status = init.status;
    this.code = init.code;
    this.serviceMessage = redactText(init.serviceMessage);
    this.correlationId = init.correlationId;
    this.method = init.method;
    this.path = redactText(init.path);
    this.service = init.service;
    this.hint = hint === undefined ? undefined : redactText(hint);
    this.retryAfterMs = init.retryAfterMs;
    this.requirements = init.requirements;
    this.attempts = init.attempts ?? 1;
  }
}

function formatMessage(e: BcApiErrorInit): string {
  const who =
    e.service === "entra"
      ? "Entra ID token request"
      : e.service === "admin"
        ? "Admin Center API"
        : "Business Central API";
  const status = e.status > 0 ? `HTTP ${e.status}` : "no HTTP status";
  const corr = e.correlationId ? `, correlation id ${e.correlationId}` : "";
  const tries = e.attempts && e.attempts > 1 ? `, after ${e.attempts} attempts` : "";
  let text = `${who}: ${e.method} ${e.path} failed (${status}, ${e.code}${corr}${tries}): ${e.serviceMessage}`;
  if (e.requirements && e.requirements.length > 0) text += `\nRequirements: ${JSON.stringify(e.requirements)}`;
  if (e.hint) text += `\nWhat to do: ${e.hint}`;
  return text;
}

/** BC's message suffix: `  CorrelationId:  <guid>.` (two spaces each side, sometimes one). */
const CORRELATION_SUFFIX = /\s*CorrelationId:\s*([0-9a-fA-F-]{36})\.?\s*$/;

/** Splits BC's message into the text and the correlation id. */
export function stripCorrelationId(message: string): { message: string; correlationId?: string } {
  const match = CORRELATION_SUFFIX.exec(message);
  if (!match) return { message: message.trim() };
  return { message: message.slice(0, match.index).trim(), correlationId: match[1] };
}

const CORRELATION_HEADERS = [
  "ms-correlation-x",
  "x-ms-correlation-id",
  "request-id",
  "x-ms-request-id",
  "client-request-id",
];

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

/** Builds a BcApiError from an error response of the Automation or Admin Center API (both shapes understood). */
export function errorFromResponse(ctx: ResponseContext): BcApiError {
  let code = `HTTP${ctx.status}`;
  let message = "";
  let requirements: unknown[] | undefined;
  const parsed = tryJson(ctx.body);
  if (parsed && typeof parsed === "object") {
    const obj = parsed as Record<string, unknown>;
    const inner = obj.error;
    if (inner && typeof inner === "object") {
      // Automation / OData shape.
      const e = inner as Record<string, unknown>;
      code = typeof e.code === "string" && e.code ? e.code : code;
      message = typeof e.message === "string" ? e.message : "";
    } else if (typeof obj.error === "string") {
      // An OAuth-shaped body (should only come from Entra, but a gateway may answer so too).
      code = obj.error;
      message = typeof obj.error_description === "string" ? obj.error_description : "";
    } else if (typeof obj.code === "string" || typeof obj.message === "string") {
      // Admin Center shape.
      code = typeof obj.code === "string" && obj.code ? obj.code : code;
      message = typeof obj.message === "string" ? obj.message : "";
      const data = obj.data as Record<string, unknown> | undefined;
      if (data && Array.isArray(data.requirements)) requirements = data.requirements;
      if (Array.isArray(obj.clientError) && obj.clientError.length > 0) {
        const details = obj.clientError
          .map((c) => (c && typeof c === "object" ? (c as Record<string, unknown>).message : undefined))
          .filter((m): m is string => typeof m === "string");
        if (details.length > 0) message += ` (${details.join("; ")})`;
      }
    }
  }
  if (!message)
    message = ctx.body.trim() ? truncate(ctx.body.trim(), 500) : `the service answered HTTP ${ctx.status} with no body`;
  const stripped = stripCorrelationId(message);
  message = stripped.message;
  const correlationId = stripped.correlationId ?? headerValue(ctx.headers, CORRELATION_HEADERS);
  return new BcApiError({
    status: ctx.status,
    code,
    serviceMessage: message,
    correlationId,
    method: ctx.method,
    path: ctx.path,
    service: ctx.service,
    retryAfterMs: ctx.retryAfterMs,
    requirements,
    attempts: ctx.attempts,
    hint: hintFor(ctx.service, ctx.status, code, message, ctx.tokenRoles),
  });
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
export function errorFromEntra(
  err: unknown,
  ctx: { tenantId: string; clientId: string; authorityHost: string; credentialKind: string },
): BcApiError {
  const e = (err ?? {}) as MsalLikeError;
  const text = e.errorMessage || e.message || String(err);
  const aadsts = /AADSTS(\d+)/.exec(text);
  const code = aadsts ? `AADSTS${aadsts[1]}` : e.errorCode || "token_request_failed";
  // Entra appends "Trace ID / Correlation ID / Timestamp" lines; keep the first line and the correlation id.
  const firstLine = text.split(/\r?\n/)[0]?.trim() ?? text;
  const corr = /Correlation ID:\s*([0-9a-fA-F-]{36})/.exec(text)?.[1] ?? (e.correlationId || undefined);
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

// --- Hints ------------------------------------------------------------------------------------------------------

const AUTOMATION_ROLE = "Automation.ReadWrite.All";
const ADMIN_ROLE = "AdminCenter.ReadWrite.All";
const ENTRA_APPS_PAGE =
  "In Business Central, open the environment's \"Microsoft Entra applications\" page, add the app's client id " +
  "with State = Enabled, and assign the permission sets D365 AUTOMATION and EXTEN. MGT. - ADMIN";
const CONSENT =
  `In the Entra admin center, open the app registration › API permissions, add the application permission ` +
  `${AUTOMATION_ROLE} of "Dynamics 365 Business Central", and click "Grant admin consent"`;

function hintFor(
  service: Service,
  status: number,
  code: string,
  message: string,
  roles?: string[],
): string | undefined {
  if (service === "automation") {
    if (status === 401 || code.startsWith("Authentication_")) {
      if (roles && !roles.includes(AUTOMATION_ROLE)) {
        return `The access token has no ${AUTOMATION_ROLE} role (roles: ${roles.length ? roles.join(", ") : "none"}). ${CONSENT}.`;
      }
      return (
        "The token was issued but Business Central rejected it. Usually the app is not registered, or not Enabled, " +
        `in this environment: ${ENTRA_APPS_PAGE}. Otherwise: admin consent for ${AUTOMATION_ROLE} is missing ` +
        "(Entra app registration › API permissions › Grant admin consent), or the tenant/environment in the URL is not the app's. " +
        "Fresh registrations can take a minute to apply."
      );
    }
    if (status === 403 || code.startsWith("Authorization_")) {
      return (
        `The app is registered but lacks permissions in this environment. ${ENTRA_APPS_PAGE} ` +
        "(EXTEN. MGT. - ADMIN is needed for extensions; SUPER cannot be assigned to applications)."
      );
    }
    if (code === "Request_EntityChanged") {
      return "Someone changed the record since it was read. Run `pulumi refresh` and retry.";
    }
    if (code === "BadRequest_InvalidToken") return "The request needs an If-Match header (an ETag or *).";
    if (code === "Internal_CompanyNotFound") return "The company id does not exist in this environment.";
    if (status === 404 && /environment/i.test(message)) {
      return "Check the environment name (stack config businesscentral:environment or BC_ENVIRONMENT).";
    }
  }
  if (service === "admin") {
    if (status === 401 || status === 403) {
      return (
        `The Admin Center API needs the application permission ${ADMIN_ROLE} (with admin consent) and the app ` +
        'listed under "Authorized Microsoft Entra apps" in the Business Central admin center; app management also ' +
        `needs the app registered in the environment (${ENTRA_APPS_PAGE}).`
      );
    }
  }
  if (status === 429)
    return "Business Central is throttling this principal (6,000 requests per 5 minutes, 5 at a time). Wait and retry; reduce parallelism (pulumi up --parallel).";
  if (status === 503 || status === 504 || status === 408)
    return "Business Central is busy or the operation took too long; retry later.";
  return undefined;
}

function entraHint(
  code: string,
  oauthError: string | undefined,
  ctx: { tenantId: string; clientId: string; authorityHost: string; credentialKind: string },
): string | undefined {
  switch (code) {
    case "AADSTS7000215":
    case "AADSTS7000222":
      return (
        `The client secret is wrong or expired for app ${ctx.clientId}. Use the secret's Value (not its Secret ID) ` +
        "from Entra app registration › Certificates & secrets, or create a new one, and set it with " +
        "`pulumi config set --secret businesscentral:clientSecret` or AZURE_CLIENT_SECRET."
      );
    case "AADSTS700016":
      return (
        `No app with client id ${ctx.clientId} exists in tenant ${ctx.tenantId}. Check the client id ` +
        "(Application (client) ID on the app registration's overview) and that the tenant id is the tenant the app lives in; " +
        "a multi-tenant app must first be consented to in this tenant."
      );
    case "AADSTS90002":
    case "AADSTS900023":
      return (
        `Tenant '${ctx.tenantId}' was not found at ${ctx.authorityHost}. Check the tenant id (Directory (tenant) ID) ` +
        "and, for sovereign clouds, the authority host (businesscentral:authorityHost / AZURE_AUTHORITY_HOST)."
      );
    case "AADSTS500011":
      return (
        "Business Central is not available in this tenant, or the app has no consented permission on it. " +
        `${CONSENT}.`
      );
    case "AADSTS700027":
    case "AADSTS50027":
    case "AADSTS5002738":
      return (
        "The certificate used to sign the assertion is not registered on the app (or expired). Upload the " +
        "certificate (public part) under Entra app registration › Certificates & secrets › Certificates, and make " +
        "sure the PEM file holds that certificate with its matching private key."
      );
    case "AADSTS700024":
      return ctx.credentialKind === "federated"
        ? "The federated token has expired or is not yet valid. The CI system must refresh the token file; check the system clock."
        : "The client assertion is outside its valid time range; check the system clock.";
    case "AADSTS70021":
    case "AADSTS700211":
    case "AADSTS700212":
    case "AADSTS700213":
      return (
        "No federated identity credential on the app matches the presented token. In Entra app registration › " +
        "Certificates & secrets › Federated credentials, add one whose issuer, subject and audience " +
        "(api://AzureADTokenExchange) match your CI system's token."
      );
    case "AADSTS900384":
    case "AADSTS50166":
      return "Entra could not verify the federated token with its issuer; check the token file holds a current OIDC token from the configured issuer.";
    case "AADSTS7000112":
      return "The app (service principal) is disabled in the tenant. Enable it under Enterprise applications › Properties.";
    case "AADSTS1002012":
    case "AADSTS70011":
      return "The scope must be https://api.businesscentral.dynamics.com/.default.";
    case "AADSTS53003":
      return "A Conditional Access policy blocked the app. Exclude the workload identity from the policy.";
    default:
      if (oauthError === "invalid_client")
        return "The app credential was rejected; check the client id, tenant id and secret or certificate.";
      if (
        code === "token_request_failed" ||
        oauthError === "network_error" ||
        oauthError === "endpoints_resolution_error"
      ) {
        return `Could not reach the token service at ${ctx.authorityHost}. Check the authority host, network, proxy and CA settings.`;
      }
      return undefined;
  }
}

// --- Other failure kinds ------------------------------------------------------------------------------------------

/**
 * A non-repeatable request (company create, package import, extension upload, …) may or may not have taken effect:
 * the connection failed or the server answered 5xx after the request was sent. The caller must look the object up
 * by its identity before deciding to send it again.
 */
export class AmbiguousOutcomeError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly reason: string,
    override readonly cause?: unknown,
  ) {
    super(
      redactText(
        `${method} ${path} may or may not have taken effect (${reason}); it was not repeated automatically because ` +
          "repeating it could do the work twice. Check the object's state (the provider does this when it can) and run the update again.",
      ),
    );
    this.name = "AmbiguousOutcomeError";
  }
}

/** The request could not be completed: connection failures, timeouts, or the overall deadline ran out. */
export class TransportError extends Error {
  constructor(
    readonly kind: "timeout" | "connection" | "deadline" | "aborted" | "insecure",
    readonly method: string,
    readonly path: string,
    detail: string,
    readonly attempts = 1,
    override readonly cause?: unknown,
  ) {
    super(redactText(`${method} ${path}: ${detail}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}`));
    this.name = "TransportError";
  }
}

/** A response that does not have the shape the reference documents (missing or mistyped field). */
export class ResponseShapeError extends Error {
  constructor(
    readonly entity: string,
    readonly field: string,
    detail: string,
    readonly path?: string,
  ) {
    super(
      redactText(
        `Business Central returned ${/^[aeiou]/i.test(entity) ? "an" : "a"} ${entity} whose field '${field}' is not as expected: ${detail}` +
          `${path ? ` (from ${path})` : ""}. This provider may not support this BC version; please report it.`,
      ),
    );
    this.name = "ResponseShapeError";
  }
}

// --- Classifiers --------------------------------------------------------------------------------------------------

const isApi = (e: unknown): e is BcApiError => e instanceof BcApiError;

export function isNotFound(e: unknown): boolean {
  return (
    isApi(e) &&
    (e.status === 404 ||
      /NotFound$|^Internal_RecordNotFound$|^Internal_DataNotFoundFilter$|^ResourceDoesNotExist$|^environmentNotFound$/i.test(
        e.code,
      ))
  );
}

/** Stale ETag (`Request_EntityChanged`, 409/412) or any other 409. */
export function isConflict(e: unknown): boolean {
  return isApi(e) && (e.status === 409 || e.status === 412 || e.code === "Request_EntityChanged");
}

/** The object already exists (`Internal_EntityWithSameKeyExists`, Admin Center `resourceExists`). */
export function isDuplicate(e: unknown): boolean {
  return isApi(e) && /^Internal_EntityWithSameKeyExists$|^resourceExists$/i.test(e.code);
}

export function isThrottled(e: unknown): boolean {
  return isApi(e) && (e.status === 429 || e.status === 503);
}

export function isAuth(e: unknown): boolean {
  return (
    isApi(e) &&
    (e.service === "entra" || e.status === 401 || e.status === 403 || /^Authentication_|^Authorization_/.test(e.code))
  );
}

/** A request the service refused as invalid (bad input or a business rule): retrying the same request is pointless. */
export function isValidation(e: unknown): boolean {
  return (
    isApi(e) &&
    e.service !== "entra" &&
    (e.status === 400 || e.status === 422 || e.status === 405) &&
    !/^Authentication_|^Authorization_/.test(e.code)
  );
}

export function isAmbiguous(e: unknown): e is AmbiguousOutcomeError {
  return e instanceof AmbiguousOutcomeError;
}

// --- helpers ------------------------------------------------------------------------------------------------------

function tryJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function headerValue(headers: Record<string, string | string[] | undefined>, names: string[]): string | undefined {
  for (const name of names) {
    const v = headers[name];
    if (typeof v === "string" && v) return v;
    if (Array.isArray(v) && v[0]) return v[0];
  }
  return undefined;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
