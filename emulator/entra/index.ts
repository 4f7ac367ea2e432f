/**
 * The emulator's Microsoft Entra ID: discovery, JWKS, the client credentials token endpoint, and verification of
 * the access tokens it issues. Routes (all on the emulator's single HTTPS origin):
 *
 * - `GET  /{tenant}/v2.0/.well-known/openid-configuration` (also `/{tenant}/.well-known/openid-configuration`)
 * - `GET  /{tenant}/discovery/instance` (MSAL instance discovery; usually `/common/…`)
 * - `GET  /{tenant}/discovery/v2.0/keys` (also `/{tenant}/discovery/keys`)
 * - `POST /{tenant}/oauth2/v2.0/token`
 * - `/{tenant}/oauth2/v2.0/{authorize,devicecode,logout}`, `/{tenant}/oauth2/{token,authorize}`: Entra-shaped 400s
 *   (only the client credentials grant is emulated)
 * - `GET  /_oidc/{name}/.well-known/openid-configuration`, `GET /_oidc/{name}/jwks`: test OIDC issuers for
 *   federated credentials
 *
 * `{tenant}` is a tenant id, one of its domains, or `common`/`organizations`/`consumers`.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as path from "node:path";
import { sendJson } from "../http";
import type { EmulatorState } from "../state/model";
import { type AccessTokenClaims, verifyAccessToken } from "./access-tokens";
import { ReplayCache } from "./assertions";
import { instanceDiscovery, issuerFor, jwksIssuer, openIdConfiguration } from "./discovery";
import {
  EntraError,
  type ErrorContext,
  entraErrorBody,
  malformedRequest,
  methodNotAllowed,
  serverError,
} from "./errors";
import { LocalOidcIssuers, type MintFederatedTokenOptions, OIDC_PREFIX } from "./federated-issuer";
import { type CertifiedSigningKey, loadOrCreateSigningKey, publicJwk } from "./signing-keys";
import { handleTokenRequest } from "./token-endpoint";
import { isGuid, resolveTenant } from "./tenants";

export type { AccessTokenClaims } from "./access-tokens";
export { BC_RESOURCE, BC_RESOURCE_APP_ID } from "./access-tokens";
export { DEFAULT_FEDERATED_AUDIENCE, type MintFederatedTokenOptions } from "./federated-issuer";
export { EntraError } from "./errors";

export interface EntraOptions {
  /** Lifetime of issued access tokens (read on every request, so it may be changed at run time). */
  tokenLifetimeSeconds: number;
  /**
   * Refuse a client assertion whose `jti` was already presented (until it expires). Off by default: Entra accepts
   * a reused assertion within its lifetime, and MSAL relies on that (msal-node caches the certificate assertion it
   * signs and resends it, same `jti`, for up to 10 minutes).
   */
  rejectReplayedAssertions?: boolean;
}

export interface Entra {
  /** Handles Entra routes; resolves false when the path is not one of them (then the server routes elsewhere). */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /**
   * Verifies an access token this emulator issued: RS256 signature against the current signing key, exp/nbf
   * (60 s skew at most), iss. Throws an Error on any problem (the caller maps it to BC's 401). Does NOT check
   * audience/tenant/roles (the caller does).
   */
  verifyAccessToken(token: string): Promise<AccessTokenClaims>;
  /** The issuer for a tenant id: `${origin}/${tid}/v2.0`. */
  issuer(tenantId: string): string;
  /**
   * Mints a CI-style OIDC token from the emulator's issuer `${origin}/_oidc/${name}` (created on first use, key
   * persisted), for federated credentials whose issuer is that URL. Default audience `api://AzureADTokenExchange`.
   */
  mintFederatedToken(name: string, options: MintFederatedTokenOptions): Promise<string>;
  /** The issuer URL of the emulator's OIDC issuer `name`: `${origin}/_oidc/${name}`. */
  federatedIssuer(name: string): string;
}

export interface EntraDeps {
  state: () => EmulatorState;
  origin: () => string;
  stateDir: string;
  options: EntraOptions;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
}

type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => Promise<void>;

interface RequestContext extends ErrorContext {
  /** The client's `client-request-id`, echoed back. */
  clientRequestId?: string;
  url: URL;
}

export async function createEntra(deps: EntraDeps): Promise<Entra> {
  const stateDir = path.resolve(deps.stateDir);
  const signingKey = await loadOrCreateSigningKey(stateDir);
  const nowMs = deps.now ?? Date.now;
  const nowSeconds = () => Math.floor(nowMs() / 1000);
  const issuers = new LocalOidcIssuers(stateDir, deps.origin, nowSeconds);
  const replay = new ReplayCache();

  const routes = routeTable(deps, signingKey, issuers, nowSeconds, replay);

  return {
    async handle(req, res, url) {
      let handler: RouteHandler | undefined;
      try {
        handler = routes(url);
      } catch {
        return false;
      }
      if (!handler) return false;
      const ctx = requestContext(req, url, deps.origin(), nowMs);
      try {
        await handler(req, res, ctx);
      } catch (err) {
        try {
          sendError(req, res, err, ctx);
        } catch {
          res.destroy();
        }
      }
      return true;
    },
    verifyAccessToken: (token) =>
      verifyAccessToken(
        signingKey,
        token,
        nowSeconds(),
        (iss, tid) => iss === issuerFor(deps.origin(), tid) || isEarlierLoopbackIssuer(iss, tid),
      ),
    issuer: (tenantId) => issuerFor(deps.origin(), tenantId),
    mintFederatedToken: (name, options) => issuers.mint(name, options),
    federatedIssuer: (name) => issuers.issuerUrl(name),
  };
}

