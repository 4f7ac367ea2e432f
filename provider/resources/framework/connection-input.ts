/**
 * The `connection` input every resource takes: the `businesscentral:*` config keys as one object, so a program can
 * feed another resource's outputs (an Entra app's client id, an application password) into BC resources and
 * address several tenants from one stack. Anything not given falls back to stack config, then environment
 * variables (provider/config.ts). The SDK marks the whole object secret.
 */
import { z } from "zod";
import { type ExplicitSettings, SettingsError } from "../../config";
import { duration, GUID_PATTERN } from "./scalars";

export const ENVIRONMENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,29}$/;
const ENVIRONMENT_RULE = "must be a BC environment name (a letter, then ≤29 letters, digits, _ or -)";

export const environmentName = z.string().regex(ENVIRONMENT_NAME, ENVIRONMENT_RULE);

const origin = z.string().url("must be a URL such as https://host");

export const connectionInput = z
  .object({
    tenantId: z.string().trim().regex(GUID_PATTERN, "must be the Entra tenant id, a GUID (Entra ID → Overview)"),
    clientId: z
      .string()
      .trim()
      .regex(GUID_PATTERN, 'must be a GUID: the app registration\'s "Application (client) ID"'),
    clientSecret: z.string().min(1, "must not be empty"),
    clientCertificatePath: z.string().min(1, "must not be empty"),
    clientCertificatePem: z.string().includes("-----BEGIN", { message: "must be PEM text (certificate and key)" }),
    federatedTokenFile: z.string().min(1, "must not be empty"),
    environment: environmentName,
    authorityHost: origin,
    apiBaseUrl: origin,
    adminApiVersion: z.string().regex(/^v?2\.\d+$/, "must be an Admin Center API version like v2.28"),
    caCertPath: z.string().min(1, "must not be empty"),
    caCertPem: z.string().includes("-----BEGIN CERTIFICATE-----", { message: "must be a PEM certificate" }),
    proxy: origin,
    sendCertificateChain: z.boolean(),
    tenantInUrl: z.boolean(),
    scopeCompany: z.string().min(1, "must not be empty"),
    /** How long a create waits for a new app credential or role to propagate in Entra ID (default 5m). */
    propagationTimeout: duration,
  })
  .partial()
  .strict();
export type ConnectionInput = z.output<typeof connectionInput>;

/** Fields that hold or point at a credential (dropped when falling back to the stack's own credential). */
export const CREDENTIAL_FIELDS = [
  "clientSecret",
  "clientCertificatePath",
  "clientCertificatePem",
  "federatedTokenFile",
] as const;

/** Explicit settings from a resource's `connection` and top-level `environment` (which wins). */
export function explicitSettingsOf(connection: unknown, environment: unknown): ExplicitSettings {
  const given = connectionInput.safeParse(connection ?? {});
  if (!given.success) {
    throw new SettingsError(
      given.error.issues.map(
        (issue) => `connection.${issue.path.map(String).join(".") || "(object)"} ${issue.message}`,
      ),
    );
  }
  const { propagationTimeout: _wait, ...settings } = given.data;
  const top = typeof environment === "string" && environment !== "" ? environment : undefined;
  return { ...settings, ...(top ? { environment: top } : {}) };
}

/** `connection` without its credential: the same tenant and app through the stack's config or environment. */
export function withoutCredential(connection: unknown): Record<string, unknown> | undefined {
  if (connection === null || typeof connection !== "object") return undefined;
  const rest: Record<string, unknown> = { ...(connection as Record<string, unknown>) };
  for (const field of CREDENTIAL_FIELDS) delete rest[field];
  return rest;
}
