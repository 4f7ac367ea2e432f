/**
 * The connection's one declaration: every field a resource's `connection` input, a stack's `businesscentral:*`
 * config and the environment can carry, with its rule (zod) and its metadata (stack config key, environment
 * variables, secrecy). Everything else derives from it: the input schema resources check, the config sources and
 * the "how to set it" texts, the validation of values read from config or the environment, and the SDK's
 * `ConnectionInput` type (sdk/connection.ts, at type level). Adding a field here adds it everywhere.
 */
import { z } from "zod";
import { duration, GUID_PATTERN } from "../resources/framework/scalars";
import { isLoopbackHost } from "./loopback";

/** Where a field comes from besides the resource's `connection` input, and how it is treated. */
export interface FieldMeta {
  /** Read from the stack config key `businesscentral:<field>` (false: only the `connection` input carries it). */
  config: boolean;
  /** Environment variables, first found wins (the Azure SDK's names where one exists). */
  env: readonly string[];
  /** Holds a credential: stored as a secret, never echoed in a message. */
  secret: boolean;
  /** Holds or points at the credential: dropped when falling back to the stack's own credential. */
  credential: boolean;
  /** Set when every connection needs the field: what it is, for the "is not set" message. */
  required?: string;
  /**
   * The rule for the resolved value when it is looser than the input's (a stack config or environment value, or
   * an option the CLI passes), e.g. a tenant's domain name where the input asks for its GUID.
   */
  resolved?: z.ZodType;
}

/** The metadata each field's schema carries (one copy of the schema per field, so shared rules stay apart). */
const fieldMeta = new WeakMap<z.ZodType, FieldMeta>();

function field<T extends z.ZodType>(schema: T, meta: Partial<FieldMeta> = {}): T {
  const own = schema.clone() as T;
  fieldMeta.set(own, { config: true, env: [], secret: false, credential: false, ...meta });
  return own;
}

export const ENVIRONMENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,29}$/;
const ENVIRONMENT_RULE = "must be a BC environment name (a letter, then ≤29 letters, digits, _ or -)";
export const environmentName = z.string().regex(ENVIRONMENT_NAME, ENVIRONMENT_RULE);

const DOMAIN = /^[a-z0-9.-]+\.[a-z]{2,}$/i;
const notEmpty = () => z.string().min(1, "must not be empty");
/** Text read from config or the environment meaning true or false. */
const booleanText = z.union([z.boolean(), z.string()]);

/** An origin (scheme, host, port): https, or plain http for loopback hosts only. */
const origin = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "is not a URL (expected e.g. https://host)" });
    return;
  }
  if (url.protocol !== "https:" && !isLoopbackHost(url.hostname)) {
    ctx.addIssue({ code: "custom", message: "must use https:// (plain http is allowed only for loopback hosts)" });
  }
  if (url.pathname !== "/" && url.pathname !== "") {
    ctx.addIssue({ code: "custom", message: `must be an origin without a path (e.g. ${url.origin})` });
  }
});

/** The connection's fields. The doc comments are what programs see on `ConnectionInput` (sdk/connection.ts). */
export const connectionFields = {
  /** Entra tenant id (GUID). */
  tenantId: field(z.string().trim().regex(GUID_PATTERN, "must be the Entra tenant id, a GUID (Entra ID → Overview)"), {
    env: ["AZURE_TENANT_ID"],
    required: "the Entra tenant id",
    resolved: z
      .string()
      .refine(
        (v) => GUID_PATTERN.test(v) || DOMAIN.test(v),
        "is neither a GUID nor a domain name (e.g. contoso.onmicrosoft.com)",
      ),
  }),
  /** The app registration's Application (client) id. */
  clientId: field(
    z
      .string()
      .trim()
      .regex(GUID_PATTERN, 'must be a GUID: the app registration\'s "Application (client) ID" (this is not a GUID)'),
    { env: ["AZURE_CLIENT_ID"], required: "the app registration's client id" },
  ),
  /** A client secret. Prefer a federated credential in CI. */
  clientSecret: field(notEmpty(), { env: ["AZURE_CLIENT_SECRET"], secret: true, credential: true }),
  /** A PEM file holding the certificate and its unencrypted private key. */
  clientCertificatePath: field(notEmpty(), { env: ["AZURE_CLIENT_CERTIFICATE_PATH"], credential: true }),
  /** The same as PEM text (e.g. from a key vault secret). */
  clientCertificatePem: field(
    z.string().includes("-----BEGIN", { message: "must be PEM text (certificate and key)" }),
    { config: false, secret: true, credential: true },
  ),
  /** A federated (OIDC) token file, re-read at each token request: CI systems rotate it. */
  federatedTokenFile: field(notEmpty(), { env: ["AZURE_FEDERATED_TOKEN_FILE"], credential: true }),
  /** Business Central environment name. A resource's own `environment` input wins. */
  environment: field(environmentName, {
    env: ["BC_ENVIRONMENT"],
    required: "the Business Central environment name",
  }),
  /** Entra authority host (sovereign clouds, the emulator). */
  authorityHost: field(origin, { env: ["AZURE_AUTHORITY_HOST"] }),
  /** BC API origin (the emulator's address in tests). */
  apiBaseUrl: field(origin, { env: ["BC_API_BASE_URL"] }),
  /** Admin Center API version, e.g. `v2.28`. */
  adminApiVersion: field(z.string().regex(/^v?2\.\d+$/, "must be an Admin Center API version like v2.28"), {
    env: ["BC_ADMIN_API_VERSION"],
  }),
  /** Extra CA certificate to trust (PEM file), e.g. the emulator's. */
  caCertPath: field(notEmpty(), { env: ["BC_CA_CERT_PATH"] }),
  /** The same as PEM text. */
  caCertPem: field(z.string().includes("-----BEGIN CERTIFICATE-----", { message: "must be a PEM certificate" }), {
    config: false,
  }),
  /** HTTPS proxy URL. */
  proxy: field(z.string().url("must be a URL such as https://host")),
  /** Send the certificate chain with each assertion (subject-name/issuer authentication). */
  sendCertificateChain: field(z.boolean(), { env: ["AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"], resolved: booleanText }),
  /** Put the tenant id into Automation API URLs (default true). */
  tenantInUrl: field(z.boolean(), { env: ["BC_TENANT_IN_URL"], resolved: booleanText }),
  /**
   * The company (name or id) whose URLs address environment-wide entities (users, permission sets, extensions).
   * Default: the first company. Set it when the app's permission sets are limited to one company.
   */
  scopeCompany: field(notEmpty(), { env: ["BC_SCOPE_COMPANY"] }),
  /**
   * How long a create waits while Entra ID propagates a credential, app or role assignment the program just made
   * (AADSTS7000215, AADSTS700016, a 401 without roles). Go-style duration, default `"5m"`.
   */
  propagationTimeout: field(duration, { config: false }),
  /**
   * Turns off the checks preview makes against BC (credential, environment, users, groups, companies, permission
   * sets; docs/troubleshooting.md), e.g. for a preview without network access. Default false.
   */
  offlinePreview: field(z.boolean(), { env: ["BC_OFFLINE_PREVIEW"], resolved: booleanText }),
};

