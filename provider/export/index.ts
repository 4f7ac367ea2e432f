/**
 * `pulumi-businesscentral export`: reads an environment through the same connection settings as `doctor` and
 * returns a Pulumi TypeScript program that adopts what it found (docs/export.md).
 */
import type { ConnectionSettings } from "../connection";
import { createRuntime, type ProviderRuntime } from "../runtime";
import { readAdminEnvironment } from "./environment";
import { readEnvironment } from "./read";
import { renderProgram } from "./render";

export { readEnvironment, type EnvironmentSnapshot } from "./read";
export { renderProgram } from "./render";

/** Reads the environment through `runtime`'s connections (default: a runtime of its own, closed at the end). */
export async function exportEnvironment(settings: ConnectionSettings, runtime?: ProviderRuntime): Promise<string> {
  const own = runtime ?? createRuntime();
  try {
    const connection = own.connect(settings, { retry: { maxAttempts: 3, baseDelayMs: 500 }, timeoutMs: 60_000 });
    const snapshot = await readEnvironment(connection.automation(settings.environment));
    snapshot.admin = await readAdminEnvironment(connection.admin(), snapshot.environment);
    return renderProgram(snapshot);
  } finally {
    if (!runtime) await own.close();
  }
}
