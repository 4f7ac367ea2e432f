/**
 * Which Entra authority MSAL talks to, and how to stop it from talking to anyone else.
 *
 * For Microsoft's own hosts (public and sovereign clouds) MSAL's built-in knowledge is right. For any other host
 * (the emulator, an ADFS-like test server) we declare the host a known authority and hand MSAL the cloud discovery
 * and endpoint metadata ourselves, so it never asks `login.microsoftonline.com` for instance discovery nor fetches
 * an OpenID configuration: the only request it sends is the token POST to our host.
 */

/** Entra hosts of the public and sovereign clouds (MSAL's own alias list, plus the US Gov / China hosts). */
export const MICROSOFT_AUTHORITY_HOSTS = new Set([
  "login.microsoftonline.com",
  "login.microsoft.com",
  "login.windows.net",
  "sts.windows.net",
  "login.microsoftonline.us",
  "login.usgovcloudapi.net",
  "login-us.microsoftonline.com",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
  "login.microsoftonline.de",
]);

export interface MsalAuthorityOptions {
  authority: string;
  knownAuthorities?: string[];
  authorityMetadata?: string;
  cloudDiscoveryMetadata?: string;
  /** Origins the token client may contact; undefined for Microsoft clouds (MSAL may use their aliases). */
  allowedOrigins?: string[];
  /** The token endpoint, for messages and the debug log. */
  tokenEndpoint: string;
}

export function isMicrosoftAuthorityHost(authorityHost: string): boolean {
  return MICROSOFT_AUTHORITY_HOSTS.has(new URL(authorityHost).hostname.toLowerCase());
}

export function msalAuthorityOptions(authorityHost: string, tenantId: string): MsalAuthorityOptions {
  const url = new URL(authorityHost);
  const authority = `${url.origin}/${encodeURIComponent(tenantId)}`;
  const tokenEndpoint = `${authority}/oauth2/v2.0/token`;
  if (MICROSOFT_AUTHORITY_HOSTS.has(url.hostname.toLowerCase())) return { authority, tokenEndpoint };
  const host = url.host; // hostname[:port], as MSAL compares it
  const authorityMetadata = {
    token_endpoint: tokenEndpoint,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    issuer: `${authority}/v2.0`,
    jwks_uri: `${authority}/discovery/v2.0/keys`,
  };
  const cloudDiscoveryMetadata = {
    tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
  return {
    authority,
    knownAuthorities: [host],
    authorityMetadata: JSON.stringify(authorityMetadata),
    cloudDiscoveryMetadata: JSON.stringify(cloudDiscoveryMetadata),
    allowedOrigins: [url.origin],
    tokenEndpoint,
  };
}
