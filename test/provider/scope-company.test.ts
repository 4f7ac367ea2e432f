/**
 * The company used for environment-wide entities: when the app's permission sets are limited to one
 * company, the provider must address users, permission sets and extensions through that company. `scopeCompany`
 * chooses it; doctor says which company it uses and what to set.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { runDoctor } from "../../provider/doctor";
import { resetProviderCaches, settingsFor, startTestEmulator, connect } from "./helpers/emu";

let emu: RunningEmulator;

/** Limits the app's D365 AUTOMATION and EXTEN. MGT. - ADMIN in production to the company `name`. */
function limitAppTo(name: string) {
  emu.mutate((state) => {
    const env = state.tenants[0]!.environments.find((e) => e.name === "production")!;
    const appUser = env.entraApplications[0]!.userSecurityId;
    for (const ac of env.accessControls) if (ac.userSecurityId === appUser) ac.company = name;
  });
}

beforeAll(async () => {
  emu = await startTestEmulator();
});
beforeEach(() => {
  emu.reset();
  resetProviderCaches();
});
afterAll(async () => {
  await emu?.stop();
});

describe("scopeCompany", () => {
  it("with the app limited to the second company, the first company's URLs are refused and scopeCompany fixes it", async () => {
    limitAppTo("My Company");
    const byDefault = connect(settingsFor(emu)).automation();
    await expect(byDefault.users.list()).rejects.toThrow();
    resetProviderCaches();
    const scoped = connect(settingsFor(emu, { scopeCompany: "My Company" })).automation();
    expect((await scoped.users.list()).length).toBeGreaterThan(0);
  });

  it("a scopeCompany that is not a company names the setting and lists the companies", async () => {
    const api = connect(settingsFor(emu, { scopeCompany: "Nope" })).automation();
    await expect(api.users.list()).rejects.toThrow(
      /scopeCompany: environment 'production' has no company 'Nope' \(companies: 'CRONUS USA, Inc.', 'My Company'\)/,
    );
  });

  it("doctor reports the company it uses, fails with the fix when permissions are limited elsewhere, passes with scopeCompany", async () => {
    limitAppTo("My Company");
    const failing = await runDoctor({ settings: settingsFor(emu) });
    expect(failing.ok).toBe(false);
    expect(failing.checks.find((c) => c.id === "companies")?.detail).toMatch(
      /through 'CRONUS USA, Inc.' \(the first; set scopeCompany to choose\)/,
    );
    expect(
      failing.checks
        .filter((c) => c.status === "fail")
        .map((c) => c.fix)
        .join("\n"),
    ).toMatch(/scopeCompany/);
    resetProviderCaches();
    const passing = await runDoctor({ settings: settingsFor(emu, { scopeCompany: "My Company" }) });
    expect(passing.checks.filter((c) => c.status === "fail")).toEqual([]);
    expect(passing.checks.find((c) => c.id === "companies")?.detail).toMatch(/through 'My Company' \(scopeCompany\)/);
  });
});
