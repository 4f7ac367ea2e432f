import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { buildApp } from "../../formats/navx";
import { buildPackageXml, packRapidStart } from "../../formats/rapidstart";
import type { AutomationApi } from "../../provider/automation";
import { BcApiError, isNotFound } from "../../provider/errors";
import { OperationFailedError } from "../../provider/polling";
import { resetProviderCaches, settingsFor, startTestEmulator, connect } from "./helpers/emu";
import { bcFailure } from "../helpers/failure";

/** A stale ETag (`Request_EntityChanged`, 409/412) or another 409: the provider has no caller for this question. */
const isConflict = (e: unknown) =>
  e instanceof BcApiError && (e.status === 409 || e.status === 412 || e.code === "Request_EntityChanged");

let emu: RunningEmulator;
let api: AutomationApi;
let companyId: string;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.stop());
beforeAll(async () => {
  api = connect(settingsFor(emu)).automation();
  companyId = (await api.companies.list())[0]!.id;
});
afterEach(() => emu.faults.clear());

describe("URLs", () => {
  it("works with and without the tenant in the URL", async () => {
    const tenantless = connect(settingsFor(emu, { tenantInUrl: false })).automation();
    expect(tenantless.client.root).toBe(`${emu.baseUrl}/v2.0/${emu.environment}/api/microsoft/automation/v2.0`);
    expect(api.client.root).toBe(
      `${emu.baseUrl}/v2.0/${emu.tenantId}/${emu.environment}/api/microsoft/automation/v2.0`,
    );
    expect((await tenantless.companies.list()).map((c) => c.id)).toEqual((await api.companies.list()).map((c) => c.id));
  });

  it("addresses another environment of the same connection", async () => {
    const sandbox = connect(settingsFor(emu)).automation("sandbox-24");
    const [company] = await sandbox.companies.list();
    expect(company!.systemVersion).toMatch(/^24\./);
  });
});

describe("paging", () => {
  it("follows @odata.nextLink over three or more pages", async () => {
    emu.clearRequests();
    const users = await api.users.list({ maxPageSize: 2 });
    expect(users.length).toBeGreaterThanOrEqual(5);
    const pages = emu.requests().filter((r) => r.method === "GET" && r.path.includes("/users"));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(new Set(users.map((u) => u.userSecurityId)).size).toBe(users.length);
  });

  it("stops at a limit", async () => {
    expect(await api.users.list({ maxPageSize: 2, limit: 3 })).toHaveLength(3);
  });
});

describe("companies and ETags", () => {
  it("creates, renames with the ETag, refuses a stale ETag, and deletes", async () => {
    const name = `Test ${randomUUID().slice(0, 8)}`;
    const created = await api.automationCompanies.create({ displayName: name });
    expect(created.name).toBe(name);
    const etag = created["@odata.etag"]!;
    const renamed = await api.automationCompanies.update(created.id, { displayName: `${name} renamed` }, etag);
    expect(renamed.displayName).toBe(`${name} renamed`);
    expect(renamed["@odata.etag"]).not.toBe(etag);

    const stale = await bcFailure(api.automationCompanies.update(created.id, { displayName: "again" }, etag));
    expect(isConflict(stale)).toBe(true);
    expect(stale.code).toBe("Request_EntityChanged");
    expect(stale.hint).toContain("pulumi refresh");

    await api.automationCompanies.delete(created.id, renamed["@odata.etag"]);
    expect(isNotFound(await bcFailure(api.automationCompanies.get(created.id)))).toBe(true);
    expect(await api.automationCompanies.findByName(name)).toBeUndefined();
  });

  it("recovers an ambiguous create by looking the company up instead of creating it twice", async () => {
    const name = `Ambiguous ${randomUUID().slice(0, 8)}`;
    const fault = emu.faults.add({ method: "POST", path: "*/automationCompanies", drop: "after", count: 1 });
    const created = await api.automationCompanies.create({ displayName: name });
    expect(emu.faults.list().find((f) => f.id === fault.id)?.fired).toBe(1);
    expect(created.name).toBe(name);
    const all = await api.automationCompanies.list();
    expect(all.filter((c) => c.name === name)).toHaveLength(1);
    await api.automationCompanies.delete(created.id);
  });
});

