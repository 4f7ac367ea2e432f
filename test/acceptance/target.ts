/**
 * Where the acceptance suite runs: the environment the connection variables name (AZURE_TENANT_ID, …,
 * BC_ENVIRONMENT), or, without AZURE_TENANT_ID, an emulator the suite starts itself and then reaches exactly like a
 * real tenant: by URL and credentials (the variables below), never through its control plane or its state.
 */
import { randomBytes } from "node:crypto";
import { startEmulator } from "../../emulator";
import { resolveSettings, type ConnectionSettings } from "../../provider/connection";

/** The connection variables the provider reads (docs/authentication.md). */
export const CONNECTION_VARIABLES = [
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_FEDERATED_TOKEN_FILE",
  "AZURE_AUTHORITY_HOST",
  "BC_ENVIRONMENT",
  "BC_API_BASE_URL",
  "BC_CA_CERT_PATH",
] as const;

/** The self-started emulator's sandbox: BC 24, so user groups exist and every case can run. */
export const EMULATOR_SANDBOX = "sandbox-24";

export interface Target {
  /** Variables for child processes (the Pulumi engine and its provider): the connection, nothing else. */
  env: Record<string, string>;
  settings: ConnectionSettings;
  environment: string;
  /** The suite started an emulator: no case may be skipped. */
  selfStarted: boolean;
  stop(): Promise<void>;
}

export async function resolveTarget(env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  if (env.AZURE_TENANT_ID) {
    const vars: Record<string, string> = {};
    for (const name of CONNECTION_VARIABLES) if (env[name]) vars[name] = env[name] as string;
    const settings = resolveSettings({}, undefined, vars);
    return { env: vars, settings, environment: settings.environment, selfStarted: false, stop: async () => {} };
  }
  const emu = await startEmulator({});
  const vars: Record<string, string> = {
    AZURE_TENANT_ID: emu.tenantId,
    AZURE_CLIENT_ID: emu.clientId,
    AZURE_CLIENT_SECRET: emu.clientSecret,
    AZURE_AUTHORITY_HOST: emu.authorityHost,
    BC_ENVIRONMENT: EMULATOR_SANDBOX,
    BC_API_BASE_URL: emu.baseUrl,
    BC_CA_CERT_PATH: emu.caCertPath,
  };
  const settings = resolveSettings({}, undefined, vars);
  return { env: vars, settings, environment: EMULATOR_SANDBOX, selfStarted: true, stop: () => emu.stop() };
}

/** `<run>`: 6 lower-case base-36 characters. */
export function newRunId(): string {
  const bytes = randomBytes(6);
  return [...bytes].map((b) => (b % 36).toString(36)).join("");
}
