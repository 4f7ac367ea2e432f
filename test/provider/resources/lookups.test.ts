import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../emulator";
import { connect, resetProviderCaches, settingsFor, startTestEmulator } from "../helpers/emu";

let emu: RunningEmulator;
let lookups: typeof import("../../../sdk/lookups");
const saved = { ...process.env };

beforeAll(async () => {
  emu = await startTestEmulator();
  // Lookups run in the program: stack config (`businesscentral:*`, here through PULUMI_CONFIG as the Pulumi CLI
  // passes it) first, then the provider's environment variables.
  process.env.PULUMI_CONFIG = JSON.stringify({ "businesscentral:environment": "production" });
  Object.assign(process.env, {
    AZURE_TENANT_ID: emu.tenantId,
    AZURE_CLIENT_ID: emu.clientId,
    AZURE_CLIENT_SECRET: emu.clientSecret,
    AZURE_AUTHORITY_HOST: emu.authorityHost,
    BC_API_BASE_URL: emu.baseUrl,
    BC_CA_CERT_PATH: emu.caCertPath,
    BC_ENVIRONMENT: "sandbox-24",
  });
  lookups = await import("../../../sdk/lookups.js");
});
afterAll(async () => {
  process.env = saved;
  resetProviderCaches();
  await emu.stop();
});

function env(name: string) {
  return emu.state().tenants[0]!.environments.find((e) => e.name === name)!;
}

describe("getUser", () => {
  it("finds a user by name (any case), in the configured or the given environment", async () => {
    const joe = await lookups.getUser({ userName: "joe" });
    expect(joe).toMatchObject({
      userName: "JOE",
      displayName: "Joe Jones",
      state: "Enabled",
      environment: "production",
    });
    expect(joe.userSecurityId).toBe(
      env("production")
        .users.find((u) => u.userName === "JOE")!
        .userSecurityId.toLowerCase(),
    );
    expect((await lookups.getUser({ userName: "JOE", environment: "sandbox-24" })).environment).toBe("sandbox-24");
  });

  it("fails naming userName for an unknown user or a missing argument", async () => {
    await expect(lookups.getUser({ userName: "NOBODY" })).rejects.toThrow(
      /userName 'NOBODY' is not a user in environment 'production'/,
    );
    await expect(lookups.getUser({} as never)).rejects.toThrow(/userName is required/);
  });
});

describe("getCompany", () => {
  it("finds a company by name or displayName", async () => {
    const byName = await lookups.getCompany({ name: "My Company" });
    expect(byName).toMatchObject({ name: "My Company", environment: "production" });
    expect(byName.id).toMatch(/^[0-9a-f-]{36}$/);
    const byDisplay = await lookups.getCompany({ displayName: byName.displayName });
    expect(byDisplay.id).toBe(byName.id);
  });

  it("finds a company created after its shared list was read (by the provider, earlier in the same up)", async () => {
    await lookups.getCompany({ name: "My Company" });
    // The dynamic-provider process creates it: another runtime, as another process would have.
    const provider = connect(settingsFor(emu, { environment: "production" })).automation("production");
    await provider.automationCompanies.create({ displayName: "Created In This Up" });
    emu.clearRequests();
    const found = await lookups.getCompany({ displayName: "Created In This Up" });
    expect(found).toMatchObject({ name: "Created In This Up", displayName: "Created In This Up" });
    // The shared list (loaded before the company existed) answered first; one more read of BC found it.
    expect(emu.requests().filter((r) => r.method === "GET" && r.path.endsWith("/companies"))).toHaveLength(1);
  });

  it("fails listing the companies, and on a bad argument", async () => {
    await expect(lookups.getCompany({ name: "Nope" })).rejects.toThrow(
      /name 'Nope' matches no company .*'CRONUS USA, Inc.'/,
    );
    await expect(lookups.getCompany({})).rejects.toThrow(/exactly one of name or displayName/);
    await expect(lookups.getCompany({ name: "a", displayName: "b" })).rejects.toThrow(/exactly one/);
  });
});

describe("getPermissionSet", () => {
  it("resolves a role id, narrowing an ambiguous one by scope or appId", async () => {
    expect(await lookups.getPermissionSet({ roleId: "d365 read" })).toMatchObject({
      roleId: "D365 READ",
      scope: "System",
      extensionName: "Base Application",
    });
    const tenant = await lookups.getPermissionSet({ roleId: "SALES REP", scope: "Tenant" });
    expect(tenant).toMatchObject({
      extensionName: "Contoso Sales Pack",
      appId: "7c1f5a2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b",
    });
    expect((await lookups.getPermissionSet({ roleId: "SALES REP", appId: tenant.appId })).scope).toBe("Tenant");
  });

  it("fails with the candidates for an ambiguous role id and names an unknown one", async () => {
    await expect(lookups.getPermissionSet({ roleId: "SALES REP" })).rejects.toThrow(
      /defined 2 times[\s\S]*Contoso Sales Pack[\s\S]*Set scope/,
    );
    await expect(lookups.getPermissionSet({ roleId: "NOPE" })).rejects.toThrow(/no permission set 'NOPE'/);
  });
});

describe("lookups with a connection argument", () => {
  it("use the connection's values before the environment's, and return companyId like the resource", async () => {
    const connection = {
      tenantId: emu.tenantId,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      environment: "sandbox-24",
      authorityHost: emu.authorityHost,
      apiBaseUrl: emu.baseUrl,
      caCertPem: emu.caCertPem,
    };
    const company = await lookups.getCompany({ name: "CRONUS USA, Inc.", connection });
    expect(company.environment).toBe("sandbox-24");
    expect(company.companyId).toBe(env("sandbox-24").companies[0]!.id.toLowerCase());
    expect(company.id).toBe(company.companyId);
  });

  it("name the connection field first when a setting is wrong", async () => {
    await expect(
      lookups.getUser({ userName: "JOE", connection: { tenantId: emu.tenantId, clientId: "not-a-guid" } }),
    ).rejects.toThrow(/connection\.clientId must be a GUID/);
  });
});
