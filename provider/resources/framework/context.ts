import type { AutomationApi } from "../../automation";
import { type ConnectionSettings, resolveSettings, type StackConfig } from "../../config";
import { type BcConnection, connect } from "../../connection";
import { explicitSettingsOf } from "./connection-input";

/**
 * Stack configuration handed over by Pulumi's `configure()` (once per provider process). Credentials are read
 * from here at every operation, so `destroy` and `refresh` use today's credentials, never ones frozen in state.
 */
let stackConfig: StackConfig = { get: () => undefined };

export function setStackConfig(config: StackConfig) {
  stackConfig = config;
}

/** Per-process overrides for tests that call handlers directly (no Pulumi engine). */
let overrideConfig: Record<string, string> | undefined;
export function setConfigForTests(values: Record<string, string> | undefined) {
  overrideConfig = values;
}

function effectiveConfig(): StackConfig {
  if (!overrideConfig) return stackConfig;
  const values = overrideConfig;
  return { get: (key) => values[key] ?? stackConfig.get(key) };
}

/** One setting as stack config or the environment gives it (for what check can know while inputs are unknown). */
export function configuredValue(name: "tenantId" | "environment"): string | undefined {
  const variable = name === "tenantId" ? "AZURE_TENANT_ID" : "BC_ENVIRONMENT";
  const value = effectiveConfig().get(`businesscentral:${name}`) ?? process.env[variable];
  return value !== undefined && value.trim() !== "" ? value.trim() : undefined;
}

export interface ResourceConnection {
  connection: BcConnection;
  settings: ConnectionSettings;
  environment: string;
  automation: AutomationApi;
}

/**
 * The settings of a resource: its `connection` input and top-level `environment`, then stack config, then
 * environment variables. Problems name all three places (`SettingsError`).
 */
export function settingsFor(inputs: { connection?: unknown; environment?: unknown }): ConnectionSettings {
  return resolveSettings(explicitSettingsOf(inputs.connection, inputs.environment), effectiveConfig(), process.env, {
    explicitInput: "connection",
  });
}

/** The connection of a resource (one per settings in the process: shared tokens, limiter and pool). */
export function connectionFor(inputs: { connection?: unknown; environment?: unknown }): ResourceConnection {
  const settings = settingsFor(inputs);
  const connection = connect(settings);
  return {
    connection,
    settings,
    environment: settings.environment,
    automation: connection.automation(settings.environment),
  };
}
