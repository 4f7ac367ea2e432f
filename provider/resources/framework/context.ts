import type { AutomationApi } from "../../automation";
import type { BcConnection, ConnectionSettings, ConnectionTarget, ResolvedConnection } from "../../connection";
import type { ProviderRuntime } from "../../runtime";

/** What an operation reaches BC with: the runtime's connection for the resource's resolved settings. */
export interface ResourceConnection {
  connection: BcConnection;
  settings: ConnectionSettings;
  environment: string;
  automation: AutomationApi;
}

/** The connection of a resolved target (one per settings in the runtime: shared tokens, limiter and sockets). */
export function connectionOf(runtime: ProviderRuntime, resolved: ResolvedConnection): ResourceConnection {
  const connection = runtime.connect(resolved.settings);
  return {
    connection,
    settings: resolved.settings,
    environment: resolved.environment,
    automation: connection.automation(resolved.environment),
  };
}

/** The connection of a resource's inputs (`connection`, `environment`), resolved through the runtime. */
export function connectionFor(runtime: ProviderRuntime, target: ConnectionTarget): ResourceConnection {
  return connectionOf(runtime, runtime.resolve(target));
}
