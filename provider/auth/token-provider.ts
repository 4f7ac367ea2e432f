/**
 * Access tokens for Business Central, via MSAL's confidential client (client-credentials flow).
 *
 * - One MSAL application and one token cache entry per (authority, client id, scope, credential), in a `TokenCache`
 *   the provider runtime owns (provider/runtime.ts): every resource in the dynamic-provider process shares it, so a
 *   stack of 500 resources asks Entra for one token, not 500. The credential is part of the key (as a hash) so a token is only ever handed to the credential
 *   that obtained it: a wrong secret configured next to a right one fails instead of riding on a cached token.
 * - Tokens are refreshed ahead of expiry (the `refresh_in` hint if Entra gives one, else a quarter of the lifetime
 *   but at most 5 minutes before), and concurrent callers share one in-flight acquisition.
 * - `invalidate(token)` drops a token BC rejected (401), so the next request gets a fresh one; MSAL's own cache is
 *   bypassed (`skipCache`) because this cache decides freshness.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ConfidentialClientApplication, type Configuration, LogLevel } from "@azure/msal-node";
import type { Dispatcher } from "undici";
import type { ConnectionSettings, Credential } from "../connection/settings";
import { debug, isDebugEnabled } from "../debug";
import { BcApiError, errorFromEntra } from "../errors";
import type { AccessToken, TokenSource } from "../http/types";
import { registerSecret } from "../redact";
import { msalAuthorityOptions } from "./authority";
import { certificateMaterial } from "./certificate";
import { UndiciNetworkModule } from "./network";

/** The HTTP pipeline's port, declared with it; re-exported for existing imports. */
export type { AccessToken, TokenSource } from "../http/types";

/** The one scope of Business Central (Automation API, standard APIs and Admin Center alike; https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication). */
export const BC_SCOPE = "https://api.businesscentral.dynamics.com/.default";

export interface TokenProviderOptions {
  dispatcher: Dispatcher;
  /** Tokens and MSAL applications shared with every other provider of the runtime (default: a cache of its own). */
  cache?: TokenCache;
  scope?: string;
  /** Observer for tests: every request MSAL sends. */
  onNetworkRequest?: (method: string, url: string) => void;
  /** Clock, for tests. */
  now?: () => number;
}

interface CacheEntry {
  token?: AccessToken;
  inflight?: Promise<AccessToken>;
}

/** Tokens and MSAL applications shared by the token providers of one runtime (every connection in the process). */
export class TokenCache {
  readonly tokens = new Map<string, CacheEntry>();
  /** Per dispatcher: an MSAL application keeps its network module, which must not outlive its dispatcher. */
  readonly msalApps = new WeakMap<Dispatcher, Map<string, ConfidentialClientApplication>>();
  readonly networks = new WeakMap<ConfidentialClientApplication, UndiciNetworkModule>();
}

