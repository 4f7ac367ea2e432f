import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator";
import { main } from "../../provider/cli";
import { emulatorCliFlags, resetProviderCaches } from "./helpers/emu";

/** `pulumi-businesscentral export` against the emulator, through the CLI entry point. */

let emu: RunningEmulator;
const PTE_ID = "8d5f3a1c-2b4e-4f6a-9c8d-7e6f5a4b3c2d";
const APPSOURCE_ID = "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b";

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  emu.mutate((s) => {
    const env = s.tenants[0]!.environments.find((e) => e.name === "production")!;
    const app = (id: string, displayName: string, publisher: string, publishedAs: "Global" | "PTE") => ({
      packageId: id.replace(/^./, "a"),
      id,
      displayName,
      publisher,
      version: "2.1.0.0",
      publishedAs,
      isInstalled: true,
      tenantVisible: true,
      perTenant: publishedAs !== "Global",
      dependencies: [],
    });
    env.publishedApps.push(app(APPSOURCE_ID, "Payments Plus", "Fabrikam", "Global"));
    env.publishedApps.push(app(PTE_ID, "Contoso Customizations", "Contoso", "PTE"));
  });
});

afterAll(async () => {
  await emu?.stop();
});

async function runExport(environment: string, extra: string[] = []) {
  resetProviderCaches();
  let stdout = "";
  let stderr = "";
  const code = await main(["export", "--environment", environment, ...emulatorCliFlags(emu), ...extra], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: { AZURE_CLIENT_SECRET: emu.clientSecret },
  });
  return { code, stdout, stderr };
}

describe("export", () => {
  it("prints a program that adopts companies, apps and assignments, sending only GET requests", async () => {
    emu.clearRequests();
    const { code, stdout, stderr } = await runExport("production");
    expect(code, stderr).toBe(0);
    const nonGet = emu.requests().filter((r) => r.method !== "GET" && !r.path.includes("/oauth2/"));
    expect(nonGet).toEqual([]);

    expect(stdout).toContain('import * as bc from "pulumi-businesscentral";');
    expect(stdout).toContain('const environment = "production";');
    expect(stdout).toContain(
      'new bc.Company("cronus-usa-inc", { environment, adopt: true, displayName: "CRONUS USA, Inc." }, { retainOnDelete: true });',
    );
    expect(stdout).toContain(
      `new bc.Extension("fabrikam-payments-plus", { environment, adopt: true, appSource: { appId: "${APPSOURCE_ID}", version: "2.1.0.0" }, acceptIsvEula: true });`,
    );
    expect(stdout).toContain(
      'new bc.PermissionSetAssignment("joe-d365-basic", { environment, adopt: true, userName: "JOE", roleId: "D365 BASIC" });',
    );
    // The environment itself, with its real type and country, adopted and retained on destroy.
    expect(stdout).toContain(
      'new bc.Environment("production", { name: environment, type: "Production", countryCode: "US", adopt: true, updateWindow: { startTime: "20:00", endTime: "06:00", timeZoneId: "Pacific Standard Time" }, accessWithM365Licenses: false }, { retainOnDelete: true });',
    );
    // Every active resource line adopts.
    const active = stdout.split("\n").filter((l) => l.startsWith("new bc."));
    expect(active.length).toBeGreaterThan(3);
    for (const line of active) expect(line).toContain("adopt: true");
  });

  it("leaves out Microsoft's apps and comments SUPER and per-tenant extensions with the reason", async () => {
    const { stdout } = await runExport("production");
    expect(stdout).toMatch(/Left out: Microsoft's apps[\s\S]*\/\/ {3}Base Application 29\./);
    expect(stdout).not.toMatch(/^new bc\.Extension\("microsoft/m);
    expect(stdout).toMatch(
      /DECIDE: ADMIN holds SUPER[^\n]*\n[^\n]*lock everyone out[^\n]*\n\/\/ new bc\.PermissionSetAssignment\("admin-super"/,
    );
    expect(stdout).toMatch(
      /DECIDE: per-tenant extension Contoso Customizations 2\.1\.0\.0[\s\S]*\/\/ new bc\.Extension\("contoso-contoso-customizations", \{[^\n]*file: "apps\/Contoso_Contoso_Customizations_2\.1\.0\.0\.app"/,
    );
  });

  it("names the permission set exactly when its roleId is defined twice", async () => {
    emu.mutate((s) => {
      const env = s.tenants[0]!.environments.find((e) => e.name === "production")!;
      const megan = env.users.find((u) => u.userName === "MEGAN")!;
      env.accessControls.push({
        rev: 1,
        id: "0c0c0c0c-1111-4222-8333-444455556666",
        userSecurityId: megan.userSecurityId,
        roleId: "SALES REP",
        company: "CRONUS USA, Inc.",
        scope: "Tenant",
        appId: "7c1f5a2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b",
      });
    });
    const { stdout } = await runExport("production");
    expect(stdout).toContain(
      'new bc.PermissionSetAssignment("megan-sales-rep-cronus-usa-inc", { environment, adopt: true, userName: "MEGAN", roleId: "SALES REP", company: "CRONUS USA, Inc.", scope: "Tenant", appId: "7c1f5a2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b" });',
    );
  });

  it("exports security groups' permission sets and, on BC 24, user group memberships", async () => {
    emu.mutate((s) => {
      const env = s.tenants[0]!.environments.find((e) => e.name === "sandbox-24")!;
      const finance = env.securityGroups.find((g) => g.code === "FINANCE")!;
      env.accessControls.push({
        rev: 1,
        id: "0d0d0d0d-1111-4222-8333-444455556666",
        userSecurityId: finance.groupUserSecurityId,
        roleId: "D365 ACCOUNTANTS",
        company: "",
        scope: "System",
        appId: "437dbf0e-84ff-417a-965d-ed2bb9650972",
      });
      const alex = env.users.find((u) => u.userName === "ALEX")!;
      const group = env.userGroups.find((g) => g.code === "D365 SALES")!;
      env.userGroupMembers.push({
        rev: 1,
        id: "0e0e0e0e-1111-4222-8333-444455556666",
        userSecurityId: alex.userSecurityId,
        code: group.code,
        companyName: "CRONUS USA, Inc.",
      });
    });
    const { code, stdout, stderr } = await runExport("sandbox-24");
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(
      /^new bc\.Environment\("sandbox-24", \{ name: environment, type: "Sandbox", countryCode: "US", adopt: true/m,
    );
    expect(stdout).toMatch(
      /\/\/ Security group FINANCE \(Finance team\)\.\nnew bc\.PermissionSetAssignment\("finance-d365-accountants", \{ environment, adopt: true, securityGroupId: "0b6d4c2a-91e3-4f57-8a1d-3c5e7f9a1b2d", roleId: "D365 ACCOUNTANTS" \}\);/,
    );
    expect(stdout).toContain(
      'new bc.UserGroupMember("alex-d365-sales-cronus-usa-inc", { environment, adopt: true, userName: "ALEX", groupCode: "D365 SALES", companyName: "CRONUS USA, Inc." });',
    );
  });

  it("writes --out and says where; a bad connection fails naming doctor", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "bc-export-")), "index.ts");
    const written = await runExport("production", ["--out", out]);
    expect(written.code).toBe(0);
    expect(written.stderr).toContain(`wrote ${out}`);
    expect(readFileSync(out, "utf8")).toContain("new bc.Company(");

    const missing = await runExport("nosuch");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^Stack: none .*\nexport failed: [\s\S]*'nosuch' does not exist[\s\S]*\nRun pulumi-businesscentral doctor/,
    );
  });
});
