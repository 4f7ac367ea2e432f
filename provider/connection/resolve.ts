/**
 * Resolution of a connection, once per operation: a resource's `connection` input and top-level `environment`,
 * then the stack config (what the dynamic provider's `configure()` receives, so `destroy` uses today's credentials),
 * then environment variables (the Azure SDK names, so CI systems that already export them need nothing else). A
 * missing or unusable value is reported together with every other, each naming where it could be set.
 */
import { readFileSync } from "node:fs";
import { parseDuration } from "../resources/framework/scalars";
import { nonEmpty, resolveCredential } from "./credential";
import {
  CREDENTIAL_FIELDS,
  configKey,
  connectionSchema,
  FIELD_NAMES,
  type FieldName,
  howToSet,
  metaOf,
  valueProblems,
} from "./schema";
import {
  type ConnectionSettings,
  type Credential,
  DEFAULT_ADMIN_API_VERSION,
  DEFAULT_API_BASE_URL,
  DEFAULT_AUTHORITY_HOST,
  type ExplicitSettings,
  type PassThroughSettings,
  SettingsError,
  SHAPED_FIELDS,
  type StackConfig,
} from "./settings";

/** Where explicit settings came from, so messages name it first (e.g. a resource's `connection` input). */
export interface ResolveOptions {
  /** The input holding explicit settings, e.g. "connection" (messages then say `connection.tenantId`). */
  explicitInput?: string;
}

/** The places a connection's values come from after the resource's own inputs. */
export interface SettingSources {
  config: StackConfig;
  env: NodeJS.ProcessEnv;
}

/** What a resource or lookup names: its `connection` input and its own `environment`. */
export interface ConnectionTarget {
  connection?: unknown;
  environment?: unknown;
}

/** One resolved connection: the settings, where the object lives, and how long a create waits for Entra. */
export interface ResolvedConnection {
  settings: ConnectionSettings;
  /** The tenant, lower-cased (as state records it). */
  tenantId: string;
  environment: string;
  /** How long a create retries while Entra propagates the connection's new app, credential or role (0: no wait). */
  propagationMs: number;
}

export const DEFAULT_PROPAGATION_MS = 5 * 60_000;

const NO_CONFIG: StackConfig = { get: () => undefined };

/** Resolves a resource's or lookup's connection: its input › stack config › environment variables. */
export function resolveConnection(target: ConnectionTarget, sources: SettingSources): ResolvedConnection {
  const { explicit, propagationTimeout } = explicitSettingsOf(target.connection, target.environment);
  const settings = resolveSettings(explicit, sources.config, sources.env, { explicitInput: "connection" });
  const given = propagationTimeout === undefined ? undefined : parseDuration(propagationTimeout);
  return {
    settings,
    tenantId: settings.tenantId.toLowerCase(),
    environment: settings.environment,
    // Only a connection the program passes can carry a credential it has just made.
    propagationMs: target.connection ? (given ?? DEFAULT_PROPAGATION_MS) : 0,
  };
}

/** One setting as stack config or the environment gives it (what check can know while inputs are unknown). */
export function configuredValue(name: FieldName, sources: SettingSources): string | undefined {
  const meta = metaOf(name);
  const fromConfig = meta.config ? nonEmpty(sources.config.get(configKey(name))) : undefined;
  return fromConfig ?? meta.env.map((variable) => nonEmpty(sources.env[variable])).find((v) => v !== undefined);
}

/** Explicit settings from a `connection` input and a top-level `environment` (which wins). */
export function explicitSettingsOf(
  connection: unknown,
  environment: unknown,
): { explicit: ExplicitSettings; propagationTimeout?: string } {
  const given = connectionSchema.safeParse(connection ?? {});
  if (!given.success) {
    throw new SettingsError(
      given.error.issues.map(
        (issue) => `connection.${issue.path.map(String).join(".") || "(object)"} ${issue.message}`,
      ),
    );
  }
  const { propagationTimeout, ...settings } = given.data;
  const top = typeof environment === "string" && environment !== "" ? environment : undefined;
  return { explicit: { ...settings, ...(top ? { environment: top } : {}) }, propagationTimeout };
}

/** `connection` without its credential: the same tenant and app through the stack's config or environment. */
export function withoutCredential(connection: unknown): Record<string, unknown> | undefined {
  if (connection === null || typeof connection !== "object") return undefined;
  const rest: Record<string, unknown> = { ...(connection as Record<string, unknown>) };
  for (const field of CREDENTIAL_FIELDS) delete rest[field];
  return rest;
}

/** Connection settings from explicit values › stack config › environment variables, validated by the schema. */
export function resolveSettings(
  explicit: ExplicitSettings = {},
  stackConfig: StackConfig = NO_CONFIG,
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveOptions = {},
): ConnectionSettings {
  const via = options.explicitInput;
  const problems: string[] = [];
  const lookup = (name: FieldName): string | undefined => {
    const fromExplicit = (explicit as Record<string, unknown>)[name];
    if (typeof fromExplicit === "string" && fromExplicit.trim() !== "") return fromExplicit.trim();
    if (typeof fromExplicit === "boolean") return String(fromExplicit);
    const meta = metaOf(name);
    const fromConfig = meta.config ? nonEmpty(stackConfig.get(configKey(name))) : undefined;
    if (fromConfig !== undefined) return fromConfig;
    return meta.env.map((variable) => nonEmpty(env[variable])).find((v) => v !== undefined);
  };

  const values: Partial<Record<FieldName, string>> = {};
  for (const name of FIELD_NAMES) {
    const value = lookup(name);
    const required = metaOf(name).required;
    if (value === undefined) {
      if (required) problems.push(`${required} (${name}) is not set: ${howToSet(name, via)}.`);
      continue;
    }
    values[name] = value;
    // The credential's fields are judged by resolveCredential, the one that is used.
    if (!metaOf(name).credential) problems.push(...valueProblems(name, value));
  }

  const authorityHost = trimSlash(values.authorityHost ?? DEFAULT_AUTHORITY_HOST);
  const apiBaseUrl = trimSlash(values.apiBaseUrl ?? DEFAULT_API_BASE_URL);
  const version = values.adminApiVersion ?? DEFAULT_ADMIN_API_VERSION;
  const adminApiVersion = version.startsWith("v") ? version : `v${version}`;
  const tenantInUrl = explicit.tenantInUrl ?? parseBoolean(values.tenantInUrl, true);
  const sendX5c = parseBoolean(values.sendCertificateChain, false);
  const credential = explicit.credential ?? resolveCredential(explicit, stackConfig, env, sendX5c, problems, via);

  let caCertPem = explicit.caCertPem;
  const caCertPath = values.caCertPath;
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

  if (problems.length > 0) throw new SettingsError(problems);
  const passedThrough: Record<string, string> = {};
  for (const name of FIELD_NAMES) {
    const value = values[name];
    if (value !== undefined && !(SHAPED_FIELDS as readonly string[]).includes(name)) passedThrough[name] = value;
  }
  return {
    ...(passedThrough as PassThroughSettings),
    tenantId: values.tenantId ?? "",
    clientId: values.clientId ?? "",
    credential: credential as Credential,
    environment: values.environment ?? "",
    authorityHost,
    apiBaseUrl,
    adminApiVersion,
    tenantInUrl,
    ...(caCertPem ? { caCertPem } : {}),
    ...(caCertPath ? { caCertPath } : {}),
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function parseBoolean(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return /^(1|true|yes|on)$/i.test(value);
}
