/**
 * Tiny OIDC issuers for workload identity federation tests. Nothing outside loopback is reachable, so the issuer a
 * federated credential trusts (in CI: e.g. GitHub's `https://token.actions.githubusercontent.com`) is stood in for
 * by the emulator itself: `${origin}/_oidc/{name}` with discovery and JWKS, each name with its own persisted key.
 * Tokens are minted programmatically (`Entra.mintFederatedToken`), like a CI system's OIDC token.
 */
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import { signJwt } from "./jwt";
import { type RsaSigningKey, loadOrCreateRsaKey, publicJwk } from "./signing-keys";

export const OIDC_PREFIX = "/_oidc/";
/** The audience Entra expects in federated credentials (Microsoft Graph federatedIdentityCredential docs). */
export const DEFAULT_FEDERATED_AUDIENCE = "api://AzureADTokenExchange";
export const DEFAULT_FEDERATED_LIFETIME_SECONDS = 300;
const OIDC_KEY_DIR = "entra-oidc-issuers";
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

export interface MintFederatedTokenOptions {
  /** `sub` claim, e.g. `repo:contoso/infra:environment:prod`. */
  subject: string;
  /** `aud` claim; default `api://AzureADTokenExchange`. */
  audience?: string;
  /** Default 300. */
  lifetimeSeconds?: number;
  /** `iat`/`nbf` in seconds since the epoch; default now (use a past value to mint an expired token). */
  issuedAt?: number;
  /** Extra claims (e.g. `repository`, `ref`); cannot override iss/sub/aud/iat/nbf/exp/jti. */
  claims?: Record<string, unknown>;
}

export class LocalOidcIssuers {
  private readonly keys = new Map<string, Promise<RsaSigningKey>>();

  constructor(
    private readonly stateDir: string,
    private readonly origin: () => string,
    private readonly nowSeconds: () => number,
  ) {}

  static isValidName(name: string): boolean {
    return NAME.test(name);
  }

  /**
   * The issuer name when `iss` is one of the emulator's own issuers: `https://{loopback host}[:port]/_oidc/{name}`.
   * Any loopback origin counts, so a token minted before a restart on another port still names its key.
   */
  static localIssuerName(iss: string): string | undefined {
    let url: URL;
    try {
      url = new URL(iss);
    } catch {
      return undefined;
    }
    if (url.protocol !== "https:" || !LOOPBACK_HOSTS.has(url.hostname) || url.search || url.hash) return undefined;
    const match = /^\/_oidc\/([^/]+)$/.exec(url.pathname);
    return match && NAME.test(match[1]!) ? match[1] : undefined;
  }

  issuerUrl(name: string): string {
    return `${this.origin()}${OIDC_PREFIX}${name}`;
  }

  key(name: string): Promise<RsaSigningKey> {
    if (!NAME.test(name)) return Promise.reject(new Error(`Invalid OIDC issuer name '${name}'.`));
    let key = this.keys.get(name);
    if (!key) {
      key = loadOrCreateRsaKey(path.join(this.stateDir, OIDC_KEY_DIR, `${name}.json`));
      key.catch(() => this.keys.delete(name));
      this.keys.set(name, key);
    }
    return key;
  }

  /** The issuer's OpenID configuration (shaped like a CI issuer's: id_token only). */
  discovery(name: string): Record<string, unknown> {
    const issuer = this.issuerUrl(name);
    return {
      issuer,
      jwks_uri: `${issuer}/jwks`,
      subject_types_supported: ["public", "pairwise"],
      response_types_supported: ["id_token"],
      claims_supported: ["sub", "aud", "exp", "iat", "iss", "jti", "nbf"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid"],
    };
  }

  async jwks(name: string): Promise<Record<string, unknown>> {
    return { keys: [publicJwk(await this.key(name))] };
  }

  async mint(name: string, options: MintFederatedTokenOptions): Promise<string> {
    if (!NAME.test(name)) {
      throw new Error(`Invalid OIDC issuer name '${name}': use 1-64 letters, digits, '.', '_' or '-'.`);
    }
    if (typeof options.subject !== "string" || options.subject === "") {
      throw new Error("mintFederatedToken needs a non-empty subject.");
    }
    const lifetime = options.lifetimeSeconds ?? DEFAULT_FEDERATED_LIFETIME_SECONDS;
    if (!Number.isInteger(lifetime) || lifetime <= 0) {
      throw new Error("mintFederatedToken: lifetimeSeconds must be a positive integer.");
    }
    const key = await this.key(name);
    const iat = options.issuedAt ?? this.nowSeconds();
    const claims = {
      ...options.claims,
      iss: this.issuerUrl(name),
      sub: options.subject,
      aud: options.audience ?? DEFAULT_FEDERATED_AUDIENCE,
      iat,
      nbf: iat,
      exp: iat + lifetime,
      jti: randomUUID(),
    };
    return signJwt({ alg: "RS256", typ: "JWT", kid: key.kid }, claims, key.privateKey);
  }
}