describe("configuration packages", () => {
  const xml = (code: string) =>
    buildPackageXml({
      code,
      tables: [{ tableId: 3, tableName: "Payment Terms", records: [{ Code: "7D", "Due Date Calculation": "7D" }] }],
    });

  it("create → upload → import → apply, polling to completion", async () => {
    const code = `T${randomUUID().slice(0, 6)}`.toUpperCase();
    const pkg = await api.configurationPackages.create(companyId, { code: code.toLowerCase(), packageName: "Test" });
    expect(pkg.code).toBe(code);
    expect(pkg.importStatus).toBe("No");
    expect((await api.configurationPackages.findByCode(companyId, code))?.id).toBe(pkg.id);

    await api.configurationPackages.uploadFile(companyId, pkg.id, code, packRapidStart(xml(code)));
    await api.configurationPackages.import(companyId, pkg.id);
    const lines: string[] = [];
    const imported = await api.configurationPackages.waitFor(companyId, pkg.id, "import", {
      initialIntervalMs: 20,
      onProgress: (l) => lines.push(l),
    });
    expect(imported.importStatus).toBe("Completed");
    expect(imported.numberOfTables).toBe(1);
    expect(lines.at(-1)).toContain("Completed");

    await api.configurationPackages.apply(companyId, pkg.id);
    const applied = await api.configurationPackages.waitFor(companyId, pkg.id, "apply", {
      initialIntervalMs: 20,
      onProgress: () => {},
    });
    expect(applied.applyStatus).toBe("Completed");

    await api.configurationPackages.delete(companyId, pkg.id, applied["@odata.etag"]);
    expect(await api.configurationPackages.findByCode(companyId, code)).toBeUndefined();
  });

  it("reports BC's importError when the import fails", async () => {
    const code = `B${randomUUID().slice(0, 6)}`.toUpperCase();
    const pkg = await api.configurationPackages.create(companyId, { code });
    await api.configurationPackages.uploadFile(companyId, pkg.id, code, Buffer.from("not a rapidstart file"));
    await api.configurationPackages.import(companyId, pkg.id);
    const err = await api.configurationPackages
      .waitFor(companyId, pkg.id, "import", { initialIntervalMs: 20, onProgress: () => {} })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OperationFailedError);
    expect(err.message).toMatch(/import of configuration package failed: .+/);
  });

  it("explains a business-rule refusal (apply before import)", async () => {
    const code = `C${randomUUID().slice(0, 6)}`.toUpperCase();
    const pkg = await api.configurationPackages.create(companyId, { code });
    const err = await bcFailure(api.configurationPackages.apply(companyId, pkg.id));
    expect(err.status).toBe(400);
    expect(err.serviceMessage).toContain("You must import the package before you apply it");
    expect(err.message).not.toContain("CorrelationId:");
  });
});

describe("extensions", () => {
  const appId = randomUUID();
  const app = { id: appId, name: "Pulumi Test App", publisher: "Contoso", version: "1.0.0.0" };

  it("uploads a per-tenant extension, follows the deployment, then uninstalls, installs and unpublishes", async () => {
    const upload = await api.extensionUpload.prepare({ schedule: "Current version", schemaSyncMode: "Add" });
    expect(upload.schedule).toBe("Current version");
    await api.extensionUpload.putContent(upload.systemId, buildApp(app));
    const existingBefore = await api.extensionDeploymentStatus.snapshot();
    await api.extensionUpload.upload(upload.systemId);
    const lines: string[] = [];
    const done = await api.extensionDeploymentStatus.waitFor(app, {
      initialIntervalMs: 50,
      existingBefore,
      onProgress: (l) => lines.push(l),
    });
    expect(done.status).toBe("Completed");

    const [ext] = await api.extensions.byAppId(appId);
    expect(ext).toMatchObject({ displayName: app.name, isInstalled: true, versionMajor: 1 });
    await api.extensions.uninstall(ext!.packageId);
    expect((await api.extensions.get(ext!.packageId)).isInstalled).toBe(false);
    await api.extensions.install(ext!.packageId);
    expect((await api.extensions.get(ext!.packageId)).isInstalled).toBe(true);

    const already = await bcFailure(api.extensions.install(ext!.packageId));
    expect(already.serviceMessage).toContain("already installed");

    await api.extensions.uninstall(ext!.packageId);
    await api.extensions.unpublish(ext!.packageId);
    expect(await api.extensions.find(ext!.packageId)).toBeUndefined();
  });

  it("reuses a leftover upload row instead of failing with Internal_EntityWithSameKeyExists", async () => {
    const first = await api.extensionUpload.prepare({ schedule: "Current version" });
    const again = await api.extensionUpload.prepare({ schedule: "Next minor version" });
    expect(again.systemId).toBe(first.systemId);
    expect(again.schedule).toBe("Next minor version");
  });

  it("treats an install whose outcome is ambiguous as done when the extension is installed", async () => {
    const cloud = (await api.extensions.list()).find((e) => e.displayName === "Business Central Cloud Migration")!;
    emu.mutate((s) => {
      const row = s.tenants[0]!.environments[0]!.publishedApps.find((p) => p.packageId === cloud.packageId)!;
      row.isInstalled = false;
      row.perTenant = true;
    });
    const fault = emu.faults.add({ method: "POST", path: "*/Microsoft.NAV.install", drop: "after", count: 1 });
    await api.extensions.install(cloud.packageId);
    expect(emu.faults.list().find((f) => f.id === fault.id)?.fired).toBe(1);
    expect((await api.extensions.get(cloud.packageId)).isInstalled).toBe(true);
  });
});

