/**
 * Client authentication for the client credentials grant: client secrets, certificate assertions (a JWT signed
 * with the private key of a certificate registered on the app) and federated assertions (a JWT from an issuer the
 * app trusts through a federated identity credential).
 *
 * Certificate assertion rules: learn.microsoft.com/entra/identity-platform/certificate-credentials (header
 * `x5t`/`x5t#S256`, `aud` = the token endpoint, `iss` = `sub` = client id, `exp`, `nbf`, `jti`).
 */
import { X509Certificate, createHash, timingSafeEqual } from "node:crypto";
import type { EntraApp, TenantState } from "../state/model";
import {
  assertionAudienceMismatch,
  assertionClientMismatch,
  assertionKeyExpired,
  assertionKeyNotFound,
  assertionOutsideValidity,
  assertionReplayed,
  assertionSignatureInvalid,
  assertionSubjectMismatch,
  externalIssuerUnreachable,
  federatedSignatureInvalid,
  invalidClientSecret,
  malformedAssertion,
  noFederatedRecord,
  noFederatedRecordFor,
  unsupportedAssertionAlgorithm,
} from "./errors";
import { LocalOidcIssuers } from "./federated-issuer";
import { type JsonObject, audiences, claimDate, decodeJwt, signatureValid } from "./jwt";
import { isGuid } from "./tenants";

/** Clock skew tolerated on assertion `exp`/`nbf`. */
export const ASSERTION_SKEW_SECONDS = 300;
const CERTIFICATE_ALGORITHMS = ["RS256", "PS256"];
const FEDERATED_ALGORITHMS = ["RS256"];

export type ClientAuthMethod = "secret" | "certificate" | "federated";

export interface AssertionContext {
  tenant: TenantState;
  app: EntraApp;
  /** The client id as the request sent it. */
  clientId: string;
  origin: string;
  /** Seconds since the epoch. */
  now: number;
  issuers: LocalOidcIssuers;
  /** Present when reused `jti` values are refused. */
  replay?: ReplayCache;
}

/** Compares a presented secret with every registered secret in constant time (per comparison). */
export function checkClientSecret(app: EntraApp, clientId: string, presented: string): void {
  const digest = createHash("sha256").update(presented, "utf8").digest();
  let match = false;
  for (const secret of app.secrets) {
    const candidate = createHash("sha256").update(secret, "utf8").digest();
    if (timingSafeEqual(digest, candidate)) match = true;
  }
  if (!match) throw invalidClientSecret(clientId);
}

/**
 * Validates a `client_assertion`. An assertion whose `iss` is a GUID is a certificate assertion (its `iss` must be
 * the client id); any other issuer makes it a federated assertion.
 */
export async function checkClientAssertion(ctx: AssertionContext, assertion: string): Promise<ClientAuthMethod> {
  const decoded = decodeJwt(assertion);
  if (!decoded) throw malformedAssertion("The client assertion is not a JWT.");
  const iss = decoded.payload.iss;
  if (typeof iss !== "string" || iss === "") throw malformedAssertion("The client assertion has no 'iss' claim.");
  if (isGuid(iss)) {
    await checkCertificateAssertion(ctx, assertion, decoded.header, decoded.payload, iss);
    return "certificate";
  }
  await checkFederatedAssertion(ctx, assertion, decoded.header, decoded.payload, iss);
  return "federated";
}

async function checkCertificateAssertion(
  ctx: AssertionContext,
  assertion: string,
  header: JsonObject,
  payload: JsonObject,
  iss: string,
): Promise<void> {
  if (payload.sub !== iss) throw assertionSubjectMismatch();
  if (iss.toLowerCase() !== ctx.clientId.toLowerCase()) throw assertionClientMismatch();
  const alg = typeof header.alg === "string" ? header.alg : "";
  if (!CERTIFICATE_ALGORITHMS.includes(alg)) throw unsupportedAssertionAlgorithm(alg || "none");

  const thumbprint = presentedThumbprint(header);
  if (!thumbprint) throw assertionKeyNotFound("", ctx.clientId);
  const cert = registeredCertificates(ctx.app).find((c) =>
    createHash(thumbprint.hash).update(c.raw).digest().equals(thumbprint.value),
  );
  const hex = thumbprint.value.toString("hex").toUpperCase();
  if (!cert) throw assertionKeyNotFound(hex, ctx.clientId);
  const validFrom = new Date(cert.validFrom);
  const validTo = new Date(cert.validTo);
  const nowMs = ctx.now * 1000;
  if (nowMs < validFrom.getTime() || nowMs > validTo.getTime()) throw assertionKeyExpired(hex, validFrom, validTo);
  if (!(await signatureValid(assertion, cert.publicKey, [alg]))) {
    throw assertionSignatureInvalid(hex, validFrom, validTo);
  }

  const expected = tokenEndpointAudiences(ctx.origin, ctx.tenant);
  if (!audiences(payload.aud).some((a) => expected.has(normalizeEndpoint(a)))) throw assertionAudienceMismatch();
  checkValidity(ctx.now, payload);
  const jti = payload.jti;
  if (typeof jti !== "string" || jti === "") throw malformedAssertion("The client assertion has no 'jti' claim.");
  remember(ctx, `${iss.toLowerCase()}|${jti}`, payload);
}

