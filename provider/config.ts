/**
 * Connection settings: who we are (tenant, app, credential), where BC lives (environment, API and authority hosts)
 * and how to reach it (custom CA, proxy).
 *
 * Resolution order for every value: explicit options › Pulumi stack config (what the dynamic provider's
 * `configure()` receives, so `destroy` uses today's credentials) › environment variables (the Azure SDK names, so
 * CI systems that already export them need nothing else). A missing value is reported together with every other
 * missing value, each naming the stack config key and the environment variable that would supply it.
 */
import { readFileSync } from "node:fs";
import { registerSecret } from "./redact";

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

export interface ConnectionSettings {
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
  /** PEM of extra CA certificates to trust (e.g. the emulator's CA), and where it came from. */
  caCertPem?: string;
  caCertPath?: string;
  /** HTTPS proxy URL (`http://proxy:3128`). Without it, `HTTPS_PROXY`/`NO_PROXY` from the environment apply. */
  proxy?: string;
  /**
   * The company (name or id) whose URLs address environment-wide entities (users, permission sets, extensions…).
   * Default: the first company. Set it when the app's permission sets are limited to one company.
   */
  scopeCompany?: string;
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

/** Where explicit settings came from, so messages name it first (e.g. a resource's `connection` input). */
export interface ResolveOptions {
  /** The input holding explicit settings, e.g. "connection" (messages then say `connection.tenantId`). */
  explicitInput?: string;
}

/** Pulumi's stack config as `configure()` sees it (`businesscentral:tenantId` → value), or any look-up. */
export interface StackConfig {
  get(key: string): string | undefined;
}

export const CONFIG_PREFIX = "businesscentral";

/** Every setting with its stack config key and environment variable: one table drives resolution, errors and docs. */
export const SETTING_SOURCES = {
  tenantId: { config: "tenantId", env: ["AZURE_TENANT_ID"] },
  clientId: { config: "clientId", env: ["AZURE_CLIENT_ID"] },
  clientSecret: { config: "clientSecret", env: ["AZURE_CLIENT_SECRET"] },
  clientCertificatePath: { config: "clientCertificatePath", env: ["AZURE_CLIENT_CERTIFICATE_PATH"] },
  federatedTokenFile: { config: "federatedTokenFile", env: ["AZURE_FEDERATED_TOKEN_FILE"] },
  environment: { config: "environment", env: ["BC_ENVIRONMENT"] },
  authorityHost: { config: "authorityHost", env: ["AZURE_AUTHORITY_HOST"] },
  apiBaseUrl: { config: "apiBaseUrl", env: ["BC_API_BASE_URL"] },
  adminApiVersion: { config: "adminApiVersion", env: ["BC_ADMIN_API_VERSION"] },
  caCertPath: { config: "caCertPath", env: ["BC_CA_CERT_PATH"] },
  proxy: { config: "proxy", env: [] },
  sendCertificateChain: { config: "sendCertificateChain", env: ["AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"] },
  tenantInUrl: { config: "tenantInUrl", env: ["BC_TENANT_IN_URL"] },
  scopeCompany: { config: "scopeCompany", env: ["BC_SCOPE_COMPANY"] },
} as const;

type SettingName = keyof typeof SETTING_SOURCES;

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

/** How to supply a setting, for error messages: `stack config businesscentral:tenantId or env AZURE_TENANT_ID`. */
export function howToSet(name: SettingName, secret = false, explicitInput?: string): string {
  const src = SETTING_SOURCES[name];
  const config = `pulumi config set ${secret ? "--secret " : ""}${CONFIG_PREFIX}:${src.config} <value>`;
  const places = [
    ...(explicitInput ? [`the resource's ${explicitInput}.${name}`] : []),
    `\`${config}\``,
    ...(src.env.length > 0 ? [`environment variable ${src.env.join(" / ")}`] : []),
  ];
  return places.length === 1 ? places[0]! : `${places.slice(0, -1).join(", ")} or ${places[places.length - 1]}`;
}

export function resolveSettings(
  explicit: ExplicitSettings = {},
  stackConfig: StackConfig = { get: () => undefined },
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveOptions = {},
): ConnectionSettings {
  const via = options.explicitInput;
  const problems: string[] = [];
  const lookup = (name: SettingName): string | undefined => {
    const fromExplicit = (explicit as Record<string, unknown>)[name];
    if (typeof fromExplicit === "string" && fromExplicit.trim() !== "") return fromExplicit.trim();
    if (typeof fromExplicit === "boolean") return String(fromExplicit);
    const src = SETTING_SOURCES[name];
    const fromConfig = stackConfig.get(`${CONFIG_PREFIX}:${src.config}`);
    if (fromConfig !== undefined && fromConfig.trim() !== "") return fromConfig.trim();
    for (const variable of src.env) {
      const value = env[variable];
      if (value !== undefined && value.trim() !== "") return value.trim();
    }
    return undefined;
  };
  const required = (name: SettingName, what: string): string => {
    const value = lookup(name);
    if (value === undefined) problems.push(`${what} (${name}) is not set: ${howToSet(name, false, via)}.`);
    return value ?? "";
  };

  const tenantId = required("tenantId", "the Entra tenant id");
  const clientId = required("clientId", "the app registration's client id");
  const environment = required("environment", "the Business Central environment name");
  const authorityHost = trimSlash(lookup("authorityHost") ?? DEFAULT_AUTHORITY_HOST);
  const apiBaseUrl = trimSlash(lookup("apiBaseUrl") ?? DEFAULT_API_BASE_URL);
  const adminApiVersion = normaliseAdminVersion(lookup("adminApiVersion") ?? DEFAULT_ADMIN_API_VERSION, problems);
  const tenantInUrl = explicit.tenantInUrl ?? parseBoolean(lookup("tenantInUrl"), true);
  checkUrl("authorityHost", authorityHost, problems);
  checkUrl("apiBaseUrl", apiBaseUrl, problems);
  if (tenantId && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenantId)) {
    if (!/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(tenantId)) {
      problems.push(`tenantId '${tenantId}' is neither a GUID nor a domain name (e.g. contoso.onmicrosoft.com).`);
    }
  }
  if (clientId && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(clientId)) {
    problems.push(`clientId '${clientId}' is not a GUID: use the app registration's "Application (client) ID".`);
  }

