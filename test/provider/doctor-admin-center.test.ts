import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { runDoctor } from "../../provider/doctor";
import { resetProviderCaches, settingsFor, startTestEmulator } from "./helpers/emu";

/** The doctor's Admin Center check tells the two missing pieces apart: the app role and the authorization. */

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.stop());
afterEach(() => {
  emu.reset();
  resetProviderCaches();
});

const adminCheck = async () => {
  resetProviderCaches();
  const report = await runDoctor({ settings: settingsFor(emu) });
  return report.checks.find((c) => c.id === "feature.adminCenter")!;
};

describe("doctor: Admin Center access", () => {
  it("passes with the role and the authorization", async () => {
    expect((await adminCheck()).status).toBe("ok");
  });

  it("an app that is not under Authorized Microsoft Entra apps: warns and says to add it", async () => {
    emu.mutate((s) => {
      s.tenants[0]!.authorizedAdminApps = [];
    });
    const check = await adminCheck();
    expect(check.status).toBe("warn");
    expect(check.detail).toMatch(/Environment resources/);
    expect(check.fix).toMatch(/has AdminCenter\.ReadWrite\.All.*not authorized.*"Authorized Microsoft Entra apps"/);
  });

  it("a token without AdminCenter.ReadWrite.All: says to grant it", async () => {
    emu.mutate((s) => {
      const app = s.tenants[0]!.apps.find((a) => a.clientId === emu.clientId)!;
      app.grantedRoles = app.grantedRoles.filter((r) => r !== "AdminCenter.ReadWrite.All");
    });
    const check = await adminCheck();
    expect(check.status).toBe("warn");
    expect(check.fix).toMatch(/lacks the application permission AdminCenter\.ReadWrite\.All: grant it/);
  });
});
