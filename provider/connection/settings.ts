/**
 * Resolved connection settings: who we are (tenant, app, credential), where BC lives (environment, API and
 * authority hosts) and how to reach it (custom CA, proxy). provider/connection/resolve.ts builds them.
 */
import type { ConnectionInput, FieldName } from "./schema";

/**
 * The fields resolution turns into something else (a credential, a normalised or read value, a default). Every
 * other field of the schema reaches the settings as it was given (`PassThroughSettings`): a new field of that kind
 * needs only its declaration in schema.ts.
 */
export const SHAPED_FIELDS = [
  "tenantId",
  "clientId",
  "clientSecret",
  "clientCertificatePath",
  "clientCertificatePem",
  "federatedTokenFile",
  "sendCertificateChain",
  "environment",
  "authorityHost",
  "apiBaseUrl",
  "adminApiVersion",
  "tenantInUrl",
  "caCertPath",
  "caCertPem",
  "propagationTimeout",
] as const satisfies readonly FieldName[];

/** The schema's other fields, optional and as given (e.g. `proxy`, `scopeCompany`). */
export type PassThroughSettings = Pick<ConnectionInput, Exclude<FieldName, (typeof SHAPED_FIELDS)[number]>>;

export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";
export const DEFAULT_API_BASE_URL = "https://api.businesscentral.dynamics.com";
/**
 * Admin Center API version used unless an operation needs a newer one (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api: `v2.0`…`v2.29`;
 * `apps/pteInstall` and `scheduledPteOperations` were introduced in 2.29 and ask for it themselves).
 */
export const DEFAULT_ADMIN_API_VERSION = "v2.28";

export type Credential =
  | { kind: "secret"; secret: string }
  | {
      kind: "certificate";
      certificatePem: string;
      privateKeyPem: string;
      /** Send the certificate chain (`x5c`) with each assertion; needed for subject-name/issuer auth (SNI). */
      sendX5c?: boolean;
    }
  /** A federated token (e.g. a CI system's OIDC token) read from a file on every acquisition: CI rotates it. */
  | { kind: "federated"; tokenFile: string }
  /** A federated token from a callback (e.g. fetched from the CI system's token endpoint). */
  | { kind: "federated"; getAssertion: () => Promise<string> };

export interface ConnectionSettings extends PassThroughSettings {
  /** Entra tenant id (GUID) or a verified domain. */
  tenantId: string;
  /** Application (client) id of the Entra app registration. */
  clientId: string;
  credential: Credential;
  /** Default Business Central environment name (resources may name another). */
  environment: string;
  /** Entra authority host, e.g. `https://login.microsoftonline.com` or a sovereign cloud's host. */
  authorityHost: string;
  /** BC API origin, e.g. `https://api.businesscentral.dynamics.com`. Automation and Admin Center live under it. */
  apiBaseUrl: string;
  /** Admin Center API version (e.g. `v2.28`); operations that need a newer version raise it for themselves. */
  adminApiVersion: string;
  /** Put the tenant id into automation URLs (`/v2.0/{tenant}/{env}/…`, default) or use `/v2.0/{env}/…`. */
  tenantInUrl: boolean;
  /** PEM of extra CA certificates to trust (e.g. the emulator's), and where it came from. */
  caCertPem?: string;
  caCertPath?: string;
}

/** What a caller may pass explicitly: any setting, plus the file-based forms of the credential. */
export interface ExplicitSettings extends Partial<ConnectionSettings> {
  clientSecret?: string;
  clientCertificatePath?: string;
  /** The certificate and its private key as one PEM text (what `clientCertificatePath` would hold). */
  clientCertificatePem?: string;
  federatedTokenFile?: string;
  sendCertificateChain?: boolean;
}

/** Pulumi's stack config as `configure()` sees it (`businesscentral:tenantId` → value), or any look-up. */
export interface StackConfig {
  get(key: string): string | undefined;
}

/** Thrown when settings are missing or unusable; the message lists every problem with its fix. */
export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Business Central connection settings are incomplete:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        "See docs/authentication.md.",
    );
    this.name = "SettingsError";
  }
}

/**
 * A stable identity of the settings (never containing a secret) for the runtime's caches: one token cache, one
 * limiter and one connection pool per principal and endpoint.
 */
export function principalKey(settings: Pick<ConnectionSettings, "tenantId" | "clientId">): string {
  return `${settings.tenantId.toLowerCase()}:${settings.clientId.toLowerCase()}`;
}
