/**
 * Upgrading from release 0.1.0: a stack it made (test/fixtures/state/0.1.0: every resource kind, `pulumi stack
 * export` with the emulator's state after its `up`, made by scripts/make-state-fixture.ts) is imported with the real
 * CLI into a consumer project that installs today's package (`npm pack`), then refreshed, previewed (no changes),
 * updated and destroyed. Also: the package's provider entry points resolve by name from the consumer project (state
 * requires them forever), and the state a resource stores now (the module reference) against 0.1.0's text shim.
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator";
import type { EnvironmentState } from "../../emulator/state/model";
import {
  type CommandResult,
  cliEnv,
  configSetArgs,
  connectionConfig,
  createConsumer,
  PULUMI_BIN,
  packTarball,
  REPO_ROOT,
  requireCli,
  run,
} from "../../scripts/lib/cli";
import { FIXTURE_PULUMI_VERSION, fillStateFixture } from "../../scripts/make-state-fixture";

const FIXTURE = join(REPO_ROOT, "test/fixtures/state/0.1.0");
const KIND_EXPORTS = [
  "company",
  "configuration-package",
  "environment",
  "extension",
  "user-group-member",
  "permission-set-assignment",
];

interface StateResource {
  urn: string;
  id?: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

let emu: RunningEmulator;
let work: string;
let project: string;
let env: NodeJS.ProcessEnv;

async function pulumi(args: string[], input?: string): Promise<CommandResult> {
  return run(join(PULUMI_BIN, "pulumi"), args, { cwd: project, env, input });
}

async function exported(): Promise<StateResource[]> {
  const r = await pulumi(["stack", "export"]);
  expect(r.code, r.output).toBe(0);
  return (JSON.parse(r.stdout) as { deployment: { resources?: StateResource[] } }).deployment.resources ?? [];
}

const dynamic = (resources: StateResource[]) => resources.filter((r) => r.type.includes("dynamic/businesscentral:"));
const bytes = (r: StateResource) => JSON.stringify(r).length;
const named = (resources: StateResource[], name: string) => resources.find((r) => r.urn.endsWith(`::${name}`))!;
const environment = (name: string): EnvironmentState =>
  emu.state().tenants[0]!.environments.find((e) => e.name === name)!;

beforeAll(async () => {
  requireCli();
  work = mkdtempSync(join(tmpdir(), "bc-state-upgrade-"));
  project = join(work, "infra");
  const tarball = process.env.E2E_TARBALL ?? packTarball(join(work, "pack"));
  await createConsumer(project, tarball, { pulumiVersion: FIXTURE_PULUMI_VERSION });
  copyFileSync(join(FIXTURE, "index.ts"), join(project, "index.ts"));
  cpSync(join(FIXTURE, "files"), join(project, "files"), { recursive: true });
  // The emulator where 0.1.0's `up` left it.
  mkdirSync(join(work, "emulator"));
  copyFileSync(join(FIXTURE, "emulator-state.json"), join(work, "emulator/state.json"));
  emu = await startEmulator({ timeScale: 0.01, stateDir: join(work, "emulator") });
  env = cliEnv(join(work, "state"));
}, 600_000);

afterAll(async () => {
  await emu?.stop();
  if (work && process.env.E2E_KEEP !== "1") rmSync(work, { recursive: true, force: true });
});

describe("the package's entry points, resolved by name from a consumer project", () => {
  it("./provider and every per-kind provider export load and run (state requires them forever)", () => {
    const script = `
      const out = {};
      for (const name of process.argv.slice(1)) {
        const m = require(name);
        out[name] = typeof m.dispatch === "function" ? "dispatch" : Object.keys(m).sort().join(",");
      }
      const company = require("pulumi-businesscentral/provider/company");
      company.check({}, { displayName: "" }).then((r) => {
        out.check = r.failures.map((f) => f.property);
        process.stdout.write(JSON.stringify(out));
      });`;
    const names = [
      "pulumi-businesscentral/provider",
      ...KIND_EXPORTS.map((k) => `pulumi-businesscentral/provider/${k}`),
    ];
    const out = JSON.parse(
      execFileSync(process.execPath, ["-e", script, ...names], { cwd: project, encoding: "utf8" }),
    );
    expect(out["pulumi-businesscentral/provider"]).toBe("dispatch");
    for (const kind of KIND_EXPORTS)
      expect(out[`pulumi-businesscentral/provider/${kind}`]).toBe("check,configure,create,delete,diff,read,update");
    expect(out.check).toEqual(["displayName"]);
  });
});

/** Serializes each kind's provider in `cwd` as Pulumi's dynamic.Resource does, with the SDK found in `sdkFolder`. */
function serializedIn(cwd: string, sdkFolder: string, extraEnv: Record<string, string> = {}): Record<string, string> {
  const script = `
    const path = require("node:path");
    const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [process.cwd()] }));
    const { providerFor } = require(path.join(process.argv[1], "dist/sdk/shim.js"));
    (async () => {
      const out = {};
      for (const kind of ["Company", "ConfigurationPackage", "Environment", "Extension", "UserGroupMember", "PermissionSetAssignment"]) {
        const provider = providerFor(kind);
        out[kind] = (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  const env = { ...process.env, ...extraEnv };
  if (!extraEnv.PULUMI_BUSINESSCENTRAL_PROVIDER) delete env.PULUMI_BUSINESSCENTRAL_PROVIDER;
  return JSON.parse(execFileSync(process.execPath, ["-e", script, sdkFolder], { cwd, env, encoding: "utf8" }));
}

describe("what a program stores as the provider", () => {
  it("a module reference where the package resolves by name from the project to the program's copy", () => {
    const texts = serializedIn(project, join(project, "node_modules/pulumi-businesscentral"));
    KIND_EXPORTS.forEach((file, i) => {
      const text = Object.values(texts)[i]!;
      expect(text).toContain(`require("pulumi-businesscentral/provider/${file}")`);
      expect(text.length).toBeLessThan(400);
      expect(text).not.toContain(work);
    });
  });

  it("the text shim with PULUMI_BUSINESSCENTRAL_PROVIDER, which only the text shim reads", () => {
    const folder = join(project, "node_modules/pulumi-businesscentral");
    const texts = serializedIn(project, folder, { PULUMI_BUSINESSCENTRAL_PROVIDER: folder });
    for (const text of Object.values(texts)) {
      expect(text).toContain("load().dispatch(kind, method, args)");
      expect(text).not.toContain("pulumi-businesscentral/provider/");
    }
  });

  it("the text shim for an alias install (bc@npm:pulumi-businesscentral), which no reference by name would find", () => {
    const aliased = join(work, "aliased");
    mkdirSync(join(aliased, "node_modules"), { recursive: true });
    writeFileSync(join(aliased, "package.json"), '{ "name": "aliased", "private": true }\n');
    cpSync(join(project, "node_modules/pulumi-businesscentral"), join(aliased, "node_modules/bc"), { recursive: true });
    symlinkSync(join(project, "node_modules/@pulumi"), join(aliased, "node_modules/@pulumi"), "dir");
    const texts = serializedIn(aliased, join(aliased, "node_modules/bc"));
    for (const text of Object.values(texts)) {
      expect(text).toContain("load().dispatch(kind, method, args)");
      expect(text).not.toContain('require("pulumi-businesscentral/provider/');
    }
  });
});

// Each step runs the real CLI (a few seconds idle, much longer on a busy 2-core machine).
describe("a stack made with 0.1.0, run with today's package", { timeout: 300_000 }, () => {
  let before: StateResource[];

  it("imports (pulumi stack import)", async () => {
    expect((await pulumi(["stack", "init", "dev"])).code).toBe(0);
    for (const [key, value, secret] of connectionConfig(emu)) {
      const { args, input } = configSetArgs(key, value, secret);
      expect((await pulumi(args, input)).code).toBe(0);
    }
    const file = join(work, "stack-0.1.0.json");
    writeFileSync(file, fillStateFixture(readFileSync(join(FIXTURE, "stack.json"), "utf8"), emu));
    const r = await pulumi(["stack", "import", "--file", file]);
    expect(r.code, r.output).toBe(0);
    before = await exported();
    expect(
      dynamic(before)
        .map((r) => r.type.split(":").pop())
        .sort(),
    ).toEqual([
      "Company",
      "ConfigurationPackage",
      "Environment",
      "Extension",
      "Extension",
      "PermissionSetAssignment",
      "PermissionSetAssignment",
      "UserGroupMember",
    ]);
    for (const r of dynamic(before)) expect(r.outputs?.__provider).toContain("load().dispatch(kind, method, args)");
  });

  it("refreshes: every object is found where 0.1.0 left it", async () => {
    const r = await pulumi(["refresh", "--yes", "--skip-preview"]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(/deleted/);
    expect(dynamic(await exported())).toHaveLength(8);
  });

  it("previews no changes (the new shim is not a change)", async () => {
    const r = await pulumi(["preview", "--diff", "--expect-no-changes"]);
    expect(r.code, r.output).toBe(0);
  });

  it("updates: a changed input and a replaced grant store the module reference (state per resource)", async () => {
    expect((await pulumi(["config", "set", "companyName", "Contoso Trading Ltd."])).code).toBe(0);
    // Another permission set for Joe: another row, created by today's package before the old one goes.
    const program = join(project, "index.ts");
    writeFileSync(
      program,
      readFileSync(program, "utf8").replace('roleId: "D365 BUS FULL ACCESS"', 'roleId: "D365 READ"'),
    );
    const up = await pulumi(["up", "--yes", "--skip-preview"]);
    expect(up.code, up.output).toBe(0);
    expect(up.output).toMatch(/1 updated/);
    expect(up.output).toMatch(/1 replaced/);
    // Progress lines name their subject: resource name, tenant and environment.
    expect(up.output).toContain(`[PermissionSetAssignment joe-full-access @ ${emu.tenantId}/production] assigning`);
    expect(up.output).toContain(`[Company contoso @ ${emu.tenantId}/production] updating company`);
    const after = await exported();
    for (const name of ["contoso", "joe-full-access"]) {
      const text = named(after, name).outputs!.__provider as string;
      expect(text).toMatch(/require\("pulumi-businesscentral\/provider\/(company|permission-set-assignment)"\)/);
      expect(text.length).toBeLessThan(400);
    }
    const old = bytes(named(before, "joe-full-access"));
    const now = bytes(named(after, "joe-full-access"));
    console.log(
      `state per PermissionSetAssignment: ${old} bytes with 0.1.0's text shim, ${now} bytes now (module reference)`,
    );
    expect(now).toBeLessThanOrEqual(3 * 1024);
    const r = await pulumi(["preview", "--diff", "--expect-no-changes"]);
    expect(r.code, r.output).toBe(0);
  });

  it("destroys everything 0.1.0 and today's package made", async () => {
    const r = await pulumi(["destroy", "--yes", "--skip-preview"]);
    expect(r.code, r.output).toBe(0);
    // A resource as 0.1.0 recorded it is named too (its `owner` input carries the name).
    expect(r.output).toContain(`[PermissionSetAssignment finance-accountants @ ${emu.tenantId}/production] removing`);
    expect(dynamic(await exported())).toEqual([]);
    // What 0.1.0 created is gone from BC (the replaced grant went with the replace).
    const production = environment("production");
    expect(production.companies.map((c) => c.id)).not.toContain(named(before, "contoso").id);
    const grants = production.accessControls.map((a) => a.id);
    expect(grants).not.toContain(named(before, "finance-accountants").id);
    expect(grants).not.toContain(named(before, "joe-full-access").id);
    expect(environment("sandbox-24").userGroupMembers.map((m) => m.id)).not.toContain(
      named(before, "megan-accountants").id,
    );
  });
});