describe("users, permissions and groups", () => {
  it("finds users by name (case-insensitively) and patches them with the ETag", async () => {
    const joe = (await api.users.findByUserName("joe"))!;
    expect(joe.userName).toBe("JOE");
    const disabled = await api.users.update(joe.userSecurityId, { state: "Disabled" }, joe["@odata.etag"]);
    expect(disabled.state).toBe("Disabled");
    const back = await api.users.update(joe.userSecurityId, { state: "Enabled" }, disabled["@odata.etag"]);
    expect(back.state).toBe("Enabled");
    expect(
      isConflict(await bcFailure(api.users.update(joe.userSecurityId, { state: "Enabled" }, joe["@odata.etag"]))),
    ).toBe(true);
  });

  it("assigns and removes a permission set for a user and for a security group", async () => {
    const megan = (await api.users.findByUserName("MEGAN"))!;
    const grantee = { userSecurityId: megan.userSecurityId };
    const created = await api.userPermissions.create(grantee, { roleId: "D365 READ", company: "" });
    expect(created).toMatchObject({ roleId: "D365 READ", company: "", scope: "System" });
    expect((await api.userPermissions.find(grantee, { roleId: "D365 READ" }))?.id).toBe(created.id);
    await api.userPermissions.delete(grantee, created.id, created["@odata.etag"]);
    expect(await api.userPermissions.find(grantee, { roleId: "D365 READ" })).toBeUndefined();

    const [group] = await api.securityGroups.list();
    expect((await api.securityGroups.get(group!.id)).code).toBe(group!.code);
    const forGroup = await api.userPermissions.create({ securityGroupId: group!.id }, { roleId: "D365 READ" });
    expect(forGroup.roleId).toBe("D365 READ");
    await api.userPermissions.delete({ securityGroupId: group!.id }, forGroup.id);
  });

  it("lists permission sets, including one role id defined by two apps", async () => {
    const salesRep = await api.permissionSets.find("SALES REP");
    expect(salesRep.map((p) => p.scope).sort()).toEqual(["System", "Tenant"]);
  });

  it("knows whether legacy user groups exist, and manages memberships where they do", async () => {
    expect(await api.userGroups.available()).toBe(false);
    const legacy = connect(settingsFor(emu)).automation("sandbox-24");
    expect(await legacy.userGroups.available()).toBe(true);
    const [group] = await legacy.userGroups.list();
    const alex = (await legacy.users.findByUserName("ALEX"))!;
    const member = await legacy.userGroupMembers.create(alex.userSecurityId, { code: group!.code, companyName: "" });
    expect(member.code).toBe(group!.code);
    await legacy.userGroupMembers.delete(alex.userSecurityId, member.id, member["@odata.etag"]);
    expect(await legacy.userGroupMembers.find(alex.userSecurityId, { code: group!.code })).toBeUndefined();
  });
});

describe("caches", () => {
  it("connections are shared per settings", () => {
    resetProviderCaches();
    expect(connect(settingsFor(emu))).toBe(connect(settingsFor(emu)));
  });
});