export class TokenProvider implements TokenSource {
  private readonly scope: string;
  private readonly cacheKey: string;
  private readonly appKey: string;
  private readonly now: () => number;
  private readonly cache: TokenCache;
  private readonly authority: ReturnType<typeof msalAuthorityOptions>;
  private network?: UndiciNetworkModule;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly options: TokenProviderOptions,
  ) {
    this.scope = options.scope ?? BC_SCOPE;
    this.now = options.now ?? Date.now;
    this.cache = options.cache ?? new TokenCache();
    this.authority = msalAuthorityOptions(settings.authorityHost, settings.tenantId);
    this.appKey = `${this.authority.authority.toLowerCase()}|${settings.clientId.toLowerCase()}|${credentialFingerprint(settings.credential)}`;
    this.cacheKey = `${this.appKey}|${this.scope}`;
  }

  async getToken(_signal?: AbortSignal): Promise<AccessToken> {
    let entry = this.cache.tokens.get(this.cacheKey);
    if (!entry) {
      entry = {};
      this.cache.tokens.set(this.cacheKey, entry);
    }
    if (entry.token && this.now() < entry.token.refreshAtMs) return entry.token;
    if (!entry.inflight) {
      const current = entry;
      current.inflight = this.acquire().finally(() => {
        current.inflight = undefined;
      });
      current.inflight.then(
        (token) => {
          current.token = token;
        },
        () => undefined,
      );
    }
    const pending = entry.inflight as Promise<AccessToken>;
    const current = entry.token;
    // A still-valid token is better than an error when a refresh-ahead fails transiently.
    if (current && this.now() < current.expiresOnMs - 5_000) {
      return pending.catch((err) => {
        if (entry.token === current && this.now() < current.expiresOnMs - 5_000) return current;
        throw err;
      });
    }
    return pending;
  }

  invalidate(token: string): void {
    const entry = this.cache.tokens.get(this.cacheKey);
    if (entry?.token?.token === token) {
      debug("token rejected by the service; discarding it");
      entry.token = undefined;
    }
  }

  /** Gets a fresh token from Entra, with a couple of retries for transient failures (network, 5xx, 429). */
  private async acquire(): Promise<AccessToken> {
    const app = this.application();
    let lastError: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        debug(() => `acquiring a token for client ${this.settings.clientId} from ${this.authority.tokenEndpoint}`);
        const result = await app.acquireTokenByClientCredential({ scopes: [this.scope], skipCache: true });
        if (!result?.accessToken) throw new Error("the token service returned no access token");
        registerSecret(result.accessToken, { ephemeral: true });
        const now = this.now();
        const expiresOnMs = result.expiresOn ? result.expiresOn.getTime() : now + 3_600_000;
        const lifetime = Math.max(0, expiresOnMs - now);
        const ahead = Math.min(5 * 60_000, lifetime / 4);
        const refreshOn = (result as { refreshOn?: Date }).refreshOn?.getTime();
        const claims = decodeJwtClaims(result.accessToken);
        return {
          token: result.accessToken,
          expiresOnMs,
          refreshAtMs: Math.min(refreshOn ?? Number.POSITIVE_INFINITY, expiresOnMs - ahead),
          roles: Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === "string") : [],
          tenantId: typeof claims.tid === "string" ? claims.tid : undefined,
          appId:
            typeof claims.appid === "string" ? claims.appid : typeof claims.azp === "string" ? claims.azp : undefined,
        };
      } catch (err) {
        lastError = err;
        if (err instanceof BcApiError) throw err;
        const permanent = /certificate|TLS|refusing to contact/i.test(this.network?.lastFailure?.message ?? "");
        if (permanent || !isTransientEntraFailure(err) || attempt === 3) break;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt * Math.random()));
      }
    }
    const fileError = federatedFileError(lastError);
    if (fileError) throw fileError;
    const unreachable = this.transportFailure(lastError);
    if (unreachable) throw unreachable;
    throw errorFromEntra(lastError, {
      tenantId: this.settings.tenantId,
      clientId: this.settings.clientId,
      authorityHost: this.settings.authorityHost,
      credentialKind: this.settings.credential.kind,
    });
  }

  /** MSAL reports transport failures as a bare `network_error`; our network module knows the cause. */
  private transportFailure(err: unknown): BcApiError | undefined {
    const failure = this.network?.lastFailure;
    if (!failure || (err as { errorCode?: string })?.errorCode !== "network_error") return undefined;
    const tls = /certificate|TLS/i.test(failure.message);
    return new BcApiError({
      status: 0,
      code: failure.code ?? "TokenServiceUnreachable",
      serviceMessage: failure.message,
      method: "POST",
      path: `/${this.settings.tenantId}/oauth2/v2.0/token`,
      service: "entra",
      hint: tls
        ? "The token service's TLS certificate is not trusted. For the emulator or a TLS-inspecting proxy, set its CA with businesscentral:caCertPath or BC_CA_CERT_PATH (doctor: --ca-cert)."
        : `Could not reach the token service at ${this.settings.authorityHost}. Check the authority host (businesscentral:authorityHost / AZURE_AUTHORITY_HOST), DNS, network and proxy (HTTPS_PROXY).`,
    });
  }

  private application(): ConfidentialClientApplication {
    const { msalApps, networks } = this.cache;
    let apps = msalApps.get(this.options.dispatcher);
    if (!apps) {
      apps = new Map();
      msalApps.set(this.options.dispatcher, apps);
    }
    let app = apps.get(this.appKey);
    if (app) {
      this.network = networks.get(app);
      return app;
    }
    const network = new UndiciNetworkModule({
      dispatcher: this.options.dispatcher,
      allowedOrigins: this.authority.allowedOrigins,
      onRequest: this.options.onNetworkRequest,
    });
    const config: Configuration = {
      auth: {
        clientId: this.settings.clientId,
        authority: this.authority.authority,
        ...(this.authority.knownAuthorities
          ? {
              knownAuthorities: this.authority.knownAuthorities,
              authorityMetadata: this.authority.authorityMetadata,
              cloudDiscoveryMetadata: this.authority.cloudDiscoveryMetadata,
            }
          : {}),
        ...msalCredential(this.settings.credential, this.settings.clientId),
      },
      system: {
        networkClient: network,
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: isDebugEnabled() ? LogLevel.Info : LogLevel.Error,
          loggerCallback: (_level, message, containsPii) => {
            if (!containsPii) debug(`msal: ${message}`);
          },
        },
      },
    };
    app = new ConfidentialClientApplication(config);
    apps.set(this.appKey, app);
    networks.set(app, network);
    this.network = network;
    return app;
  }
}

