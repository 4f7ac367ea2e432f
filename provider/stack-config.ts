/**
 * A Pulumi stack's `businesscentral:*` config for the command line (`doctor --stack dev`, `export --stack dev`):
 * read with `pulumi config --json --show-secrets` in the project folder, so the commands check exactly what the
 * provider will use. Secret values are registered for redaction before anything can print them.
 */
import { execFileSync } from "node:child_process";
import type { StackConfig } from "./connection";
import { registerSecret } from "./redact";

interface ConfigEntry {
  value?: unknown;
  secret?: boolean;
}

/** Runs `pulumi config` for `stack` in `cwd`; a failure explains what is needed. */
export function readStackConfig(stack: string, cwd: string, env: NodeJS.ProcessEnv): StackConfig {
  let text: string;
  try {
    text = execFileSync("pulumi", ["config", "--json", "--show-secrets", "--stack", stack], {
      cwd,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const why = e.code === "ENOENT" ? "the pulumi CLI is not on PATH" : (e.stderr ?? e.message).trim().split("\n")[0];
    throw new Error(
      `--stack ${stack}: could not read the stack's config (${why}). Run the command in the Pulumi project's folder, ` +
        "logged in to its backend (and with PULUMI_CONFIG_PASSPHRASE for passphrase-encrypted stacks).",
    );
  }
  const entries = JSON.parse(text) as Record<string, ConfigEntry>;
  const values = new Map<string, string>();
  for (const [key, entry] of Object.entries(entries)) {
    if (!key.startsWith("businesscentral:") || entry.value === undefined) continue;
    const value = typeof entry.value === "string" ? entry.value : JSON.stringify(entry.value);
    if (entry.secret) registerSecret(value);
    values.set(key, value);
  }
  return { get: (key) => values.get(key) };
}
