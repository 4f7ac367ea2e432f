/**
 * `doctor --stack <name>` inside a Pulumi project reads the stack's businesscentral:* config with the real pulumi
 * CLI (from scripts/install-pulumi): the check passes against the emulator with nothing in the environment, and the
 * stack's secret never appears in the output.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { main } from "../../provider/cli";
import { cliEnv, configSetArgs, connectionConfig, run } from "../../scripts/lib/cli";
import { resetProviderCaches, startTestEmulator } from "./helpers/emu";

let emu: RunningEmulator;
let project: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  emu = await startTestEmulator();
  project = mkdtempSync(join(tmpdir(), "bc-doctor-stack-"));
  writeFileSync(join(project, "Pulumi.yaml"), "name: doctor-stack\nruntime: nodejs\n");
  env = cliEnv(join(project, "state"));
  for (const key of Object.keys(env)) if (/^(AZURE_|BC_)/.test(key)) delete env[key];
  const init = await run("pulumi", ["stack", "init", "dev"], { cwd: project, env });
  expect(init.code, init.output).toBe(0);
  for (const [key, value, secret] of connectionConfig(emu)) {
    const { args, input } = configSetArgs(key, value, secret);
    const set = await run("pulumi", args, { cwd: project, env, input });
    expect(set.code, set.output).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await emu?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("doctor --stack", () => {
  it("checks the connection the stack's config describes", async () => {
    resetProviderCaches();
    let out = "";
    const code = await main(["doctor", "--stack", "dev", "--json"], {
      stdout: (t) => {
        out += t;
      },
      stderr: (t) => {
        out += t;
      },
      env,
      cwd: project,
    });
    expect(code, out).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true });
    expect(out).not.toContain(emu.clientSecret);
  });

  it("says what is needed when the stack cannot be read", async () => {
    let err = "";
    const code = await main(["doctor", "--stack", "nope"], {
      stdout: () => {},
      stderr: (t) => {
        err += t;
      },
      env,
      cwd: project,
    });
    expect(code).toBe(1);
    expect(err).toMatch(
      /--stack nope: could not read the stack's config .*Run the command in the Pulumi project's folder/,
    );
  });
});
