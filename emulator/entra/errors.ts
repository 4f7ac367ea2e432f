/**
 * Entra ID (AADSTS) errors in the token service's wire format:
 *
 * ```json
 * {"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. …\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: 2016-01-09 02:02:12Z",
 *  "error_codes":[7000215],"timestamp":"2016-01-09 02:02:12Z","trace_id":"…","correlation_id":"…","error_uri":"…/error?code=7000215"}
 * ```
 *
 * Shape: learn.microsoft.com/entra/identity-platform/reference-error-codes ("Handling error codes in your
 * application"). Codes and texts: that page's table, the Azure SDK troubleshooting pages and error bodies quoted in
 * public issues; each constructor below names its source. Descriptions never contain a secret or an assertion.
 */

export class EntraError extends Error {
  constructor(
    /** HTTP status. */
    readonly status: number,
    /** OAuth `error` value. */
    readonly error: string,
    /** AADSTS number. */
    readonly code: number,
    /** Text after `AADSTSnnnn: `. */
    readonly description: string,
  ) {
    super(`AADSTS${code}: ${description}`);
    this.name = "EntraError";
  }
}

export interface ErrorContext {
  traceId: string;
  correlationId: string;
  now: Date;
  origin: string;
}

/** Entra's timestamp format: `2016-01-09 02:02:12Z`. */
export function entraTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

