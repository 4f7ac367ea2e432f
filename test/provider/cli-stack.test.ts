/**
 * `doctor` and `export` in a Pulumi project's folder read the selected stack's businesscentral:* config (as
 * `--stack <selected>`), with the real pulumi CLI (scripts/install-pulumi): the report's first line names the stack;
 * with no stack selected they say so and go on with flags and environment variables; `--no-stack` skips the stack;
 * a stack that cannot be read exits 1 with the fix. Also through the built command (`node dist/provider/cli.js`),
 * run in the folder as users run it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { main } from "../../provider/cli";
import { cliEnv, configSetArgs, connectionConfig, REPO_ROOT, requireCli, run } from "../../scripts/lib/cli";
import { resetProviderCaches, startTestEmulator } from "./helpers/emu";

let emu: RunningEmulator;
let work: string;
/** A project whose stack `dev` is selected and holds the emulator's connection. */
let selected: string;
/** A project with a stack that is not selected. */
let unselected: string;
let env: NodeJS.ProcessEnv;

async function project(name: string, select: boolean): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
  const init = await run("pulumi", ["stack", "init", "dev", ...(select ? [] : ["--no-select"])], { cwd: dir, env });
  expect(init.code, init.output).toBe(0);
  for (const [key, value, secret] of connectionConfig(emu)) {
    const { args, input } = configSetArgs(key, value, secret);
    const set = await run("pulumi", [...args, "--stack", "dev"], { cwd: dir, env, input });
    expect(set.code, set.output).toBe(0);
  }
  return dir;
}

beforeAll(async () => {
  requireCli();
  emu = await startTestEmulator();
  work = mkdtempSync(join(tmpdir(), "bc-cli-stack-"));
  env = cliEnv(join(work, "state"));
  for (const key of Object.keys(env)) if (/^(AZURE_|BC_)/.test(key)) delete env[key];
  selected = await project("selected", true);
  unselected = await project("unselected", false);
}, 180_000);

afterAll(async () => {
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function cli(argv: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}) {
  resetProviderCaches();
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { ...env, ...extraEnv },
    cwd,
  });
  return { code, stdout, stderr };
}

describe("doctor and export in a Pulumi project's folder", { timeout: 120_000 }, () => {
  it("doctor reads the selected stack and names it on the first line", async () => {
    const r = await cli(["doctor"], selected);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe(
      "Stack: dev (the selected stack; its businesscentral:* config, flags and environment variables)",
    );
    expect(r.stdout).toContain("All checks passed");
    expect(r.stdout + r.stderr).not.toContain(emu.clientSecret);
    const json = await cli(["doctor", "--json"], selected);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, stack: "dev" });
  });

  it("export reads the selected stack too (its environment included), naming it first on stderr", async () => {
    const r = await cli(["export"], selected);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split("\n")[0]).toMatch(/^Stack: dev \(the selected stack/);
    expect(r.stdout).toContain('import * as bc from "pulumi-businesscentral"');
  });

  it("--no-stack skips the stack: only flags and environment variables", async () => {
    const r = await cli(["doctor", "--no-stack"], selected);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toBe("Stack: none (--no-stack); settings from flags and environment variables");
    expect(r.stdout).toContain("AZURE_TENANT_ID");
  });

  it("with no stack selected it says so and goes on with flags and environment variables", async () => {
    const emulatorEnv = {
      AZURE_TENANT_ID: emu.tenantId,
      AZURE_CLIENT_ID: emu.clientId,
      AZURE_CLIENT_SECRET: emu.clientSecret,
      AZURE_AUTHORITY_HOST: emu.authorityHost,
      BC_API_BASE_URL: emu.baseUrl,
      BC_ENVIRONMENT: emu.environment,
      BC_CA_CERT_PATH: emu.caCertPath,
    };
    const r = await cli(["doctor"], unselected, emulatorEnv);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(
      /^Stack: none selected in this Pulumi project \(select one with `pulumi stack select <name>` or pass --stack <name>\)/,
    );
    // --stack still reads the unselected stack.
    const named = await cli(["doctor", "--stack", "dev"], unselected);
    expect(named.code, named.stdout + named.stderr).toBe(0);
    expect(named.stdout.split("\n")[0]).toMatch(/^Stack: dev \(--stack/);
  });

  it("a selected stack that cannot be read exits 1 with the fix (doctor and export)", async () => {
    for (const command of ["doctor", "export"]) {
      const r = await cli([command], selected, { PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase" });
      expect(r.code, command).toBe(1);
      expect(r.stderr).toMatch(/--stack dev: could not read the stack's config \(.*\)\. Run the command/);
      expect(r.stderr).toContain("or pass --no-stack");
      expect(r.stdout).toBe("");
    }
  });

  it("the installed command, run in the folder, reads the selected stack", async () => {
    const r = await run(process.execPath, [join(REPO_ROOT, "dist/provider/cli.js"), "doctor"], {
      cwd: selected,
      env,
    });
    expect(r.code, r.output).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^Stack: dev \(the selected stack/);
  });
});
