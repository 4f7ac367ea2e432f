/**
 * Entra's metadata documents: the tenant's OpenID configuration, MSAL's cloud instance discovery and the JWKS.
 * Field sets follow what login.microsoftonline.com serves for v2.0 (the fields MSAL reads:
 * authorization_endpoint, token_endpoint, issuer, jwks_uri; plus the rest of the real document).
 */
import { invalidTenantIdentifier, tenantNotFound, unknownInstance } from "./errors";
import type { TenantRef } from "./tenants";

/** The tenant id Entra puts in `issuer` for consumer (MSA) accounts. */
const CONSUMERS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad";

/** `${origin}/${tenantId}/v2.0` */
export function issuerFor(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/v2.0`;
}

/** The tenant a discovery document is for: its id, or the meta tenant's path segment and issuer template. */
function documentTenant(ref: TenantRef): { pathSegment: string; issuerTenant: string } {
  switch (ref.kind) {
    case "tenant":
      return { pathSegment: ref.tenant.id, issuerTenant: ref.tenant.id };
    case "meta":
      return {
        pathSegment: ref.name,
        issuerTenant: ref.name === "consumers" ? CONSUMERS_TENANT_ID : "{tenantid}",
      };
    case "invalid":
      throw invalidTenantIdentifier(ref.segment, "invalid_tenant");
    case "unknown":
      throw tenantNotFound(ref.segment, "invalid_tenant");
  }
}

export function openIdConfiguration(origin: string, ref: TenantRef): Record<string, unknown> {
  const { pathSegment, issuerTenant } = documentTenant(ref);
  const base = `${origin}/${pathSegment}`;
  const regional = ref.kind === "tenant" ? { tenant_region_scope: "WW" } : { tenant_region_scope: null };
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: issuerFor(origin, issuerTenant),
    request_uri_parameter_supported: false,
    userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    kerberos_endpoint: `${base}/kerberos`,
    ...regional,
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

/**
 * MSAL's instance discovery (`/common/discovery/instance?api-version=1.1&authorization_endpoint=…`): the emulator
 * is its own single cloud, so the metadata lists only its host:port. An `authorization_endpoint` on another host
 * is an unknown instance (AADSTS50049).
 */
export function instanceDiscovery(origin: string, pathTenant: string, url: URL): Record<string, unknown> {
  const host = new URL(origin).host;
  let tenant = pathTenant;
  const authorizationEndpoint = url.searchParams.get("authorization_endpoint");
  if (authorizationEndpoint) {
    let endpoint: URL;
    try {
      endpoint = new URL(authorizationEndpoint);
    } catch {
      throw unknownInstance();
    }
    if (endpoint.protocol !== "https:" || endpoint.host.toLowerCase() !== host.toLowerCase()) throw unknownInstance();
    tenant = endpoint.pathname.split("/")[1] || pathTenant;
  }
  return {
    tenant_discovery_endpoint: `${origin}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": url.searchParams.get("api-version") ?? "1.1",
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

/** The issuer a JWKS entry names (Entra's tenant-specific keys carry it). */
export function jwksIssuer(origin: string, ref: TenantRef): string {
  return issuerFor(origin, documentTenant(ref).issuerTenant);
}
