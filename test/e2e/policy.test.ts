/**
 * The policy pack as users run it: a consumer project made from `npm pack` of the provider and of
 * packages/policy (installed at node_modules/pulumi-businesscentral-policy), `pulumi preview` with the pack, the real
 * CLI against the emulator. One stack, one preview per scenario of one program (policy-pack.ts). The engine starts
 * the pack through a wrapper (policy-pack.ts explains why); the pack itself is the installed folder.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator";
import {
  type CommandResult,
  cliEnv,
  configSetArgs,
  connectionConfig,
  createConsumer,
  installedCopies,
  PULUMI_BIN,
  packTarball,
  requireCli,
  run,
} from "../../scripts/lib/cli";
import { ADMIN_GROUP, POLICY_PROGRAM, packPolicy, writePackWrapper } from "./policy-pack";

let emu: RunningEmulator;
let work: string;
let project: string;
let wrapper: string;
let env: NodeJS.ProcessEnv;

const transcript: string[] = [];

async function pulumi(args: string[], input?: string): Promise<CommandResult> {
  const result = await run(join(PULUMI_BIN, "pulumi"), args, { cwd: project, env, input });
  transcript.push(`$ pulumi ${args.join(" ")}\n${result.output}`);
  return result;
}

function preview(scenario: string, extra: string[] = []): Promise<CommandResult> {
  return pulumi(["preview", "--policy-pack", wrapper, ...extra, "-c", `scenario=${scenario}`]);
}

beforeAll(async () => {
  requireCli();
  work = mkdtempSync(join(tmpdir(), "bc-policy-e2e-"));
  project = join(work, "infra");
  const tarball = packTarball(join(work, "pack"));
  const policyTarball = packPolicy(join(work, "pack"));
  await createConsumer(project, tarball);
  writeFileSync(join(project, "index.ts"), POLICY_PROGRAM);
  const pathEnv = { ...process.env, PATH: `${join(process.execPath, "..")}:${process.env.PATH ?? ""}` };
  const install = await run("npm", ["install", "--no-audit", "--no-fund", "--no-update-notifier", policyTarball], {
    cwd: project,
    env: pathEnv,
  });
  if (install.code !== 0) throw new Error(`npm install of the policy pack failed:\n${install.output}`);
  wrapper = writePackWrapper(
    join(work, "run-policy-pack"),
    join(project, "node_modules/pulumi-businesscentral-policy"),
  );
  emu = await startEmulator({ timeScale: 0.01 });
  env = cliEnv(join(work, "state"));
  expect((await pulumi(["stack", "init", "dev"])).code).toBe(0);
  for (const [key, value, secret] of connectionConfig(emu)) {
    const { args, input } = configSetArgs(key, value, secret);
    const set = await pulumi(args, input);
    if (set.code !== 0) throw new Error(set.output);
  }
}, 600_000);

afterAll(async () => {
  await emu?.stop();
  if (work && process.env.E2E_KEEP === "1") writeFileSync(join(work, "transcript.txt"), transcript.join("\n"));
  if (work && process.env.E2E_KEEP !== "1") rmSync(work, { recursive: true, force: true });
});

describe("the policy pack with the pulumi CLI in a consumer project", { timeout: 240_000 }, () => {
  it("installs as a package of its own: the compiled pack, its PulumiPolicy.yaml, one @pulumi/pulumi", () => {
    const pack = join(project, "node_modules/pulumi-businesscentral-policy");
    expect(readdirSync(pack).sort()).toEqual(["PulumiPolicy.yaml", "README.md", "dist", "package.json"]);
    expect(readdirSync(join(pack, "dist"))).toContain("index.js");
    expect(JSON.parse(readFileSync(join(pack, "package.json"), "utf8")).version).toMatch(/^\d+\.\d+\.\d+/);
    expect(installedCopies(project, "@pulumi/pulumi")).toHaveLength(1);
  });

  it("a compliant program previews cleanly", async () => {
    const r = await preview("compliant");
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("pulumi-businesscentral@v0.1.0");
    expect(r.output).not.toMatch(/\[(mandatory|advisory)\]/);
  });

  it("SUPER to a security group stops the preview, naming the resource, the property and the fix", async () => {
    const r = await preview("super-to-group");
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("[mandatory]  no-super-permission-sets");
    expect(r.output).toContain(
      `PermissionSetAssignment 'admins-super' grants SUPER to a security group (securityGroupId '${ADMIN_GROUP}')`,
    );
    expect(r.output).toContain("Fix: set roleId to a narrower permission set");
  });

  it("`pulumi up` with the pack stops at the same violation before anything is sent to Business Central", async () => {
    const writes = () =>
      emu.requests().filter((r) => /^(POST|PATCH|PUT|DELETE)$/.test(r.method) && !r.path.includes("/oauth2/"));
    const before = writes().length;
    const r = await pulumi(["up", "--yes", "--policy-pack", wrapper, "-c", "scenario=super-to-group"]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("[mandatory]  no-super-permission-sets");
    expect(writes().length).toBe(before);
  });

  it("SUPER to a user in the environment from stack config, production, stops the preview (policies see the checked environment; SUPER (DATA), which the emulator's seed lacks, is in policy-rules.test.ts)", async () => {
    const r = await preview("super-in-production");
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      "PermissionSetAssignment 'joe-super' grants SUPER to userName 'JOE' (roleId) in production environment 'production'. Fix:",
    );
  });

  it("an environment declared in the stack with type Production counts as production", async () => {
    const r = await preview("super-in-declared-production");
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("PermissionSetAssignment 'joe-super-eu' grants SUPER to userName 'JOE'");
    expect(r.output).toMatch(/in production environment (?:'prodeu' \(declared|of Environment 'prod-eu')/);
  });

  it("a Production environment with allowDelete: true and no protect stops the preview", async () => {
    const r = await preview("deletable-production");
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("[mandatory]  protect-production-environments");
    expect(r.output).toContain(
      "Environment 'prod-us' ('produs') is of type Production and sets allowDelete: true without protect: true",
    );
  });

  it("a value preview cannot know gives an advisory 'cannot tell yet', even from a mandatory policy", async () => {
    const r = await preview("environment-not-known-yet");
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("[advisory]  no-super-permission-sets");
    expect(r.output).toContain(
      "Cannot tell yet: PermissionSetAssignment 'joe-super-later' grants SUPER, and its environment is not known yet.",
    );
  });

  it("advisory policies warn and the preview passes", async () => {
    const r = await preview("advisories");
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("[advisory]  pin-appsource-versions");
    expect(r.output).toContain(
      `Extension 'unpinned-app' installs AppSource app ${"63ca2fa4-4f03-4f2b-a480-172fef340d3f"} without appSource.version`,
    );
    expect(r.output).toContain("[advisory]  no-data-deleting-options-in-production");
    expect(r.output).toContain("Extension 'unpinned-app' sets deleteData: true in production environment 'production'");
    expect(r.output).toContain("[advisory]  no-delete-adopted-in-production");
    expect(r.output).toContain("Company 'contoso' sets deleteAdopted: true in production environment 'production'");
  });

  it("the policy config file turns one policy to advisory and sets another's limit", async () => {
    const config = join(work, "policy-config.json");
    writeFileSync(
      config,
      JSON.stringify({ "no-super-permission-sets": "advisory", "resource-count-per-stack": { maxResources: 2 } }),
    );
    const r = await preview("super-to-group", ["--policy-pack-config", config]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("[advisory]  no-super-permission-sets");
    expect(r.output).toContain("PermissionSetAssignment 'admins-super' grants SUPER to a security group");
    expect(r.output).toContain("[advisory]  resource-count-per-stack");
    expect(r.output).toContain("This stack declares 4 Business Central resources, more than maxResources (2)");
  });
});
