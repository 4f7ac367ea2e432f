/**
 * `pulumi up` inside examples/hydrate-tenant, as its README tells users: the real `pulumi` CLI (engine + Node
 * language host) runs the folder's index.ts with the folder's own package.json, Pulumi.yaml (whose config holds the
 * emulator's sample data) and tsconfig, against the emulator. The stack's config file and state live in a temp
 * folder (`--config-file`), so the example folder is left as it was, apart from its git-ignored build/:
 * `stack init` writes the passphrase salt next to Pulumi.yaml, and the test moves that file to the temp folder.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator";
import { cliEnv, configSetArgs, connectionConfig, PULUMI_BIN, REPO_ROOT, requireCli, run } from "../../scripts/lib/cli";

const FOLDER = join(REPO_ROOT, "examples/hydrate-tenant");
const STACK_FILE = join(FOLDER, "Pulumi.example.yaml");
let emu: RunningEmulator;
let work: string;
let configFile: string;
let env: NodeJS.ProcessEnv;
let before: string[];

const pulumi = (args: string[], input?: string) =>
  run(join(PULUMI_BIN, "pulumi"), [...args], { cwd: FOLDER, env, input });
const withConfig = (args: string[]) => [...args, "--config-file", configFile];
const production = () => emu.state().tenants[0].environments.find((e) => e.name === "production")!;

beforeAll(async () => {
  requireCli();
  work = mkdtempSync(join(tmpdir(), "bc-example-"));
  configFile = join(work, "Pulumi.example.yaml");
  env = cliEnv(join(work, "state"));
  // The README's first step: the example's .rapidstart and .app files, written to its default build/ folder.
  execFileSync(process.execPath, [join(REPO_ROOT, "dist/examples/hydrate-tenant/prepare.js")]);
  before = readdirSync(FOLDER).sort();
  emu = await startEmulator({ timeScale: 0.01 });
}, 120_000);

afterAll(async () => {
  await emu?.stop();
  rmSync(STACK_FILE, { force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

// Each step runs the real CLI (a few seconds idle, much longer on a busy 2-core machine).
describe("examples/hydrate-tenant with `pulumi up` in its folder", { timeout: 240_000 }, () => {
  it("has what a Pulumi program folder needs: package.json, Pulumi.yaml, tsconfig.json, README.md", () => {
    for (const f of ["package.json", "Pulumi.yaml", "tsconfig.json", "README.md", "index.ts"])
      expect(existsSync(join(FOLDER, f)), f).toBe(true);
  });

  it("up creates every declared resource in the emulator", async () => {
    expect((await pulumi(["stack", "init", "example"])).code).toBe(0);
    if (existsSync(STACK_FILE)) renameSync(STACK_FILE, configFile);
    for (const [key, value, secret] of connectionConfig(emu)) {
      const { args, input } = configSetArgs(key, value, secret);
      const r = await pulumi(withConfig(args), input);
      expect(r.code, r.output).toBe(0);
    }
    const up = await pulumi(withConfig(["up", "--yes", "--skip-preview"]));
    expect(up.code, up.output).toBe(0);
    expect(up.output).not.toContain(emu.clientSecret);
    const company = production().companies.find((c) => c.displayName === "Contoso Ltd.");
    expect(company?.configurationPackages.map((p) => [p.code, p.applyStatus])).toEqual([["CRONUS.SETUP", "Completed"]]);
    const installed = production()
      .publishedApps.filter((a) => a.isInstalled)
      .map((a) => `${a.displayName} ${a.version}`);
    expect(installed).toEqual(expect.arrayContaining(["Contoso Payment Services 5.0.0.0", "Contoso Extras 1.0.0.0"]));
    const outputs = await pulumi(["stack", "output", "--json"]);
    expect(JSON.parse(outputs.stdout)).toMatchObject({ companyId: company!.id, packageApplyStatus: "Completed" });
  });

  it("a second preview --diff expects no changes", async () => {
    const preview = await pulumi(withConfig(["preview", "--diff", "--expect-no-changes"]));
    expect(preview.code, preview.output).toBe(0);
  });

  it("destroy removes it all and leaves the folder as it was", async () => {
    const destroyed = await pulumi(withConfig(["destroy", "--yes", "--skip-preview"]));
    expect(destroyed.code, destroyed.output).toBe(0);
    expect(production().companies.find((c) => c.displayName === "Contoso Ltd.")).toBeUndefined();
    expect((await pulumi(["stack", "rm", "--yes", "example"])).code).toBe(0);
    expect(readdirSync(FOLDER).sort()).toEqual(before);
  });
});
