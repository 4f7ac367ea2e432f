/**
 * Preview checks against the emulator, through the handlers as the engine calls them (check, in registration
 * order, one runtime per provider process): the credential's token and the target environment once per
 * connection, names the stack's own resources declare, and the budget (one token, one read per collection).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../emulator";
import { CONTOSO_PAYMENTS_ID } from "../../../emulator/admin/catalog-seed";
import { companyHandler } from "../../../provider/resources/company";
import { configurationPackageHandler } from "../../../provider/resources/configuration-package";
import { environmentHandler } from "../../../provider/resources/environment";
import { extensionHandler } from "../../../provider/resources/extension";
import { connectionFor } from "../../../provider/resources/framework/context";
import type { ResourceHandler } from "../../../provider/resources/framework/handler";
import { permissionSetAssignmentHandler } from "../../../provider/resources/permission-set-assignment";
import { emulatorStackConfig, startTestEmulator, testRuntime, useRuntime } from "../helpers/emu";

const psa = permissionSetAssignmentHandler.withRuntime(testRuntime);
const company = companyHandler.withRuntime(testRuntime);
const environment = environmentHandler.withRuntime(testRuntime);
const extension = extensionHandler.withRuntime(testRuntime);
const configurationPackage = configurationPackageHandler.withRuntime(testRuntime);

let emu: RunningEmulator;
let config: Record<string, string>;

beforeAll(async () => {
  emu = await startTestEmulator();
  config = emulatorStackConfig(emu);
});
afterAll(async () => {
  await emu.stop();
});
// Each test is one command: a fresh provider process (runtime) with the stack's config.
beforeEach(() => {
  useRuntime(config);
  emu.clearRequests();
});

const failures = async (handler: ResourceHandler, news: Record<string, unknown>, olds: Record<string, unknown> = {}) =>
  (await handler.check(olds, { __provider: "x", ...news })).failures ?? [];

/** Requests since the last call: token requests and Automation/Admin API requests by `METHOD collection`. */
function served() {
  const all = emu.requests();
  emu.clearRequests();
  const byKind: Record<string, number> = {};
  for (const r of all) {
    const kind = r.path.includes("/oauth2/")
      ? `${r.method} token`
      : `${r.method} ${
          r.path
            .replace(/^.*\/automation\/v2\.0\//, "")
            .replace(/^companies\([^)]*\)\//, "")
            .split(/[(/?]/)[0]
        }`;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  }
  return byKind;
}