  const credential = explicit.credential ?? resolveCredential(explicit, stackConfig, env, lookup, problems, via);

  let caCertPem = explicit.caCertPem;
  const caCertPath = lookup("caCertPath");
  if (!caCertPem && caCertPath) {
    try {
      caCertPem = readFileSync(caCertPath, "utf8");
    } catch (err) {
      problems.push(`caCertPath '${caCertPath}' cannot be read (${(err as NodeJS.ErrnoException).code ?? err}).`);
    }
    if (caCertPem && !caCertPem.includes("-----BEGIN CERTIFICATE-----")) {
      problems.push(`caCertPath '${caCertPath}' does not contain a PEM certificate.`);
    }
  }
  const proxy = lookup("proxy");
  const scopeCompany = lookup("scopeCompany");

  if (problems.length > 0) throw new SettingsError(problems);
  return {
    tenantId,
    clientId,
    credential: credential as Credential,
    environment,
    authorityHost,
    apiBaseUrl,
    adminApiVersion,
    tenantInUrl,
    ...(caCertPem ? { caCertPem } : {}),
    ...(caCertPath ? { caCertPath } : {}),
    ...(proxy ? { proxy } : {}),
    ...(scopeCompany ? { scopeCompany } : {}),
  };
}

/**
 * The credential: the first source (explicit › stack config › environment) that names any credential wins, so a
 * stack never mixes its own secret with a certificate left in the shell; within a source, secret › certificate ›
 * federated token file (the Azure SDK's EnvironmentCredential order).
 */
