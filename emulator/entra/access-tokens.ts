/**
 * App-only access tokens for Business Central, as Entra issues them for the client credentials grant: RS256 JWTs
 * with header `kid`/`x5t` and the claims of a v2.0 app token (aud, iss, tid, azp/appid, roles, oid/sub, idtyp).
 */
import { createHash, randomBytes } from "node:crypto";
import { decodeJwt, signJwt, signatureValid } from "./jwt";
import type { CertifiedSigningKey } from "./signing-keys";

/** BC's resource (audience) and its Entra application id (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication). */
export const BC_RESOURCE = "https://api.businesscentral.dynamics.com";
export const BC_RESOURCE_APP_ID = "996def3d-b36c-4153-8607-a6fd3c01b89f";

/** At most this much clock skew when checking `exp`/`nbf` of access tokens. */
export const ACCESS_TOKEN_SKEW_SECONDS = 60;

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  azp: string;
  roles: string[];
  oid: string;
  sub: string;
  idtyp: "app";
  exp: number;
  nbf: number;
  iat: number;
  ver: "2.0";
}

export interface IssueRequest {
  issuer: string;
  tenantId: string;
  clientId: string;
  roles: string[];
  /** Seconds since the epoch. */
  now: number;
  lifetimeSeconds: number;
  /** How the client authenticated: "1" client secret, "2" certificate or federated assertion. */
  azpacr: "1" | "2";
}

export async function issueAccessToken(key: CertifiedSigningKey, request: IssueRequest): Promise<string> {
  const objectId = servicePrincipalObjectId(request.tenantId, request.clientId);
  const claims: Record<string, unknown> = {
    aud: BC_RESOURCE,
    iss: request.issuer,
    iat: request.now,
    nbf: request.now,
    exp: request.now + request.lifetimeSeconds,
    appid: request.clientId,
    azp: request.clientId,
    azpacr: request.azpacr,
    idtyp: "app",
    oid: objectId,
    // Entra omits `roles` when the app holds none.
    ...(request.roles.length > 0 ? { roles: [...request.roles] } : {}),
    sub: objectId,
    tid: request.tenantId,
    uti: randomBytes(16).toString("base64url"),
    ver: "2.0",
  };
  return signJwt({ alg: "RS256", typ: "JWT", kid: key.kid, x5t: key.x5t }, claims, key.privateKey);
}

/**
 * Verifies a token this emulator issued: RS256 signature with the current signing key, `exp`/`nbf` within
 * ACCESS_TOKEN_SKEW_SECONDS, `iss` accepted by `issuerAccepted(iss, tid)`, and the claim types. Throws an Error
 * otherwise; messages never contain the token.
 */
export async function verifyAccessToken(
  key: CertifiedSigningKey,
  token: string,
  now: number,
  issuerAccepted: (iss: string, tenantId: string) => boolean,
): Promise<AccessTokenClaims> {
  const decoded = decodeJwt(token);
  if (!decoded) throw new Error("The access token is not a JWT.");
  const { header, payload } = decoded;
  if (header.alg !== "RS256") throw new Error("The access token is not signed with RS256.");
  if (header.kid !== key.kid) throw new Error("The access token was signed with an unknown key.");
  if (!(await signatureValid(token, key.publicKey, ["RS256"]))) {
    throw new Error("The access token signature is invalid.");
  }
  const text = (name: string): string => {
    const value = payload[name];
    if (typeof value !== "string" || value === "") throw new Error(`The access token has no '${name}' claim.`);
    return value;
  };
  const seconds = (name: string): number => {
    const value = payload[name];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new Error(`The access token has no numeric '${name}' claim.`);
    }
    return value;
  };
  const tid = text("tid");
  const iss = text("iss");
  if (!issuerAccepted(iss, tid)) {
    throw new Error("The access token issuer is not this emulator's issuer for its tenant.");
  }
  const exp = seconds("exp");
  const nbf = seconds("nbf");
  const iat = seconds("iat");
  if (exp + ACCESS_TOKEN_SKEW_SECONDS <= now) throw new Error("The access token has expired.");
  if (nbf - ACCESS_TOKEN_SKEW_SECONDS > now) throw new Error("The access token is not yet valid.");
  if (payload.idtyp !== "app") throw new Error("The access token is not an app-only token.");
  if (payload.ver !== "2.0") throw new Error("The access token is not a v2.0 token.");
  const roles = payload.roles === undefined ? [] : payload.roles;
  if (!Array.isArray(roles) || roles.some((r) => typeof r !== "string")) {
    throw new Error("The access token 'roles' claim is not a list of strings.");
  }
  return {
    aud: text("aud"),
    iss,
    tid,
    appid: text("appid"),
    azp: text("azp"),
    roles: roles as string[],
    oid: text("oid"),
    sub: text("sub"),
    idtyp: "app",
    exp,
    nbf,
    iat,
    ver: "2.0",
  };
}

/** The app's service principal object id in a tenant: a stable name-based (v5-style) UUID, nothing stored. */
export function servicePrincipalObjectId(tenantId: string, clientId: string): string {
  const bytes = createHash("sha1")
    .update(`pulumi-businesscentral-emulator/service-principal/${tenantId.toLowerCase()}/${clientId.toLowerCase()}`)
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