describe("the target, checked once per connection and environment", () => {
  it("a wrong client secret in stack config fails every resource at check, naming connection and the fix", async () => {
    useRuntime({ ...config, "businesscentral:clientSecret": "not-the-secret" });
    for (const news of [
      { userName: "MEGAN", roleId: "D365 READ" },
      { userName: "ALEX", roleId: "D365 READ" },
    ]) {
      const [failure, ...more] = await failures(psa, news);
      expect(more).toEqual([]);
      expect(failure?.property).toBe("connection");
      expect(failure?.reason).toMatch(/gets no token from Entra ID .*AADSTS7000215.*Fix the credential/);
      expect(failure?.reason).toContain("pulumi config set --secret businesscentral:clientSecret");
      expect(failure?.reason).not.toContain("not-the-secret");
    }
    expect(served()).toEqual({ "POST token": 1 }); // the verdict is shared: Entra is asked once
  });

  it("a nonexistent environment fails naming environment and the fix", async () => {
    const [failure, ...more] = await failures(company, { displayName: "Typo Co", environment: "productoin" });
    expect(more).toEqual([]);
    expect(failure?.property).toBe("environment");
    expect(failure?.reason).toMatch(/^no environment 'productoin' in tenant .*does not exist or is being deleted/);
    expect(failure?.reason).toContain("businesscentral:environment");
  });

  it("an environment being deleted fails like one that does not exist", async () => {
    const admin = connectionFor(testRuntime(), { environment: "sandbox-24" }).connection.admin();
    await admin.deleteEnvironment("sandbox-24");
    const [failure] = await failures(company, { displayName: "Late Co", environment: "sandbox-24" });
    expect(failure?.property).toBe("environment");
    expect(failure?.reason).toMatch(/^no environment 'sandbox-24' .*is being deleted/);
  });

  it("a changed environment that does not exist is a check failure, so never planned as a replace", async () => {
    const olds = {
      displayName: "Prod Co",
      name: "Prod Co",
      environment: "production",
      tenantId: emu.tenantId.toLowerCase(),
      companyId: "c",
    };
    const [failure] = await failures(company, { displayName: "Prod Co", environment: "prodution" }, olds);
    expect(failure?.property).toBe("environment");
  });

  it("an environment the stack's Environment declares is accepted (declared first)", async () => {
    expect(await failures(environment, { name: "uat", type: "Sandbox", countryCode: "US" })).toEqual([]);
    expect(await failures(company, { displayName: "UAT Co", environment: "uat" })).toEqual([]);
    expect(await failures(psa, { userName: "NOBODY", roleId: "NOPE", environment: "UAT" })).toEqual([]);
  });

  it("in a declared environment that exists, the other checks still run", async () => {
    expect(await failures(environment, { name: "production", type: "Production", countryCode: "US" })).toEqual([]);
    const [failure] = await failures(psa, { userName: "NOBODY", roleId: "D365 READ", environment: "production" });
    expect(failure?.property).toBe("userName");
  });

  it("the documented limit: a resource checked before the Environment that declares its name fails", async () => {
    const [failure] = await failures(company, { displayName: "Early Co", environment: "later" });
    expect(failure?.reason).toMatch(/Environment resource comes first/);
  });

  it("offlinePreview (stack config) turns the checks off: no request at all", async () => {
    useRuntime({ ...config, "businesscentral:offlinePreview": "true" });
    expect(await failures(company, { displayName: "Offline Co", environment: "productoin" })).toEqual([]);
    expect(await failures(psa, { userName: "NOBODY", roleId: "NOPE" })).toEqual([]);
    expect(served()).toEqual({});
  });
});

describe("names the stack's own resources declare", () => {
  it("a company a Company of the stack declares is accepted", async () => {
    expect(await failures(company, { displayName: "Declared Co Ltd." })).toEqual([]);
    expect(await failures(psa, { userName: "MEGAN", roleId: "D365 READ", company: "Declared Co Ltd." })).toEqual([]);
    const [other] = await failures(psa, { userName: "MEGAN", roleId: "D365 READ", company: "Undeclared Co" });
    expect(other?.property).toBe("company");
  });

  it("a roleId not there yet is accepted when the stack installs an extension in the environment", async () => {
    const [before] = await failures(psa, { userName: "MEGAN", roleId: "PAYMENTS ADMIN" });
    expect(before?.property).toBe("roleId");
    expect(await failures(extension, { appSource: { appId: CONTOSO_PAYMENTS_ID }, acceptIsvEula: true })).toEqual([]);
    expect(await failures(psa, { userName: "MEGAN", roleId: "PAYMENTS ADMIN" })).toEqual([]);
  });

  it("a ConfigurationPackage's companyId must be a company of the environment", async () => {
    const [failure] = await failures(configurationPackage, {
      companyId: "11111111-2222-4333-8444-555555555555",
      code: "PKG",
      packageName: "Package",
      filePath: __filename,
    });
    expect(failure?.property).toBe("companyId");
    expect(failure?.reason).toMatch(/no company with id 11111111-.*Use the id of a company there/);
  });
});

describe("budget: one token and one read per collection per environment per command", () => {
  it("a stack of companies and assignments is checked with one token and one read per collection", async () => {
    expect(await failures(company, { displayName: "Budget Co" })).toEqual([]);
    for (const userName of ["MEGAN", "ALEX", "ISAIAH"]) {
      for (const roleId of ["D365 READ", "D365 BUS FULL ACCESS"]) {
        expect(await failures(psa, { userName, roleId, company: "Budget Co" })).toEqual([]);
      }
    }
    expect(served()).toEqual({ "POST token": 1, "GET companies": 1, "GET users": 1, "GET permissionSets": 1 });
  });
});
