/**
 * The user's path, as users run it: a consumer project made from `npm pack` (its own package.json, the tarball and
 * the newest `@pulumi/pulumi` from the registry, a TypeScript program), driven by the real `pulumi` CLI (engine +
 * Node language host from scripts/install-pulumi) against the emulator: stack init, config set [--secret], up,
 * preview --diff --expect-no-changes (with its request count), preview failing on a misspelled roleId, an unknown
 * user, a wrong secret and a misspelled environment (an error, not a replace), refresh, destroy. Offline backend and
 * passphrase secrets.
 *
 * Env: E2E_PULUMI_VERSION=<version or range> installs that @pulumi/pulumi instead of `latest` (used to verify the
 * peer range's floor, with E2E_TYPESCRIPT_VERSION=^5 as SDKs before 3.2xx refuse TypeScript 6); E2E_TARBALL=<path> uses
 * an existing tarball instead of packing the repository; E2E_KEEP=1 keeps the temp folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
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
  EMULATOR_ONLY_PACKAGES,
  installedCopies,
  PULUMI_BIN,
  packTarball,
  requireCli,
  run,
} from "../../scripts/lib/cli";

let emu: RunningEmulator;
let work: string;
let project: string;
let env: NodeJS.ProcessEnv;
const transcript: string[] = [];

async function pulumi(args: string[], input?: string, extraEnv: Record<string, string> = {}): Promise<CommandResult> {
  const result = await run(join(PULUMI_BIN, "pulumi"), args, {
    cwd: project,
    env: { ...env, ...extraEnv },
    input,
  });
  transcript.push(`$ pulumi ${args.join(" ")}\n${result.output}`);
  return result;
}

const company = () =>
  emu
    .state()
    .tenants[0].environments.find((e) => e.name === emu.environment)!
    .companies.find((c) => c.displayName.startsWith("Contoso"));
const joeRoles = () => {
  const e = emu.state().tenants[0].environments.find((x) => x.name === emu.environment)!;
  const joe = e.users.find((u) => u.userName === "JOE")!.userSecurityId;
  return e.accessControls.filter((a) => a.userSecurityId === joe).map((a) => `${a.roleId}|${a.company}`);
};

beforeAll(async () => {
  requireCli();
  work = mkdtempSync(join(tmpdir(), "bc-cli-e2e-"));
  project = join(work, "infra");
  const tarball = process.env.E2E_TARBALL ?? packTarball(join(work, "pack"));
  await createConsumer(project, tarball, {
    pulumiVersion: process.env.E2E_PULUMI_VERSION,
    typescriptVersion: process.env.E2E_TYPESCRIPT_VERSION,
  });
  emu = await startEmulator({ timeScale: 0.01 });
  env = cliEnv(join(work, "state"));
}, 600_000);

afterAll(async () => {
  await emu?.stop();
  if (work && process.env.E2E_KEEP !== "1") rmSync(work, { recursive: true, force: true });
});

// Each step runs the real CLI (a few seconds idle, much longer on a busy 2-core machine).
describe("the pulumi CLI in a consumer project made from npm pack", { timeout: 240_000 }, () => {
  it("installs exactly one @pulumi/pulumi and none of the emulator-only packages", () => {
    const copies = installedCopies(project, "@pulumi/pulumi");
    expect(copies).toHaveLength(1);
    const pkg = JSON.parse(readFileSync(join(project, "node_modules/pulumi-businesscentral/package.json"), "utf8"));
    expect(pkg.peerDependencies["@pulumi/pulumi"]).toBeDefined();
    expect(pkg.dependencies["@pulumi/pulumi"]).toBeUndefined();
    for (const name of EMULATOR_ONLY_PACKAGES) expect(installedCopies(project, name), name).toEqual([]);
    // Only what users run is shipped: the SDK and the provider, no emulator, scripts, examples or tests.
    const shipped = readdirSync(join(project, "node_modules/pulumi-businesscentral/dist"));
    expect(shipped).toContain("sdk");
    expect(shipped).toContain("provider");
    for (const name of ["emulator", "scripts", "examples", "test"]) expect(shipped).not.toContain(name);
    expect(existsSync(join(project, "node_modules/pulumi-businesscentral/docs/engine.md"))).toBe(false);
  });

  it("stack init and config set [--secret] businesscentral:*", async () => {
    expect((await pulumi(["stack", "init", "dev"])).code).toBe(0);
    for (const [key, value, secret] of [...connectionConfig(emu), ["infra:userName", "JOE", false] as const]) {
      const { args, input } = configSetArgs(key, value, secret);
      const r = await pulumi(args, input);
      expect(r.code, r.output).toBe(0);
    }
    const stackFile = readFileSync(join(project, "Pulumi.dev.yaml"), "utf8");
    expect(stackFile).toContain("businesscentral:clientSecret:\n    secure:");
    expect(stackFile).not.toContain(emu.clientSecret);
  });

  it("up creates the company and the permission set assignment", async () => {
    const up = await pulumi(["up", "--yes", "--skip-preview"]);
    expect(up.code, up.output).toBe(0);
    expect(up.stdout).toMatch(/3 created|\+ 3 created|created \(3\)|3 to create|\b3 created\b/);
    const c = company();
    expect(c?.displayName).toBe("Contoso Ltd.");
    expect(joeRoles()).toContain(`D365 BUS FULL ACCESS|${c!.name}`);
    const out = await pulumi(["stack", "output", "companyId"]);
    expect(out.stdout.trim()).toBe(c!.id);
  });

  it("a second preview --diff reports no changes (--expect-no-changes), checked with one token and few reads", async () => {
    emu.clearRequests();
    const preview = await pulumi(["preview", "--diff", "--expect-no-changes"]);
    expect(preview.code, preview.output).toBe(0);
    const served = emu.requests().map((r) => `${r.method} ${r.path}`);
    expect(
      served.filter((r) => r.includes("/oauth2/")),
      served.join("\n"),
    ).toHaveLength(1);
    const api = served.filter((r) => r.includes("/v2.0/") && !r.includes("/oauth2/"));
    // companies (token, environment, company named), users, permissionSets: whatever the number of resources
    expect(api.length, api.join("\n")).toBe(3);
    expect(api.every((r) => r.startsWith("GET "))).toBe(true);
  });

  it("preview fails on what BC does not have, naming the resource, the field and the fix", async () => {
    const set = async (key: string, value: string, secret = false) => {
      const { args, input } = configSetArgs(key, value, secret);
      expect((await pulumi(args, input)).code).toBe(0);
    };
    // A misspelled roleId and an unknown user: both problems of the resource at once.
    await set("infra:roleId", "D365 BUS FULL ACESS");
    await set("infra:userName", "NOBODY");
    const names = await pulumi(["preview"]);
    expect(names.code).not.toBe(0);
    expect(names.output).toContain("joe-full-access");
    expect(names.output).toMatch(
      /roleId[\s\S]*no permission set 'D365 BUS FULL ACESS'.*Did you mean 'D365 BUS FULL ACCESS'/,
    );
    expect(names.output).toMatch(/userName[\s\S]*no user named 'NOBODY'.*sync users/);
    expect((await pulumi(["config", "rm", "infra:roleId"])).code).toBe(0);
    await set("infra:userName", "JOE");

    // A wrong client secret.
    await set("businesscentral:clientSecret", "not-the-secret", true);
    const secret = await pulumi(["preview"]);
    expect(secret.code).not.toBe(0);
    expect(secret.output).toMatch(/connection[\s\S]*gets no token from Entra ID[\s\S]*Fix the credential/);
    expect(secret.output).toContain("pulumi config set --secret businesscentral:clientSecret");
    await set("businesscentral:clientSecret", emu.clientSecret, true);

    // A misspelled environment: an error at check, not a replace that would delete the company in production.
    await set("businesscentral:environment", "productoin");
    const typo = await pulumi(["preview", "--diff"]);
    expect(typo.code).not.toBe(0);
    expect(typo.output).toContain("contoso");
    expect(typo.output).toMatch(/environment[\s\S]*no environment 'productoin' in tenant/);
    expect(typo.output).not.toMatch(/to replace|\+-\s*businesscentral|replaced/);
    await set("businesscentral:environment", emu.environment);
  });

  it("preview --diff shows a changed input and --expect-no-changes then fails", async () => {
    expect((await pulumi(["config", "set", "companyName", "Contoso Trading Ltd."])).code).toBe(0);
    const preview = await pulumi(["preview", "--diff", "--expect-no-changes"]);
    expect(preview.code).not.toBe(0);
    expect(preview.output).toContain("Contoso Trading Ltd.");
    expect((await pulumi(["config", "rm", "companyName"])).code).toBe(0);
  });

  it("refresh sees BC's side: an out-of-band rename shows as an update", async () => {
    emu.mutate(() => {
      const c = company()!;
      c.displayName = "Renamed In BC";
      c.rev += 1;
    });
    const refresh = await pulumi(["refresh", "--yes", "--skip-preview"]);
    expect(refresh.code, refresh.output).toBe(0);
    expect(refresh.output).toMatch(/1 updated|~ 1 updated/);
    const up = await pulumi(["up", "--yes", "--skip-preview"]);
    expect(up.code, up.output).toBe(0);
    expect(company()?.displayName).toBe("Contoso Ltd.");
  });

  it("with the package removed, refresh fails naming the missing module", async () => {
    const installed = join(project, "node_modules/pulumi-businesscentral");
    const moved = join(project, "vendor/pulumi-businesscentral");
    mkdirSync(join(project, "vendor"), { recursive: true });
    renameSync(installed, moved);
    try {
      // State holds module references (the package resolved from the project when `up` ran): Node's own message,
      // which docs/troubleshooting.md explains (the text shim's "must be a direct dependency" is in shim.test.ts).
      const refresh = await pulumi(["refresh", "--yes", "--skip-preview"]);
      expect(refresh.code).not.toBe(0);
      expect(refresh.output).toContain("Cannot find module 'pulumi-businesscentral/provider/company'");
      // NODE_PATH reaches a copy outside the project's node_modules.
      const pointed = await pulumi(["refresh", "--yes", "--skip-preview"], undefined, {
        NODE_PATH: join(project, "vendor"),
      });
      expect(pointed.code, pointed.output).toBe(0);
    } finally {
      renameSync(moved, installed);
    }
  });

  it("destroy removes what the stack created", async () => {
    const destroyed = await pulumi(["destroy", "--yes", "--skip-preview"]);
    expect(destroyed.code, destroyed.output).toBe(0);
    expect(company()).toBeUndefined();
    expect(joeRoles().filter((r) => r.startsWith("D365 BUS FULL ACCESS|Contoso"))).toEqual([]);
    expect((await pulumi(["stack", "rm", "--yes", "dev"])).code).toBe(0);
  });

  it("no command output and no state file holds the client secret or a token", () => {
    const all = transcript.join("\n");
    expect(all).not.toContain(emu.clientSecret);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./);
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const p = join(dir, n);
        return statSync(p).isDirectory() ? (n === ".pulumi-home" ? [] : walk(p)) : [p];
      });
    const files = walk(join(work, "state"));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f, "utf8"), f).not.toContain(emu.clientSecret);
  });
});
