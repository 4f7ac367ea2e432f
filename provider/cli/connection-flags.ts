/**
 * The connection flags `doctor` and `export` share, and the settings they make: flags, then the stack's config
 * (the selected stack of the Pulumi project in the current folder, or `--stack <name>`), then the same environment
 * variables the provider reads. There is deliberately no flag for the client secret: it would end up in shell
 * history and process listings.
 */
import type { ParseArgsConfig } from "node:util";
import type { ExplicitSettings } from "../connection";
import { chooseStack, type StackChoice } from "../stack-config";
import type { CliIo } from "./command";

export const CONNECTION_OPTIONS = {
  "tenant-id": { type: "string" },
  "client-id": { type: "string" },
  environment: { type: "string" },
  "client-certificate-path": { type: "string" },
  "federated-token-file": { type: "string" },
  "authority-host": { type: "string" },
  "api-base-url": { type: "string" },
  "admin-api-version": { type: "string" },
  "ca-cert": { type: "string" },
  stack: { type: "string" },
  "no-stack": { type: "boolean", default: false },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

export const CONNECTION_HELP = `Connection options (flags win over the stack's config, which wins over environment variables):
  --tenant-id <id>                Entra tenant id (AZURE_TENANT_ID)
  --client-id <id>                app registration client id (AZURE_CLIENT_ID)
  --environment <name>            BC environment (BC_ENVIRONMENT)
  --client-certificate-path <p>   PEM with certificate + private key (AZURE_CLIENT_CERTIFICATE_PATH)
  --federated-token-file <p>      federated (OIDC) token file (AZURE_FEDERATED_TOKEN_FILE)
  --authority-host <url>          Entra host (AZURE_AUTHORITY_HOST; default https://login.microsoftonline.com)
  --api-base-url <url>            BC API host (BC_API_BASE_URL; default https://api.businesscentral.dynamics.com)
  --admin-api-version <v>         Admin Center API version (BC_ADMIN_API_VERSION; default v2.28)
  --ca-cert <path>                extra CA certificate to trust, e.g. the emulator's (BC_CA_CERT_PATH)
  --stack <name>                  read this stack's businesscentral:* config (default: in a Pulumi project's
                                  folder, the selected stack)
  --no-stack                      read no stack config, only flags and environment variables

The client secret is read from the stack's config or AZURE_CLIENT_SECRET only.`;

type ConnectionValues = {
  [K in keyof typeof CONNECTION_OPTIONS]?: (typeof CONNECTION_OPTIONS)[K]["type"] extends "string" ? string : boolean;
};

export interface ConnectionInputs {
  explicit: ExplicitSettings;
  /** The environment variables, with `--ca-cert` passed like BC_CA_CERT_PATH so it is read and reported the same. */
  env: NodeJS.ProcessEnv;
  stack: StackChoice;
}

/** The settings inputs of parsed connection flags. Throws StackConfigError when the stack cannot be read. */
export function connectionInputs(values: ConnectionValues, io: CliIo): ConnectionInputs {
  const explicit: ExplicitSettings = {
    tenantId: values["tenant-id"],
    clientId: values["client-id"],
    environment: values.environment,
    clientCertificatePath: values["client-certificate-path"],
    federatedTokenFile: values["federated-token-file"],
    authorityHost: values["authority-host"],
    apiBaseUrl: values["api-base-url"],
    adminApiVersion: values["admin-api-version"],
  };
  const env = { ...io.env, ...(values["ca-cert"] ? { BC_CA_CERT_PATH: values["ca-cert"] } : {}) };
  const stack = chooseStack({ stack: values.stack, noStack: values["no-stack"] }, io.cwd, env);
  return { explicit, env, stack };
}