function routeTable(
  deps: EntraDeps,
  signingKey: CertifiedSigningKey,
  issuers: LocalOidcIssuers,
  nowSeconds: () => number,
  replay: ReplayCache,
): (url: URL) => RouteHandler | undefined {
  const openIdConfig: (tenant: string) => RouteHandler = (tenant) => async (req, res, ctx) => {
    requireGet(req);
    const ref = resolveTenant(deps.state(), tenant);
    sendMetadata(res, ctx, openIdConfiguration(deps.origin(), ref));
  };
  const keys: (tenant: string) => RouteHandler = (tenant) => async (req, res, ctx) => {
    requireGet(req);
    const ref = resolveTenant(deps.state(), tenant);
    const issuer = jwksIssuer(deps.origin(), ref);
    sendMetadata(res, ctx, { keys: [publicJwk(signingKey, { issuer })] });
  };
  const instance: (tenant: string) => RouteHandler = (tenant) => async (req, res, ctx) => {
    requireGet(req);
    sendMetadata(res, ctx, instanceDiscovery(deps.origin(), tenant, ctx.url));
  };
  const token: (tenant: string) => RouteHandler = (tenant) => async (req, res, ctx) => {
    const body = await handleTokenRequest(req, tenant, {
      state: deps.state,
      origin: deps.origin,
      now: nowSeconds,
      lifetimeSeconds: () => deps.options.tokenLifetimeSeconds,
      signingKey,
      issuers,
      replay: deps.options.rejectReplayedAssertions ? replay : undefined,
    });
    sendJson(res, 200, body, noStoreHeaders(ctx));
  };
  const notEmulated: RouteHandler = async (req) => {
    req.resume();
    throw malformedRequest("The emulator implements only the client credentials grant at /oauth2/v2.0/token.");
  };
  const oidcDiscovery: (name: string) => RouteHandler = (name) => async (req, res, ctx) => {
    requireGet(req);
    sendMetadata(res, ctx, issuers.discovery(name));
  };
  const oidcKeys: (name: string) => RouteHandler = (name) => async (req, res, ctx) => {
    requireGet(req);
    sendMetadata(res, ctx, await issuers.jwks(name));
  };

  return (url) => {
    const segments = url.pathname.split("/").slice(1);
    if (url.pathname.startsWith(OIDC_PREFIX)) {
      const name = segments[1] ?? "";
      if (!LocalOidcIssuers.isValidName(name)) return undefined;
      const rest = segments.slice(2).join("/");
      if (rest === ".well-known/openid-configuration") return oidcDiscovery(name);
      if (rest === "jwks") return oidcKeys(name);
      return undefined;
    }
    if (segments.length < 2) return undefined;
    const tenant = segments[0]!;
    switch (segments.slice(1).join("/")) {
      case "v2.0/.well-known/openid-configuration":
      case ".well-known/openid-configuration":
        return openIdConfig(tenant);
      case "discovery/instance":
        return instance(tenant);
      case "discovery/v2.0/keys":
      case "discovery/keys":
        return keys(tenant);
      case "oauth2/v2.0/token":
        return token(tenant);
      case "oauth2/v2.0/authorize":
      case "oauth2/v2.0/devicecode":
      case "oauth2/v2.0/logout":
      case "oauth2/token":
      case "oauth2/authorize":
        return notEmulated;
      default:
        return undefined;
    }
  };
}

/**
 * `https://{loopback}:{port}/{tid}/v2.0`: this emulator's issuer before a restart on another port. The token is
 * still ours (the signing key is persisted and was checked), so it survives the restart like a real token would.
 */
function isEarlierLoopbackIssuer(iss: string, tenantId: string): boolean {
  try {
    const url = new URL(iss);
    return (
      url.protocol === "https:" &&
      ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) &&
      !url.username &&
      !url.password &&
      !url.search &&
      !url.hash &&
      url.pathname === `/${tenantId}/v2.0`
    );
  } catch {
    return false;
  }
}

function requireGet(req: IncomingMessage): void {
  req.resume();
  if (req.method !== "GET" && req.method !== "HEAD") throw methodNotAllowed("GET", req.method ?? "");
}

function requestContext(req: IncomingMessage, url: URL, origin: string, nowMs: () => number): RequestContext {
  const header = req.headers["client-request-id"];
  const clientRequestId = typeof header === "string" && isGuid(header.trim()) ? header.trim() : undefined;
  let now: Date;
  try {
    now = new Date(nowMs());
  } catch {
    now = new Date();
  }
  return { traceId: randomUUID(), correlationId: clientRequestId ?? randomUUID(), clientRequestId, now, origin, url };
}

function commonHeaders(ctx: RequestContext): Record<string, string> {
  return {
    "x-ms-request-id": ctx.traceId,
    ...(ctx.clientRequestId ? { "client-request-id": ctx.clientRequestId } : {}),
  };
}

function noStoreHeaders(ctx: RequestContext): Record<string, string> {
  return { "cache-control": "no-store, no-cache", pragma: "no-cache", ...commonHeaders(ctx) };
}

function sendMetadata(res: ServerResponse, ctx: RequestContext, body: unknown): void {
  sendJson(res, 200, body, {
    "cache-control": "max-age=86400, private",
    "access-control-allow-origin": "*",
    ...commonHeaders(ctx),
  });
}

/** Any failure becomes an Entra-shaped answer; unexpected ones are logged without request data. */
function sendError(req: IncomingMessage, res: ServerResponse, err: unknown, ctx: RequestContext): void {
  let error: EntraError;
  if (err instanceof EntraError) {
    error = err;
  } else {
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : "non-error thrown";
    process.stderr.write(`emulator: entra: internal error (trace ${ctx.traceId}): ${detail}\n`);
    error = serverError();
  }
  if (!req.readableEnded) req.resume();
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, error.status, entraErrorBody(error, ctx), noStoreHeaders(ctx));
}