export type FieldName = keyof typeof connectionFields;

/** The `connection` input every resource takes (each field optional; unknown fields are refused). */
export const connectionSchema = z.object(connectionFields).partial().strict();

/** A checked `connection` input. */
export type ConnectionInput = z.output<typeof connectionSchema>;
/** What a program writes as `connection`, field by field (the SDK wraps each in `pulumi.Input`). */
export type ConnectionFields = z.input<typeof connectionSchema>;

export const CONFIG_PREFIX = "businesscentral";

export const FIELD_NAMES = Object.keys(connectionFields) as FieldName[];

export function metaOf(name: FieldName): FieldMeta {
  return fieldMeta.get(connectionFields[name]) as FieldMeta;
}

/** A field's stack config key and environment variables, for the fields stack config can set. */
export interface SettingSource {
  config: string;
  env: readonly string[];
}

/** Every field a stack config key can set, with its key and environment variables (derived from the fields). */
export const SETTING_SOURCES: Readonly<Partial<Record<FieldName, SettingSource>>> = Object.fromEntries(
  FIELD_NAMES.filter((name) => metaOf(name).config).map((name) => [name, { config: name, env: metaOf(name).env }]),
);

/** The fields stack config can set. */
export const FIELD_NAMES_WITH_CONFIG: readonly FieldName[] = FIELD_NAMES.filter((name) => metaOf(name).config);

/** Fields that hold or point at a credential (dropped when falling back to the stack's own credential). */
export const CREDENTIAL_FIELDS: readonly FieldName[] = FIELD_NAMES.filter((name) => metaOf(name).credential);

/** The stack config key of a field: `businesscentral:tenantId`. */
export function configKey(name: FieldName): string {
  return `${CONFIG_PREFIX}:${name}`;
}

/** How to supply a setting, for error messages: `stack config businesscentral:tenantId or env AZURE_TENANT_ID`. */
export function howToSet(name: FieldName, explicitInput?: string): string {
  const meta = metaOf(name);
  const places = [
    ...(explicitInput ? [`the resource's ${explicitInput}.${name}`] : []),
    ...(meta.config ? [`\`pulumi config set ${meta.secret ? "--secret " : ""}${configKey(name)} <value>\``] : []),
    ...(meta.env.length > 0 ? [`environment variable ${meta.env.join(" / ")}`] : []),
  ];
  return places.length === 1 ? places[0]! : `${places.slice(0, -1).join(", ")} or ${places[places.length - 1]}`;
}

/**
 * The problems of one resolved value under its field's rule, as lines naming the field (and its value, unless it
 * is a secret). Values from config or the environment are text: booleans are read as text there.
 */
export function valueProblems(name: FieldName, value: string | boolean): string[] {
  const meta = metaOf(name);
  const rule = meta.resolved ?? connectionFields[name];
  const result = rule.safeParse(value);
  if (result.success) return [];
  const shown = meta.secret ? name : `${name} '${value}'`;
  return result.error.issues.map((issue) => `${shown} ${issue.message}.`);
}
