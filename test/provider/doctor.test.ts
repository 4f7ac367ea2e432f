import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { main } from "../../provider/cli";
import { runDoctor } from "../../provider/doctor";
import { resetProviderCaches, settingsFor, startTestEmulator } from "./helpers/emu";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.stop());
afterEach(() => {
  emu.reset();
  resetProviderCaches();
});

function envFor(e: RunningEmulator, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    AZURE_TENANT_ID: e.tenantId,
    AZURE_CLIENT_ID: e.clientId,
    AZURE_CLIENT_SECRET: e.clientSecret,
    AZURE_AUTHORITY_HOST: e.authorityHost,
    BC_API_BASE_URL: e.baseUrl,
    BC_ENVIRONMENT: e.environment,
    BC_CA_CERT_PATH: e.caCertPath,
    ...extra,
  };
}

async function run(argv: string[], env: NodeJS.ProcessEnv) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

describe("doctor", () => {
  it("is all green against the emulator's default seed", async () => {
    const report = await runDoctor({ settings: settingsFor(emu) });
    const failed = report.checks.filter((c) => c.status !== "ok");
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.bcVersion).toMatch(/^29\./);
    expect(report.companies).toContain("CRONUS USA, Inc.");
    expect(report.features).toMatchObject({
      userGroups: false,
      securityGroups: true,
      extensionUpload: true,
      adminCenter: true,
    });
    expect(report.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(["token", "consent", "registration", "companies", "perm.extensions", "version"]),
    );
  });

  it("reports legacy user groups on a BC 24 environment", async () => {
    const report = await runDoctor({ settings: settingsFor(emu, { environment: "sandbox-24" }) });
    expect(report.ok).toBe(true);
    expect(report.bcVersion).toMatch(/^24\./);
    expect(report.features.userGroups).toBe(true);
  });

  it("CLI: human output and exit code 0, never printing the secret", async () => {
    const { code, stdout } = await run(["doctor"], envFor(emu));
    expect(code).toBe(0);
    expect(stdout).toContain("✔ Entra ID issues a token");
    expect(stdout).toContain("All checks passed");
    expect(stdout).toContain("from AZURE_CLIENT_SECRET");
    expect(stdout).not.toContain(emu.clientSecret);
  });

  it("CLI: --json, flags over environment variables", async () => {
    const env = envFor(emu, { BC_ENVIRONMENT: "does-not-exist" });
    const { code, stdout } = await run(["doctor", "--json", "--environment", "production"], env);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.ok).toBe(true);
    expect(report.environment).toBe("production");
  });

  it("an unregistered app fails with the fix, exit code 1", async () => {
    emu.mutate((s) => {
      s.tenants[0]!.environments[0]!.entraApplications = [];
    });
    const { code, stdout } = await run(["doctor"], envFor(emu));
    expect(code).toBe(1);
    expect(stdout).toContain("✖ app is registered in environment 'production'");
    expect(stdout).toContain('"Microsoft Entra applications"');
    expect(stdout).toContain("D365 AUTOMATION and EXTEN. MGT. - ADMIN");
  });

  it("a second run in the same process sees the changed registration (no stale clients)", async () => {
    expect((await run(["doctor"], envFor(emu))).code).toBe(0);
    emu.mutate((s) => {
      s.tenants[0]!.environments[0]!.entraApplications = [];
    });
    const second = await run(["doctor"], envFor(emu));
    expect(second.code).toBe(1);
    expect(second.stdout).toContain("Business Central rejected a valid token");
  });

  it("a missing permission set is named", async () => {
    emu.mutate((s) => {
      const env = s.tenants[0]!.environments[0]!;
      const appUser = env.entraApplications[0]!.userSecurityId;
      env.accessControls = env.accessControls.filter(
        (ac) => !(ac.userSecurityId === appUser && ac.roleId === "EXTEN. MGT. - ADMIN"),
      );
    });
    const report = await runDoctor({ settings: settingsFor(emu) });
    expect(report.ok).toBe(false);
    const ext = report.checks.find((c) => c.id === "perm.extensions")!;
    expect(ext.status).toBe("fail");
    expect(ext.fix).toContain("EXTEN. MGT. - ADMIN");
  });

  it("missing consent and a wrong secret are explained", async () => {
    emu.mutate((s) => {
      const app = s.tenants[0]!.apps[0]!;
      app.grantedRoles = app.grantedRoles.filter((r) => r !== "Automation.ReadWrite.All");
    });
    const noConsent = await runDoctor({ settings: settingsFor(emu) });
    expect(noConsent.checks.find((c) => c.id === "consent")).toMatchObject({ status: "fail" });
    expect(noConsent.checks.find((c) => c.id === "consent")!.fix).toContain("Grant admin consent");

    const wrong = await run(["doctor"], envFor(emu, { AZURE_CLIENT_SECRET: "Not-The-Right-Secret-42" }));
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain("AADSTS7000215");
    expect(wrong.stdout).not.toContain("Not-The-Right-Secret-42");
  });

  it("missing settings name the environment variables; usage errors exit 2", async () => {
    const missing = await run(["doctor"], {});
    expect(missing.code).toBe(1);
    for (const v of ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "BC_ENVIRONMENT", "AZURE_CLIENT_SECRET"])
      expect(missing.stdout).toContain(v);
    expect((await run(["frobnicate"], {})).code).toBe(2);
    expect((await run(["doctor", "--no-such-flag"], {})).code).toBe(2);
    expect((await run(["--help"], {})).stdout).toContain("Usage: pulumi-businesscentral doctor");
  });
});
