import { connect, type BcConnection } from "../../connection";
import { resolveSettings, type StackConfig } from "../../config";
import type { AutomationApi } from "../../automation";

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

export interface ResourceConnection {
  connection: BcConnection;
  environment: string;
  automation: AutomationApi;
}

/** The connection for a resource: its `environment` input, else stack config / env var defaults. */
export function connectionFor(inputs: { environment?: unknown }): ResourceConnection {
  const environment =
    typeof inputs.environment === "string" && inputs.environment !== "" ? inputs.environment : undefined;
  const settings = resolveSettings(environment ? { environment } : {}, effectiveConfig());
  const connection = connect(settings);
  return { connection, environment: settings.environment, automation: connection.automation(settings.environment) };
}
