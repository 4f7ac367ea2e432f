/**
 * `pulumi-businesscentral export`: reads an environment through the same connection settings as `doctor` and
 * returns a Pulumi TypeScript program that adopts what it found (docs/export.md).
 */
import type { ConnectionSettings } from "../config";
import { connect } from "../connection";
import { readAdminEnvironment } from "./environment";
import { readEnvironment } from "./read";
import { renderProgram } from "./render";

export { readEnvironment, type EnvironmentSnapshot } from "./read";
export { renderProgram } from "./render";

export async function exportEnvironment(settings: ConnectionSettings): Promise<string> {
  const connection = connect(settings, { retry: { maxAttempts: 3, baseDelayMs: 500 }, timeoutMs: 60_000 });
  const snapshot = await readEnvironment(connection.automation(settings.environment));
  snapshot.admin = await readAdminEnvironment(connection.admin(), snapshot.environment);
  return renderProgram(snapshot);
}