async function checkFederatedAssertion(
  ctx: AssertionContext,
  assertion: string,
  header: JsonObject,
  payload: JsonObject,
  iss: string,
): Promise<void> {
  const sub = typeof payload.sub === "string" ? payload.sub : "";
  const aud = audiences(payload.aud);
  if (sub === "") throw malformedAssertion("The client assertion has no 'sub' claim.");
  if (aud.length === 0) throw malformedAssertion("The client assertion has no 'aud' claim.");
  const credentials = ctx.app.federatedCredentials;
  if (credentials.length === 0) throw noFederatedRecord(iss, sub, aud.join(","));
  const fromIssuer = credentials.filter((c) => c.issuer === iss);
  if (fromIssuer.length === 0) throw noFederatedRecordFor("issuer", iss);

  const alg = typeof header.alg === "string" ? header.alg : "";
  if (!FEDERATED_ALGORITHMS.includes(alg)) throw unsupportedAssertionAlgorithm(alg || "none");
  const issuerName = LocalOidcIssuers.localIssuerName(iss);
  if (!issuerName) throw externalIssuerUnreachable();
  const key = await ctx.issuers.key(issuerName);
  if (header.kid !== undefined && header.kid !== key.kid) throw federatedSignatureInvalid(iss);
  if (!(await signatureValid(assertion, key.publicKey, FEDERATED_ALGORITHMS))) throw federatedSignatureInvalid(iss);
  checkValidity(ctx.now, payload);

  const forSubject = fromIssuer.filter((c) => c.subject === sub);
  if (forSubject.length === 0) throw noFederatedRecordFor("subject", sub);
  if (!forSubject.some((c) => aud.includes(c.audience))) throw noFederatedRecordFor("audience", aud.join(","));
  const jti = payload.jti;
  if (typeof jti === "string" && jti !== "") remember(ctx, `${iss}|${jti}`, payload);
}

function checkValidity(now: number, payload: JsonObject): void {
  const exp = claimDate(payload.exp);
  if (!exp) throw malformedAssertion("The client assertion has no 'exp' claim.");
  const nbf = claimDate(payload.nbf);
  if (payload.nbf !== undefined && !nbf) throw malformedAssertion("The client assertion 'nbf' claim is not a number.");
  const nowMs = now * 1000;
  const skewMs = ASSERTION_SKEW_SECONDS * 1000;
  if (exp.getTime() + skewMs <= nowMs || (nbf && nbf.getTime() - skewMs > nowMs)) {
    throw assertionOutsideValidity(new Date(nowMs), nbf, exp);
  }
}

function remember(ctx: AssertionContext, key: string, payload: JsonObject): void {
  if (!ctx.replay) return;
  const exp = typeof payload.exp === "number" ? payload.exp : ctx.now;
  if (!ctx.replay.remember(key, exp + ASSERTION_SKEW_SECONDS, ctx.now)) throw assertionReplayed();
}

/** The certificate thumbprint the assertion header names: `x5t#S256` (SHA-256) preferred, else `x5t` (SHA-1). */
function presentedThumbprint(header: JsonObject): { hash: "sha256" | "sha1"; value: Buffer } | undefined {
  const s256 = header["x5t#S256"];
  if (typeof s256 === "string" && s256 !== "") return { hash: "sha256", value: Buffer.from(s256, "base64url") };
  const s1 = header.x5t;
  if (typeof s1 === "string" && s1 !== "") return { hash: "sha1", value: Buffer.from(s1, "base64url") };
  return undefined;
}

function registeredCertificates(app: EntraApp): X509Certificate[] {
  const certs: X509Certificate[] = [];
  for (const pem of app.certificates) {
    try {
      certs.push(new X509Certificate(pem));
    } catch {
      // An unreadable registration matches nothing.
    }
  }
  return certs;
}

/** The token endpoint URLs a certificate assertion may name as `aud`: one per tenant id or verified domain. */
function tokenEndpointAudiences(origin: string, tenant: TenantState): Set<string> {
  return new Set(
    [tenant.id, ...tenant.domains].map((alias) => normalizeEndpoint(`${origin}/${alias}/oauth2/v2.0/token`)),
  );
}

function normalizeEndpoint(url: string): string {
  return url.toLowerCase().replace(/\/+$/, "");
}

/** Remembers assertion ids until they expire. */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  /** Records `key` until `until` (seconds); false when it is already recorded and not yet expired. */
  remember(key: string, until: number, now: number): boolean {
    for (const [k, expiry] of this.seen) if (expiry <= now) this.seen.delete(k);
    if (this.seen.has(key)) return false;
    this.seen.set(key, until);
    return true;
  }
}
