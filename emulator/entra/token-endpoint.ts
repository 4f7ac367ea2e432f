/**
 * `POST /{tenant}/oauth2/v2.0/token` for the client credentials grant (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication): client secret in the body
 * or HTTP Basic, certificate assertion, or federated assertion; scope BC's `/.default`.
 */
import type { IncomingMessage } from "node:http";
import type { EmulatorState } from "../state/model";
import { BC_RESOURCE, BC_RESOURCE_APP_ID, issueAccessToken } from "./access-tokens";
import { type ReplayCache, checkClientAssertion, checkClientSecret } from "./assertions";
import { issuerFor } from "./discovery";
import {
  applicationNotFound,
  grantNotSupportedOnCommon,
  invalidScope,
  invalidTenantIdentifier,
  malformedRequest,
  methodNotAllowed,
  missingClientCredential,
  missingParameter,
  noTenantInformation,
  resourceNotFound,
  scopeWithoutDefault,
  tenantNotFound,
  unsupportedGrantType,
} from "./errors";
import type { LocalOidcIssuers } from "./federated-issuer";
import { basicCredentials, readForm, single } from "./form";
import type { CertifiedSigningKey } from "./signing-keys";
import { findApp, resolveTenant, tenantDisplayName } from "./tenants";

export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);
const DEFAULT_SUFFIX = "/.default";
const FALLBACK_LIFETIME_SECONDS = 3600;

export interface TokenEndpointDeps {
  state: () => EmulatorState;
  origin: () => string;
  /** Seconds since the epoch. */
  now: () => number;
  lifetimeSeconds: () => number;
  signingKey: CertifiedSigningKey;
  issuers: LocalOidcIssuers;
  /** Present when reused assertion `jti` values are refused. */
  replay?: ReplayCache;
}

export interface TokenResponse {
  token_type: "Bearer";
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
}

/** Answers a token request: the success body, or throws an EntraError. */
export async function handleTokenRequest(
  req: IncomingMessage,
  tenantSegment: string,
  deps: TokenEndpointDeps,
): Promise<TokenResponse> {
  if (req.method !== "POST") {
    req.resume();
    throw methodNotAllowed("POST", req.method ?? "");
  }
  const form = await readForm(req);
  const ref = resolveTenant(deps.state(), tenantSegment);
  if (ref.kind === "invalid") throw invalidTenantIdentifier(ref.segment);
  if (ref.kind === "unknown") throw tenantNotFound(ref.segment);

  const grantType = single(form, "grant_type");
  if (!grantType) throw missingParameter("grant_type");
  if (grantType !== "client_credentials") throw unsupportedGrantType(grantType);
  if (ref.kind === "meta") throw ref.name === "organizations" ? noTenantInformation() : grantNotSupportedOnCommon();
  const tenant = ref.tenant;

  const basic = basicCredentials(req);
  let clientId = single(form, "client_id");
  if (basic) {
    if (clientId && clientId !== basic.clientId) {
      throw malformedRequest("The client_id in the body differs from the one in the Authorization header.");
    }
    clientId = basic.clientId;
  }
  if (!clientId) throw missingParameter("client_id");
  const scope = single(form, "scope");
  if (!scope) throw missingParameter("scope");
  const app = findApp(tenant, clientId);
  if (!app) throw applicationNotFound(clientId, tenantDisplayName(tenant));

  const secret = single(form, "client_secret");
  const assertion = single(form, "client_assertion");
  const assertionType = single(form, "client_assertion_type");
  if ([basic, secret, assertion].filter((m) => m !== undefined).length > 1) {
    throw malformedRequest("Use one client authentication method: client_secret, client_assertion or HTTP Basic.");
  }
  const now = deps.now();
  let azpacr: "1" | "2";
  if (assertion !== undefined || assertionType !== undefined) {
    if (!assertionType) throw missingParameter("client_assertion_type");
    if (assertionType !== JWT_BEARER_ASSERTION) {
      throw malformedRequest(`The 'client_assertion_type' must be '${JWT_BEARER_ASSERTION}'.`);
    }
    if (!assertion) throw missingParameter("client_assertion");
    await checkClientAssertion(
      { tenant, app, clientId, origin: deps.origin(), now, issuers: deps.issuers, replay: deps.replay },
      assertion,
    );
    azpacr = "2";
  } else if (secret !== undefined || basic) {
    checkClientSecret(app, clientId, secret ?? basic?.secret ?? "");
    azpacr = "1";
  } else {
    throw missingClientCredential();
  }

  checkScope(scope, tenantDisplayName(tenant));
  const lifetime = tokenLifetime(deps.lifetimeSeconds());
  const accessToken = await issueAccessToken(deps.signingKey, {
    issuer: issuerFor(deps.origin(), tenant.id),
    tenantId: tenant.id,
    clientId: app.clientId,
    roles: app.grantedRoles,
    now,
    lifetimeSeconds: lifetime,
    azpacr,
  });
  return { token_type: "Bearer", expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken };
}

/**
 * Client credentials need exactly one resource with `/.default` (AADSTS1002012 otherwise); the only resource the
 * emulator knows is Business Central, by URL or by its application id (AADSTS500011 for others). OpenID scopes
 * next to it are ignored.
 */
function checkScope(scope: string, tenantName: string): void {
  const requested = scope.split(/\s+/).filter((s) => s !== "");
  const resources = requested.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
  if (resources.length === 0) throw scopeWithoutDefault(scope);
  for (const s of resources) if (!s.toLowerCase().endsWith(DEFAULT_SUFFIX)) throw scopeWithoutDefault(s);
  const names = resources.map((s) => s.slice(0, -DEFAULT_SUFFIX.length));
  const distinct = new Set(names.map((n) => n.toLowerCase().replace(/\/+$/, "")));
  if (distinct.size !== 1 || distinct.has("")) throw invalidScope(scope);
  const resource = [...distinct][0];
  if (resource !== BC_RESOURCE.toLowerCase() && resource !== BC_RESOURCE_APP_ID) {
    throw resourceNotFound(names[0]!, tenantName);
  }
}

function tokenLifetime(configured: number): number {
  return Number.isFinite(configured) && configured >= 1 ? Math.floor(configured) : FALLBACK_LIFETIME_SECONDS;
}