/** MSAL's credential options for each kind. */
function msalCredential(credential: Credential, clientId: string): Partial<Configuration["auth"]> {
  switch (credential.kind) {
    case "secret":
      registerSecret(credential.secret);
      return { clientSecret: credential.secret };
    case "certificate": {
      const material = certificateMaterial(credential.certificatePem, credential.privateKeyPem);
      debug(
        `client ${clientId} authenticates with certificate '${material.subject}' ` +
          `(SHA-1 ${material.thumbprintSha1}, SHA-256 ${material.thumbprintSha256})`,
      );
      return {
        clientCertificate: {
          thumbprintSha256: material.thumbprintSha256,
          privateKey: material.privateKeyPem,
          ...(credential.sendX5c ? { x5c: material.certificatePem } : {}),
        },
      };
    }
    case "federated": {
      const read =
        "tokenFile" in credential
          ? () => readFederatedTokenFile(credential.tokenFile)
          : async () => {
              const value = (await credential.getAssertion()).trim();
              if (!value) throw new FederatedTokenError("the federated token callback returned an empty token");
              return value;
            };
      // A callback, so MSAL asks again on every acquisition: CI systems rotate the file.
      return {
        clientAssertion: async () => {
          const assertion = await read();
          registerSecret(assertion, { ephemeral: true });
          return assertion;
        },
      };
    }
  }
}

class FederatedTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FederatedTokenError";
  }
}

async function readFederatedTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new FederatedTokenError(
      `the federated token file '${path}' cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const token = text.trim();
  if (!token) throw new FederatedTokenError(`the federated token file '${path}' is empty`);
  return token;
}

function federatedFileError(err: unknown): BcApiError | undefined {
  // MSAL may wrap the callback's error; find ours by name or message.
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const e = current as { name?: string; message?: string; errorMessage?: string; cause?: unknown };
    const text = e.errorMessage || e.message || "";
    if (e.name === "FederatedTokenError" || /federated token (file|callback)/.test(text)) {
      const detail = /the federated token[^.]*/.exec(text)?.[0] ?? text;
      return new BcApiError({
        status: 0,
        code: "FederatedTokenUnavailable",
        serviceMessage: detail,
        method: "READ",
        path: "federated token",
        service: "entra",
        hint:
          "The CI system must write a current OIDC token to the file (GitHub Actions: request an ID token with audience " +
          "api://AzureADTokenExchange; Azure Pipelines/GitLab: see docs/authentication.md), and " +
          "AZURE_FEDERATED_TOKEN_FILE / businesscentral:federatedTokenFile must point at it.",
      });
    }
    current = e.cause;
  }
  return undefined;
}

function isTransientEntraFailure(err: unknown): boolean {
  const e = err as { errorCode?: string; status?: number; message?: string };
  if (typeof e?.status === "number") return e.status >= 500 || e.status === 429;
  return (
    e?.errorCode === "network_error" || /Network request failed|ECONNRESET|ECONNREFUSED|socket/i.test(e?.message ?? "")
  );
}

/** Reads a JWT's claims without verifying it (diagnostics only: roles, tenant, app id). */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (!part) return {};
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** A stable, non-reversible identity of a credential (so a changed secret gets a new MSAL application). */
function credentialFingerprint(credential: Credential): string {
  const h = createHash("sha256");
  switch (credential.kind) {
    case "secret":
      h.update(`secret\u0000${credential.secret}`);
      break;
    case "certificate":
      h.update(
        `cert\u0000${credential.certificatePem}\u0000${credential.privateKeyPem}\u0000${credential.sendX5c ?? false}`,
      );
      break;
    case "federated":
      h.update(
        "tokenFile" in credential
          ? `file\u0000${credential.tokenFile}`
          : `callback\u0000${callbackId(credential.getAssertion)}`,
      );
      break;
  }
  return h.digest("hex").slice(0, 32);
}

const callbackIds = new WeakMap<object, number>();
let nextCallbackId = 1;
function callbackId(fn: object): number {
  let id = callbackIds.get(fn);
  if (id === undefined) {
    id = nextCallbackId++;
    callbackIds.set(fn, id);
  }
  return id;
}

/** A token source that always returns the same token (benchmarks, loopback tests). */
export function staticTokenSource(token: string, roles: string[] = []): TokenSource {
  return {
    async getToken() {
      return { token, expiresOnMs: Number.MAX_SAFE_INTEGER, refreshAtMs: Number.MAX_SAFE_INTEGER, roles };
    },
    invalidate() {},
  };
}