export function entraErrorBody(err: EntraError, ctx: ErrorContext): Record<string, unknown> {
  const timestamp = entraTimestamp(ctx.now);
  return {
    error: err.error,
    error_description:
      `AADSTS${err.code}: ${err.description}\r\n` +
      `Trace ID: ${ctx.traceId}\r\nCorrelation ID: ${ctx.correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [err.code],
    timestamp,
    trace_id: ctx.traceId,
    correlation_id: ctx.correlationId,
    error_uri: `${ctx.origin}/error?code=${err.code}`,
  };
}

/**
 * A request value quoted in an error text: at most 200 characters, control characters replaced. Only for values
 * that are not credentials (tenant, client id, scope, grant type, issuer, subject, audience, thumbprint).
 */
export function quoted(value: string): string {
  let clean = "";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    clean += code < 0x20 || code === 0x7f ? "?" : ch;
  }
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

const CERT_CREDENTIALS_DOC = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials";
const WORKLOAD_FEDERATION_DOC = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

// --- Tenant and endpoint -------------------------------------------------------------------------------------

/** AADSTS90002 InvalidTenantName (reference-error-codes; body quoted in public Q&A: 400 invalid_request). */
export const tenantNotFound = (tenant: string, error = "invalid_request") =>
  new EntraError(
    400,
    error,
    90002,
    `Tenant '${quoted(tenant)}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );

/** AADSTS900023: the tenant segment is neither a GUID nor a domain name. */
export const invalidTenantIdentifier = (tenant: string, error = "invalid_request") =>
  new EntraError(
    400,
    error,
    900023,
    `Specified tenant identifier '${quoted(tenant)}' is neither a valid DNS name, nor a valid external domain.`,
  );

/** AADSTS9001023 (reference-error-codes): client credentials sent to /common or /consumers. */
export const grantNotSupportedOnCommon = () =>
  new EntraError(
    400,
    "invalid_request",
    9001023,
    "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
  );

/** AADSTS50059 MissingTenantRealmAndNoUserInformationProvided (reference-error-codes): /organizations. */
export const noTenantInformation = () =>
  new EntraError(
    400,
    "invalid_request",
    50059,
    "No tenant-identifying information found in either the request or implied by any provided credentials.",
  );

/** AADSTS900561 BadResourceRequestInvalidRequest (reference-error-codes). */
export const methodNotAllowed = (validVerbs: string, verb: string) =>
  new EntraError(
    400,
    "invalid_request",
    900561,
    `The endpoint only accepts ${validVerbs} requests. Received a ${quoted(verb)} request.`,
  );

/** AADSTS9002313 InvalidRequest - Request is malformed or invalid (reference-error-codes). */
export const malformedRequest = (detail?: string) =>
  new EntraError(
    400,
    "invalid_request",
    9002313,
    `Invalid request. Request is malformed or invalid.${detail ? ` ${detail}` : ""}`,
  );

/** AADSTS50049 NoSuchInstanceForDiscovery (reference-error-codes). */
export const unknownInstance = () => new EntraError(400, "invalid_instance", 50049, "Unknown or invalid instance.");

/** AADSTS50000 TokenIssuanceError (reference-error-codes): an emulator fault. */
export const serverError = () =>
  new EntraError(
    500,
    "server_error",
    50000,
    "There was an error issuing a token or an issue with our sign-in service.",
  );

// --- Request parameters -------------------------------------------------------------------------------------

/** AADSTS900144 (reference-error-codes; 400 invalid_request bodies in MicrosoftDocs/azure-docs#43780). */
export const missingParameter = (name: string) =>
  new EntraError(400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`);

/** AADSTS70003 UnsupportedGrantType (reference-error-codes). */
export const unsupportedGrantType = (grantType: string) =>
  new EntraError(
    400,
    "unsupported_grant_type",
    70003,
    `The app requested an unsupported grant type '${quoted(grantType)}'.`,
  );

/** AADSTS1002012 (bodies quoted in MicrosoftDocs/azure-docs#99862, msgraph-sdk-python#181: invalid_scope). */
export const scopeWithoutDefault = (scope: string) =>
  new EntraError(
    400,
    "invalid_scope",
    1002012,
    `The provided value for scope ${quoted(scope)} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  );

/** AADSTS70011 InvalidScope (sample response on the reference-error-codes page). */
export const invalidScope = (scope: string) =>
  new EntraError(
    400,
    "invalid_scope",
    70011,
    `The provided value for the input parameter 'scope' is not valid. The scope ${quoted(scope)} is not valid.`,
  );

/** AADSTS500011 InvalidResourceServicePrincipalNotFound (reference-error-codes). */
export const resourceNotFound = (resource: string, tenantName: string) =>
  new EntraError(
    400,
    "invalid_resource",
    500011,
    `The resource principal named ${quoted(resource)} was not found in the tenant named ${quoted(tenantName)}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  );

// --- Client identification and secrets ----------------------------------------------------------------------

/** AADSTS700016 UnauthorizedClient_DoesNotMatchRequest (reference-error-codes; 400 unauthorized_client). */
export const applicationNotFound = (clientId: string, tenantName: string) =>
  new EntraError(
    400,
    "unauthorized_client",
    700016,
    `Application with identifier '${quoted(clientId)}' was not found in the directory '${quoted(tenantName)}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );

/** AADSTS7000218 (reference-error-codes; 401 invalid_client in public issues). */
export const missingClientCredential = () =>
  new EntraError(
    401,
    "invalid_client",
    7000218,
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  );

/** AADSTS7000215 (reference-error-codes; Azure SDK for Java troubleshooting; 401 invalid_client). */
export const invalidClientSecret = (clientId: string) =>
  new EntraError(
    401,
    "invalid_client",
    7000215,
    `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${quoted(clientId)}'.`,
  );

// --- Client assertions (certificate credentials) -------------------------------------------------------------

/** AADSTS50027 InvalidJwtToken (reference-error-codes): not a JWT, or a required claim missing. */
export const malformedAssertion = (detail: string) =>
  new EntraError(400, "invalid_request", 50027, `JWT token is invalid or malformed. ${detail}`);

/** AADSTS5002738 (error text seen from the token service for unsupported `alg` values). */
export const unsupportedAssertionAlgorithm = (alg: string) =>
  new EntraError(
    400,
    "invalid_request",
    5002738,
    `Invalid JWT token. '${quoted(alg)}' is not a supported signature algorithm. Supported signing algorithms are: 'RS256, PS256'.`,
  );

/** AADSTS50048 SubjectMismatchesIssuer (reference-error-codes). */
export const assertionSubjectMismatch = () =>
  new EntraError(401, "invalid_client", 50048, "Subject mismatches Issuer claim in the client assertion.");

/** AADSTS700021 (Azure SDK for Java troubleshooting, ClientAssertionCredential table). */
export const assertionClientMismatch = () =>
  new EntraError(
    401,
    "invalid_client",
    700021,
    `Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at ${CERT_CREDENTIALS_DOC} .`,
  );

/** AADSTS700023 (Azure SDK for Java troubleshooting, ClientAssertionCredential table). */
export const assertionAudienceMismatch = () =>
  new EntraError(
    401,
    "invalid_client",
    700023,
    `Client assertion audience claim does not match Realm issuer. Review the documentation at ${CERT_CREDENTIALS_DOC} .`,
  );

/** AADSTS700024 (text from AzureAD/microsoft-authentication-library-for-dotnet#4951). */
export const assertionOutsideValidity = (now: Date, notBefore: Date | undefined, expiry: Date | undefined) =>
  new EntraError(
    401,
    "invalid_client",
    700024,
    `Client assertion is not within its valid time range. Current time: ${dotnetTime(now)}, assertion valid from ${dotnetTime(notBefore ?? new Date(0))}, expiry time of assertion ${dotnetTime(expiry ?? new Date(0))}. Review the documentation at ${CERT_CREDENTIALS_DOC} .`,
  );

/**
 * AADSTS700027 "Client assertion contains an invalid signature" (Azure SDK for Java troubleshooting; reasons as in
 * bodies quoted in Azure/azure-sdk-for-net#29007 and microsoftgraph/msgraph-sdk-php#1585).
 */
export const assertionKeyNotFound = (thumbprintHex: string, clientId: string) =>
  new EntraError(
    401,
    "invalid_client",
    700027,
    `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${quoted(thumbprintHex)}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${quoted(clientId)}'.]`,
  );

export const assertionKeyExpired = (thumbprintHex: string, notBefore: Date, notAfter: Date) =>
  new EntraError(
    401,
    "invalid_client",
    700027,
    `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${quoted(thumbprintHex)}', Found key 'Start=${keyTime(notBefore)}, End=${keyTime(notAfter)}']`,
  );

export const assertionSignatureInvalid = (thumbprintHex: string, notBefore: Date, notAfter: Date) =>
  new EntraError(
    401,
    "invalid_client",
    700027,
    `Client assertion contains an invalid signature. [Reason - Key was found, but use of the key to verify the signature failed., Thumbprint of key used by client: '${quoted(thumbprintHex)}', Found key 'Start=${keyTime(notBefore)}, End=${keyTime(notAfter)}']`,
  );

/**
 * A `jti` presented twice while strict replay checking is on (EntraOptions.rejectReplayedAssertions). Entra has no
 * documented code for this; AADSTS50013 InvalidAssertion (reference-error-codes) is the closest.
 */
export const assertionReplayed = () =>
  new EntraError(
    401,
    "invalid_client",
    50013,
    "Assertion is invalid. The assertion's 'jti' has already been used; send a new assertion with a new 'jti'.",
  );

// --- Federated identity credentials ---------------------------------------------------------------------------

/** AADSTS70021 (400 invalid_request body in Azure/azure-workload-identity docs/book troubleshooting). */
export const noFederatedRecord = (issuer: string, subject: string, audience: string) =>
  new EntraError(
    400,
    "invalid_request",
    70021,
    `No matching federated identity record found for presented assertion. Assertion Issuer: '${quoted(issuer)}'. Assertion Subject: '${quoted(subject)}'. Assertion Audience: '${quoted(audience)}'. ${WORKLOAD_FEDERATION_DOC}`,
  );

/**
 * AADSTS700211 (issuer), AADSTS700212 (audience), AADSTS700213 (subject): texts from bodies quoted in
 * Azure/azure-workload-identity#1200 and Azure/login#517/#619; invalid_client.
 */
export const noFederatedRecordFor = (part: "issuer" | "audience" | "subject", value: string) =>
  new EntraError(
    401,
    "invalid_client",
    part === "issuer" ? 700211 : part === "audience" ? 700212 : 700213,
    `No matching federated identity record found for presented assertion ${part} '${quoted(value)}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${WORKLOAD_FEDERATION_DOC}`,
  );

/** AADSTS50166 (text seen for unreachable external OIDC issuers): the emulator reaches only its own issuers. */
export const externalIssuerUnreachable = () =>
  new EntraError(
    400,
    "invalid_request",
    50166,
    "Request to External OIDC endpoint failed. (The emulator can only verify tokens from its own issuers under /_oidc/.)",
  );

/** AADSTS900384 (reference-error-codes): the external token's signature does not verify. */
export const federatedSignatureInvalid = (issuer: string) =>
  new EntraError(
    401,
    "invalid_client",
    900384,
    `JWT token failed signature validation. External ID token from issuer '${quoted(issuer)}' failed signature verification.`,
  );

/** `2024-10-02T22:05:03.6755165Z`: .NET round-trip time, as in AADSTS700024. */
function dotnetTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}.${String(at.getUTCMilliseconds()).padStart(3, "0")}0000Z`;
}

/** `08/18/2024 19:33:23`: the key window format in AADSTS700027 reasons. */
function keyTime(at: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(at.getUTCMonth() + 1)}/${p(at.getUTCDate())}/${at.getUTCFullYear()} ${p(at.getUTCHours())}:${p(at.getUTCMinutes())}:${p(at.getUTCSeconds())}`;
}
