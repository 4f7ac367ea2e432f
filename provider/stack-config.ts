/**
 * Which Pulumi stack's `businesscentral:*` config the command line (`doctor`, `export`) reads, and reading it: with
 * `--stack <name>` that stack; otherwise, in a Pulumi project's folder (Pulumi.yaml), the stack selected there (as if
 * `--stack <selected>` were given); `--no-stack` reads none. Read with the pulumi CLI
 * (`pulumi config --json --show-secrets`), so the commands check exactly what the provider will use. Secret values
 * are registered for redaction before anything can print them.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { StackConfig } from "./connection";
import { registerSecret } from "./redact";

interface ConfigEntry {
  value?: unknown;
  secret?: boolean;
}

/** The stack a command uses: its config, or why none is read. `summary` is the report's first line. */
export type StackChoice =
  | { stack: string; config: StackConfig; summary: string }
  | { stack?: undefined; config?: undefined; summary: string };

/** The stack could not be read; the message says how to fix it. */
export class StackConfigError extends Error {
  override name = "StackConfigError";
}

const FALLBACK = "settings from flags and environment variables";

/**
 * Picks and reads the stack for a command. `cwd` undefined (a programmatic call) looks for no project.
 * Throws StackConfigError when a stack should be read and cannot be.
 */
export function chooseStack(
  options: { stack?: string; noStack?: boolean },
  cwd: string | undefined,
  env: NodeJS.ProcessEnv,
): StackChoice {
  if (options.stack !== undefined) {
    return {
      stack: options.stack,
      config: readStackConfig(options.stack, cwd ?? process.cwd(), env),
      summary: `Stack: ${options.stack} (--stack; its businesscentral:* config, flags and environment variables)`,
    };
  }
  if (options.noStack) return { summary: `Stack: none (--no-stack); ${FALLBACK}` };
  if (cwd === undefined) return { summary: `Stack: none (no project folder given); ${FALLBACK}` };
  if (!isPulumiProject(cwd)) return { summary: `Stack: none (no Pulumi.yaml in this folder); ${FALLBACK}` };
  const selected = selectedStack(cwd, env);
  if (selected === undefined) {
    return {
      summary: `Stack: none selected in this Pulumi project (select one with \`pulumi stack select <name>\` or pass --stack <name>); ${FALLBACK}`,
    };
  }
  return {
    stack: selected,
    config: readStackConfig(selected, cwd, env),
    summary: `Stack: ${selected} (the selected stack; its businesscentral:* config, flags and environment variables)`,
  };
}

function isPulumiProject(folder: string): boolean {
  return existsSync(join(folder, "Pulumi.yaml")) || existsSync(join(folder, "Pulumi.yml"));
}

/** The stack selected in the project in `cwd` (`pulumi stack ls --json`, the entry with `current`), if any. */
export function selectedStack(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const text = pulumi(["stack", "ls", "--json"], cwd, env, (why) =>
    [
      `could not list the stacks of the Pulumi project in ${cwd} (${why}).`,
      "Log in to the project's backend (pulumi login), or pass --stack <name>, or --no-stack to use only flags and environment variables.",
    ].join(" "),
  );
  const stacks = JSON.parse(text) as { name?: unknown; current?: unknown }[];
  const current = stacks.find((s) => s.current === true && typeof s.name === "string");
  return current?.name as string | undefined;
}

/** Runs `pulumi config` for `stack` in `cwd`; a failure explains what is needed. */
export function readStackConfig(stack: string, cwd: string, env: NodeJS.ProcessEnv): StackConfig {
  const text = pulumi(
    ["config", "--json", "--show-secrets", "--stack", stack],
    cwd,
    env,
    (why) =>
      `--stack ${stack}: could not read the stack's config (${why}). Run the command in the Pulumi project's folder, ` +
      "logged in to its backend (and with PULUMI_CONFIG_PASSPHRASE for passphrase-encrypted stacks), or pass --no-stack to use only flags and environment variables.",
  );
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

/** Runs the pulumi CLI; on failure throws StackConfigError with `explain(<first line of pulumi's error>)`. */
function pulumi(args: string[], cwd: string, env: NodeJS.ProcessEnv, explain: (why: string) => string): string {
  try {
    return execFileSync("pulumi", args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const why = e.code === "ENOENT" ? "the pulumi CLI is not on PATH" : (e.stderr || e.message).trim().split("\n")[0];
    throw new StackConfigError(explain(why));
  }
}
