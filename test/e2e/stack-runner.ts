/**
 * Runs one Pulumi operation through dist/scripts/stack.js in a child process (vitest cannot host Pulumi's closure
 * serializer) and returns its JSON summary; shared by the environment and export end-to-end tests.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { RunningEmulator } from "../../emulator";
import { emulatorStackConfig } from "../provider/helpers/emu";

export const ROOT = resolve(__dirname, "../..");
const STACK = join(ROOT, "dist/scripts/stack.js");

export interface Summary {
  result: string;
  changes?: Record<string, number>;
  outputs?: Record<string, unknown>;
  stdout?: string;
  error?: string;
  log: string;
}

export type StackConfig = Record<string, { value: string; secret?: boolean }>;

/** The emulator's `businesscentral:*` stack config, the client secret marked secret (encrypted in state). */
export function emulatorConfig(emu: RunningEmulator): StackConfig {
  const config: StackConfig = {};
  for (const [key, value] of Object.entries(emulatorStackConfig(emu))) {
    config[key] = { value, ...(key === "businesscentral:clientSecret" ? { secret: true } : {}) };
  }
  return config;
}

export async function runStack(
  work: string,
  config: StackConfig,
  op: "up" | "preview" | "refresh" | "destroy",
  args: string[],
): Promise<Summary> {
  mkdirSync(work, { recursive: true });
  const configFile = join(work, "config.json");
  writeFileSync(configFile, JSON.stringify(config));
  const child = spawn(
    process.execPath,
    [STACK, op, "--state-dir", join(work, "state"), "--config-file", configFile, ...args],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let log = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    log += d;
  });
  await new Promise((ok) => child.once("exit", ok));
  const last = out.trim().split("\n").pop() ?? "{}";
  try {
    return { ...(JSON.parse(last) as Omit<Summary, "log">), log };
  } catch {
    return { result: "crashed", error: out.slice(-2000), log };
  }
}

const WRITE = /^(POST|PATCH|PUT|DELETE)$/;

/** Requests that change something in BC (token requests to Entra excluded). */
export function writeRequests(emu: RunningEmulator) {
  return emu.requests().filter((r) => WRITE.test(r.method) && !r.path.includes("/oauth2/"));
}

/** Every file of a stack's state folder (checkpoints, backups, history) with its text, to look for secrets in. */
export function stateFileTexts(stateDir: string): { path: string; text: string }[] {
  const files: { path: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push({ path, text: readFileSync(path, "utf8") });
    }
  };
  walk(stateDir);
  return files;
}