function resolveCredential(
  explicit: ExplicitSettings,
  stackConfig: StackConfig,
  env: NodeJS.ProcessEnv,
  lookup: (name: SettingName) => string | undefined,
  problems: string[],
  via?: string,
): Credential | undefined {
  const sources: ((name: "clientSecret" | "clientCertificatePath" | "federatedTokenFile") => string | undefined)[] = [
    (name) => nonEmpty(explicit[name]),
    (name) => nonEmpty(stackConfig.get(`${CONFIG_PREFIX}:${SETTING_SOURCES[name].config}`)),
    (name) => SETTING_SOURCES[name].env.map((v) => nonEmpty(env[v])).find((v) => v !== undefined),
  ];
  const sendX5c = parseBoolean(lookup("sendCertificateChain"), false);
  const explicitPem = nonEmpty(explicit.clientCertificatePem);
  if (explicitPem && !nonEmpty(explicit.clientSecret)) {
    return certificateFromPem(explicitPem, `${via ?? "explicit"} clientCertificatePem`, sendX5c, problems);
  }
  for (const source of sources) {
    const secret = source("clientSecret");
    if (secret) {
      registerSecret(secret);
      return { kind: "secret", secret };
    }
    const certPath = source("clientCertificatePath");
    if (certPath) return readCertificateFile(certPath, sendX5c, problems);
    const tokenFile = source("federatedTokenFile");
    if (tokenFile) return { kind: "federated", tokenFile };
  }
  problems.push(
    "no credential is set. Set one of: the client secret " +
      `(${howToSet("clientSecret", true, via)}); a PEM file holding the certificate and its private key ` +
      `(${howToSet("clientCertificatePath", false, via)}); or a federated token file (${howToSet("federatedTokenFile", false, via)}).`,
  );
  return undefined;
}

/** Reads a PEM bundle holding the certificate and its (unencrypted) private key, as AZURE_CLIENT_CERTIFICATE_PATH does. */
function readCertificateFile(path: string, sendX5c: boolean, problems: string[]): Credential | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    problems.push(`clientCertificatePath '${path}' cannot be read (${(err as NodeJS.ErrnoException).code ?? err}).`);
    return undefined;
  }
  return certificateFromPem(text, `clientCertificatePath '${path}'`, sendX5c, problems);
}

/** A certificate credential from a PEM bundle (certificate + unencrypted key); `what` names it in problems. */
function certificateFromPem(text: string, what: string, sendX5c: boolean, problems: string[]): Credential | undefined {
  const split = splitPemBundle(text);
  if (split.encryptedKey) {
    problems.push(
      `${what} holds an encrypted private key; password-protected keys are not supported. ` +
        "Export the key without a password (openssl pkcs8 -nocrypt) and keep the file secret.",
    );
    return undefined;
  }
  if (!split.certificatePem || !split.privateKeyPem) {
    problems.push(
      `${what} must be PEM text containing both the certificate and its private key ` +
        `(found ${split.certificatePem ? "a certificate" : "no certificate"} and ${split.privateKeyPem ? "a key" : "no private key"}).`,
    );
    return undefined;
  }
  registerSecret(split.privateKeyPem);
  return { kind: "certificate", certificatePem: split.certificatePem, privateKeyPem: split.privateKeyPem, sendX5c };
}

/** Splits a PEM bundle into its certificates (leaf first, chain kept) and its private key. */
export function splitPemBundle(text: string): {
  certificatePem?: string;
  privateKeyPem?: string;
  encryptedKey: boolean;
} {
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const key = text.match(/-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/);
  return {
    certificatePem: certs.length > 0 ? `${certs.join("\n")}\n` : undefined,
    privateKeyPem: key ? `${key[0]}\n` : undefined,
    encryptedKey: /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text) || /Proc-Type: 4,ENCRYPTED/.test(text),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value.trim() : undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function parseBoolean(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return /^(1|true|yes|on)$/i.test(value);
}

function normaliseAdminVersion(value: string, problems: string[]): string {
  const v = value.startsWith("v") ? value : `v${value}`;
  if (!/^v2\.\d+$/.test(v)) problems.push(`adminApiVersion '${value}' is not an Admin Center API version like v2.28.`);
  return v;
}

function checkUrl(name: SettingName, value: string, problems: string[]): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name} '${value}' is not a URL (expected e.g. https://host).`);
    return;
  }
  if (url.protocol !== "https:" && !isLoopbackHost(url.hostname)) {
    problems.push(`${name} '${value}' must use https:// (plain http is allowed only for loopback hosts).`);
  }
  if (url.pathname !== "/" && url.pathname !== "") {
    problems.push(`${name} '${value}' must be an origin without a path (e.g. ${url.origin}).`);
  }
}

/** Loopback hosts, the only ones allowed over plain http (tests, local fakes). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * A stable identity of the settings (never containing a secret) for process-wide caches: one token cache, one
 * limiter and one connection pool per principal and endpoint.
 */
export function principalKey(settings: Pick<ConnectionSettings, "tenantId" | "clientId">): string {
  return `${settings.tenantId.toLowerCase()}:${settings.clientId.toLowerCase()}`;
}
