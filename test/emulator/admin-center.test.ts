/**
 * Business Central Admin Center API subset (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management), black-box over HTTPS.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONTOSO_PAYMENTS_ID,
  FABRIKAM_CORE_ID,
  FABRIKAM_SHIPPING_ID,
  TAILSPIN_ANALYTICS_ID,
} from "../../emulator/admin/catalog-seed";
import { buildApp } from "../../formats/navx";
import type { EmulatorState } from "../../emulator/state/model";
import { type CallInit, type CallResult, startEmulatorHarness, type TestEmulator, waitFor } from "../helpers/emulator";

const OTHER_APP = "0f0e0d0c-0b0a-4909-8807-060504030201";
const OTHER_SECRET = "other-app-secret-Zx81";
const BASE_APP_ID = "437dbf0e-84ff-417a-965d-ed2bb9650972";
const PTE_ID = "5d4c3b2a-1f0e-4d9c-8b7a-665544332211";

let t: TestEmulator;

beforeAll(async () => {
  // The environment tests here run many creates back to back and check the switch-off behaviours: no Preparing lag,
  // no one-create-at-a-time lock, soft-deleted names kept. admin-center-environments.test.ts covers the defaults.
  t = await startEmulatorHarness({
    behaviour: { preparingLagMs: 0, tenantProvisioningLock: false, softDeleteRename: false },
  });
});
afterAll(() => t.stop());

const adminUrl = (path: string, version = "v2.29") => `${t.emu.baseUrl}/admin/${version}/${path.replace(/^\//, "")}`;
const admin = (method: string, path: string, init: CallInit & { version?: string } = {}) =>
  t.call(method, adminUrl(path, init.version), init);
const envPath = (name: string, rest = "") => `applications/BusinessCentral/environments/${name}${rest}`;

/** The Admin Center error shape: top-level code/message, never BC's `error` wrapper (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api). */
function expectAdminError(res: CallResult, status: number, code: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.json.error).toBeUndefined();
  expect(res.json.code).toBe(code);
  expect(typeof res.json.message).toBe("string");
  expect(res.headers["ms-correlation-x"]).toBeTruthy();
}

async function waitEnvironmentOperation(id: string, status = "succeeded") {
  return waitFor(async () => {
    const res = await admin("GET", "environments/operations");
    const op = res.json.value.find((o: { id: string }) => o.id === id);
    expect(["scheduled", "queued", "running", status]).toContain(op.status);
    return op.status === status ? op : undefined;
  });
}

async function waitAppOperation(env: string, appId: string, id: string, status = "succeeded") {
  return waitFor(async () => {
    const res = await admin("GET", envPath(env, `/apps/${appId}/operations`));
    const op = res.json.value.find((o: { id: string }) => o.id === id);
    if (op.status === "failed" && status !== "failed") throw new Error(`operation failed: ${op.errorMessage}`);
    return op.status === status ? op : undefined;
  });
}

/** Registers `clientId` on an environment's "Microsoft Entra applications" page with permission sets. */
function register(state: EmulatorState, envName: string, clientId: string, sets: string[]) {
  const env = state.tenants[0].environments.find((e) => e.name === envName)!;
  const userSecurityId = randomUUID();
  env.entraApplications.push({ clientId, description: "Pulumi automation", state: "Enabled", userSecurityId });
  for (const roleId of sets) {
    env.accessControls.push({
      rev: 1,
      id: randomUUID(),
      userSecurityId,
      roleId,
      company: "",
      scope: "System",
      appId: BASE_APP_ID,
    });
  }
}

/** A second Entra app with a secret and the given roles; `authorized` puts it on the Admin Center list. */
async function otherAppToken(roles: string[], authorized: boolean) {
  t.emu.mutate((state) => {
    const tenant = state.tenants[0];
    tenant.apps = tenant.apps.filter((a) => a.clientId !== OTHER_APP);
    tenant.apps.push({
      clientId: OTHER_APP,
      displayName: "Other",
      secrets: [OTHER_SECRET],
      certificates: [],
      federatedCredentials: [],
      grantedRoles: roles,
    });
    tenant.authorizedAdminApps = tenant.authorizedAdminApps.filter((a) => a !== OTHER_APP);
    if (authorized) tenant.authorizedAdminApps.push(OTHER_APP);
  });
  return t.tokenFor(OTHER_APP, OTHER_SECRET);
}

function multipart(parts: { name: string; value: string | Buffer; filename?: string }[]) {
  const boundary = `----emulator${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ""}`;
    const type = part.filename ? "Content-Type: application/octet-stream\r\n" : "";
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value));
    chunks.push(Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { raw: Buffer.concat(chunks), headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

function pteForm(app: Buffer, fields: Record<string, string> = {}, filename = "Contoso_Tools_1.0.0.0.app") {
  return multipart([
    { name: "extensionFile", value: app, filename },
    ...Object.entries({ acceptIsvEula: "true", ...fields }).map(([name, value]) => ({ name, value })),
  ]);
}

describe("authentication and authorization", () => {
  it("answers 401 without a token, in the Admin Center error shape", async () => {
    const res = await admin("GET", "applications/environments", { token: null });
    expectAdminError(res, 401, "Unauthorized");
  });

  it("answers 401 for a token that is not a valid access token", async () => {
    const res = await admin("GET", "applications/environments", { token: "not.a.token" });
    expectAdminError(res, 401, "Unauthorized");
  });

  it("answers 403 when the token lacks AdminCenter.ReadWrite.All", async () => {
    const token = await otherAppToken(["Automation.ReadWrite.All"], true);
    const res = await admin("GET", "applications/environments", { token });
    expectAdminError(res, 403, "Forbidden");
    expect(res.json.message).toContain("AdminCenter.ReadWrite.All");
  });

  it("answers 403 when the app is not an authorized Entra app of the Admin Center", async () => {
    const token = await otherAppToken(["AdminCenter.ReadWrite.All"], false);
    const res = await admin("GET", "applications/environments", { token });
    expectAdminError(res, 403, "Forbidden");
    expect(res.json.message).toContain("not authorized");
    t.emu.mutate((s) => s.tenants[0].authorizedAdminApps.push(OTHER_APP));
    expect((await admin("GET", "applications/environments", { token })).status).toBe(200);
  });

  it("does not let an app manage authorized apps; manageableTenants is app-only (2.24)", async () => {
    expectAdminError(await admin("GET", "authorizedAadApps"), 403, "Forbidden");
    expectAdminError(await admin("PUT", `authorizedAadApps/${OTHER_APP}`), 403, "Forbidden");
    const tenants = await admin("GET", "authorizedAadApps/manageableTenants");
    expect(tenants.status).toBe(200);
    expect(tenants.json.value).toEqual([{ entraTenantId: t.emu.tenantId }]);
    expectAdminError(await admin("GET", "authorizedAadApps/manageableTenants", { version: "v2.23" }), 404, "NotFound");
  });
});

describe("environments", () => {
  it("lists the tenant's environments on both routes", async () => {
    for (const path of ["applications/environments", "applications/BusinessCentral/environments"]) {
      const res = await admin("GET", path);
      expect(res.status).toBe(200);
      const production = res.json.value.find((e: { name: string }) => e.name === "production");
      expect(production).toMatchObject({
        type: "Production",
        applicationFamily: "BusinessCentral",
        aadTenantId: t.emu.tenantId,
        status: "Active",
        applicationVersion: "29.1.41238.0",
        ringName: "PROD",
        SoftDeletedOn: null,
      });
      expect(production.webServiceUrl).toBe(`${t.emu.baseUrl}/v2.0/${t.emu.tenantId}/production`);
      expect(res.json.value.map((e: { name: string }) => e.name)).toContain("sandbox-24");
    }
  });

  it("gets one environment; an unknown one is environmentNotFound with a target", async () => {
    const res = await admin("GET", envPath("sandbox-24"));
    expect(res.status).toBe(200);
    expect(res.json.applicationVersion).toBe("24.5.23489.0");
    const missing = await admin("GET", envPath("nope"));
    expectAdminError(missing, 404, "environmentNotFound");
    expect(missing.json.target).toBe("BusinessCentral/nope");
    expectAdminError(await admin("GET", "applications/Dynamics/environments"), 404, "applicationTypeDoesNotExist");
  });

  it("validates names and bodies on create", async () => {
    const body = { environmentType: "Sandbox", countryCode: "US" };
    for (const name of ["1sandbox", "has space", "a".repeat(30), "under.score", "operations"]) {
      const res = await admin("PUT", envPath(encodeURIComponent(name)), { body });
      expectAdminError(res, 400, "environmentNameNotValid");
    }
    expect(
      (await admin("PUT", envPath("a".repeat(29)), { body: { ...body, environmentType: "Bogus" } })).json.target,
    ).toBe("environmentType");
    expectAdminError(await admin("PUT", envPath("valid-name"), {}), 400, "requestBodyRequired");
    expectAdminError(
      await admin("PUT", envPath("valid-name"), { body: { environmentType: "Sandbox" } }),
      400,
      "invalidInput",
    );
    expectAdminError(
      await admin("PUT", envPath("valid-name"), { body: { ...body, countryCode: "ZZ" } }),
      400,
      "applicationFamilyNotAccessible",
    );
    expectAdminError(
      await admin("PUT", envPath("valid-name"), {
        body: { ...body, environmentType: "Production", ringName: "PREVIEW" },
      }),
      400,
      "invalidInput",
    );
    expectAdminError(
      await admin("PUT", envPath("valid-name"), { body: { ...body, applicationVersion: "29.1" } }),
      400,
      "invalidInput",
    );
    expectAdminError(await admin("PUT", envPath("Production"), { body }), 409, "resourceExists");
    expectAdminError(
      await admin("PUT", envPath("valid-name"), {
        raw: Buffer.from("{not json"),
        headers: { "content-type": "application/json" },
      }),
      400,
      "invalidInput",
    );
    expectAdminError(
      await admin("PUT", envPath("valid-name"), {
        raw: Buffer.from("environmentType=Sandbox"),
        headers: { "content-type": "text/plain" },
      }),
      415,
      "UnsupportedMediaType",
    );
    // Nothing was created by the failed requests.
    expectAdminError(await admin("GET", envPath("valid-name")), 404, "environmentNotFound");
  });

  it("creates an environment asynchronously; it has no registered apps until the manual Entra step", async () => {
    const res = await admin("PUT", envPath("qa-sandbox"), {
      body: { environmentType: "Sandbox", countryCode: "us", applicationVersion: "28.3.40012.0" },
    });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({
      type: "create",
      status: "scheduled",
      aadTenantId: t.emu.tenantId,
      environmentName: "qa-sandbox",
      environmentType: "Sandbox",
      productFamily: "BusinessCentral",
      parameters: { destinationEnvironmentName: "qa-sandbox", applicationVersion: "28.3.40012.0", countryCode: "US" },
    });
    expect((await admin("GET", envPath("qa-sandbox"))).json.status).toBe("Preparing");
    // Not served while it is being prepared.
    expect((await t.call("GET", "companies", { environment: "qa-sandbox" })).status).toBe(404);

    const done = await waitEnvironmentOperation(res.json.id);
    expect(done.startedOn).toBeTruthy();
    expect(done.completedOn).toBeTruthy();
    const env = await admin("GET", envPath("qa-sandbox"));
    expect(env.json).toMatchObject({ status: "Active", applicationVersion: "28.3.40012.0", countryCode: "US" });

    // BC requires registering the app in the new environment (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication): 401 until then.
    const before = await t.call("GET", "companies", { environment: "qa-sandbox" });
    expect(before.status).toBe(401);
    expect(before.json.error.code).toBe("Authentication_InvalidCredentials");
    t.emu.mutate((s) => register(s, "qa-sandbox", t.emu.clientId, ["D365 AUTOMATION", "EXTEN. MGT. - ADMIN"]));
    const after = await t.call("GET", "companies", { environment: "qa-sandbox" });
    expect(after.status).toBe(200);
    expect(after.json.value.map((c: { name: string }) => c.name)).toEqual(["CRONUS USA, Inc."]);
    const perms = await t.call("GET", `companies(${after.json.value[0].id})/permissionSets`, {
      environment: "qa-sandbox",
    });
    expect(perms.status).toBe(200);
    expect(perms.json.value.some((p: { id: string }) => p.id === "D365 AUTOMATION")).toBe(true);
  });

  it("answers 201 with the environment on API 2.8 and earlier", async () => {
    const res = await admin("PUT", envPath("old-api"), {
      version: "v2.8",
      body: { environmentType: "Production", countryCode: "DK" },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: "old-api", type: "Production", status: "Preparing", countryCode: "DK" });
  });

  it("copies an environment with its data and registrations", async () => {
    const res = await admin("POST", envPath("production", "/copy"), {
      body: { environmentName: "prod-copy", type: "Sandbox" },
    });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({
      type: "copy",
      parameters: { sourceEnvironmentName: "production", destinationEnvironmentName: "prod-copy" },
    });
    await waitEnvironmentOperation(res.json.id);
    const copy = await t.call("GET", "companies", { environment: "prod-copy" });
    expect(copy.status).toBe(200);
    const source = await t.call("GET", "companies");
    expect(copy.json.value.map((c: { name: string }) => c.name)).toEqual(
      source.json.value.map((c: { name: string }) => c.name),
    );
    expect((await admin("GET", envPath("prod-copy"))).json.type).toBe("Sandbox");
    expectAdminError(
      await admin("POST", envPath("production", "/copy"), { body: { environmentName: "prod-copy", type: "Sandbox" } }),
      409,
      "resourceExists",
    );
    expectAdminError(
      await admin("POST", envPath("nope", "/copy"), { body: { environmentName: "x-copy", type: "Sandbox" } }),
      404,
      "environmentNotFound",
    );
  });

  it("advances operations on any request: the automation API serves a copy as soon as it is done", async () => {
    const res = await admin("POST", envPath("sandbox-24", "/copy"), {
      body: { environmentName: "auto-poll", type: "Sandbox" },
    });
    expect(res.status).toBe(202);
    // Only automation calls from here on: nobody polls the Admin Center.
    const served = await waitFor(async () => {
      const r = await t.call("GET", "companies", { environment: "auto-poll" });
      expect([404, 200]).toContain(r.status);
      return r.status === 200 ? r : undefined;
    });
    expect(served.json.value.map((c: { name: string }) => c.name)).toEqual(["CRONUS USA, Inc."]);
  });

  it("soft deletes (2.18+): gone from the automation routes, listed as SoftDeleted, recoverable (softDeleteRename off)", async () => {
    const del = await admin("DELETE", envPath("prod-copy"));
    expect(del.status).toBe(202);
    expect(del.json.type).toBe("softDelete");
    expect((await t.call("GET", "companies", { environment: "prod-copy" })).status).toBe(404);
    await waitEnvironmentOperation(del.json.id);
    const env = await admin("GET", envPath("prod-copy"));
    expect(env.json.status).toBe("SoftDeleted");
    expect(env.json.SoftDeletedOn).toBeTruthy();
    expect(env.json.HardDeletePendingOn).toBeTruthy();
    // With softDeleteRename off the name stays taken while the environment is retained.
    expectAdminError(
      await admin("PUT", envPath("prod-copy"), { body: { environmentType: "Sandbox", countryCode: "US" } }),
      409,
      "resourceExists",
    );
    expectAdminError(await admin("DELETE", envPath("prod-copy")), 400, "invalidStatusCannotDeleteTenant");

    const recover = await admin("POST", envPath("prod-copy", "/recover"));
    expect(recover.status).toBe(202);
    expect(recover.json.type).toBe("recover");
    await waitEnvironmentOperation(recover.json.id);
    expect((await admin("GET", envPath("prod-copy"))).json.status).toBe("Active");
    expect((await t.call("GET", "companies", { environment: "prod-copy" })).status).toBe(200);
  });

  it("hard deletes before API 2.18", async () => {
    const del = await admin("DELETE", envPath("prod-copy"), { version: "v2.17" });
    expect(del.status).toBe(202);
    expect(del.json.type).toBe("delete");
    await waitEnvironmentOperation(del.json.id);
    expectAdminError(await admin("GET", envPath("prod-copy")), 404, "environmentNotFound");
  });

  it("lists operations for all environments, one environment and by id (2.28)", async () => {
    const all = await admin("GET", "environments/operations");
    expect(all.status).toBe(200);
    const types = all.json.value.map((o: { type: string }) => o.type);
    expect(types).toEqual(expect.arrayContaining(["create", "copy", "softDelete", "recover", "delete"]));
    const one = await admin("GET", "environments/qa-sandbox/operations");
    expect(one.json.value.every((o: { environmentName: string }) => o.environmentName === "qa-sandbox")).toBe(true);
    const id = one.json.value[0].id;
    expect((await admin("GET", `environments/operations/${id}`)).json.id).toBe(id);
    expectAdminError(await admin("GET", `environments/operations/${id}`, { version: "v2.27" }), 404, "NotFound");
    const family = await admin("GET", "applications/BusinessCentral/environments/operations");
    expect(family.json.value.length).toBe(all.json.value.length);
  });

  it("lists available applications and ring versions", async () => {
    const apps = await admin("GET", "applications/");
    expect(apps.json.value[0].applicationFamily).toBe("BusinessCentral");
    const versions = await admin("GET", "applications/BusinessCentral/Countries/US/Rings/PROD");
    expect(versions.json.value).toContain("29.1.41238.0");
  });
});

describe("apps per environment", () => {
  const appsPath = (rest = "") => envPath("production", `/apps${rest}`);
  const extensions = async () => {
    const cid = await t.companyId();
    const res = await t.call("GET", `companies(${cid})/extensions`);
    expect(res.status).toBe(200);
    return res.json.value as {
      id: string;
      version?: string;
      versionMajor: number;
      versionMinor: number;
      isInstalled: boolean;
      publishedAs: string;
    }[];
  };

  it("lists installed apps", async () => {
    const res = await admin("GET", appsPath());
    expect(res.status).toBe(200);
    const base = res.json.value.find((a: { appId: string }) => a.appId === BASE_APP_ID);
    expect(base).toMatchObject({
      name: "Base Application",
      publisher: "Microsoft",
      state: "Installed",
      appType: "global",
      canBeUninstalled: false,
    });
  });

  it("refuses an install without acceptIsvEula, before API 2.6, and without EXTEN. MGT. - ADMIN", async () => {
    const res = await admin("POST", appsPath(`/${CONTOSO_PAYMENTS_ID}/install`), { body: { acceptIsvEula: false } });
    expectAdminError(res, 400, "invalidInput");
    expect(res.json.target).toBe("acceptIsvEula");
    expectAdminError(
      await admin("POST", appsPath(`/${CONTOSO_PAYMENTS_ID}/install`), {
        version: "v2.5",
        body: { acceptIsvEula: true },
      }),
      404,
      "NotFound",
    );
    // qa-sandbox's registration (previous block) has the permission set; old-api has no registered app.
    await waitFor(async () => ((await admin("GET", envPath("old-api"))).json.status === "Active" ? true : undefined));
    const denied = await admin("POST", envPath("old-api", `/apps/${CONTOSO_PAYMENTS_ID}/install`), {
      body: { acceptIsvEula: true },
    });
    expectAdminError(denied, 403, "Forbidden");
    expectAdminError(
      await admin("POST", appsPath(`/${randomUUID()}/install`), { body: { acceptIsvEula: true } }),
      404,
      "ResourceDoesNotExist",
    );
  });

  it("reports missing dependencies as data.requirements, then installs them when asked", async () => {
    const refused = await admin("POST", appsPath(`/${FABRIKAM_SHIPPING_ID}/install`), {
      body: { acceptIsvEula: true },
    });
    expectAdminError(refused, 400, "missingDependencies");
    expect(refused.json.data.requirements).toEqual([
      {
        appId: FABRIKAM_CORE_ID,
        name: "Fabrikam Core Library",
        publisher: "Fabrikam, Inc.",
        version: "2.0.0.0",
        type: "install",
      },
    ]);

    const res = await admin("POST", appsPath(`/${FABRIKAM_SHIPPING_ID}/install`), {
      body: { AcceptIsvEula: true, installOrUpdateNeededDependencies: true },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      type: "install",
      sourceAppVersion: "",
      targetAppVersion: "3.2.0.0",
      status: "scheduled",
    });
    const done = await waitAppOperation("production", FABRIKAM_SHIPPING_ID, res.json.id);
    expect(done).toMatchObject({ type: "install", targetVersion: "3.2.0.0", errorMessage: "" });

    const installed = (await admin("GET", appsPath())).json.value;
    expect(installed.find((a: { appId: string }) => a.appId === FABRIKAM_CORE_ID)?.version).toBe("2.0.0.0");
    expect(installed.find((a: { appId: string }) => a.appId === FABRIKAM_SHIPPING_ID)?.version).toBe("3.2.0.0");
    const ext = await extensions();
    expect(ext.find((e) => e.id === FABRIKAM_SHIPPING_ID)).toMatchObject({
      isInstalled: true,
      publishedAs: "Global",
      versionMajor: 3,
      versionMinor: 2,
    });
    expect(ext.find((e) => e.id === FABRIKAM_CORE_ID)?.isInstalled).toBe(true);
    // The dependency got its own operation.
    const coreOps = await admin("GET", appsPath(`/${FABRIKAM_CORE_ID}/operations`));
    expect(coreOps.json.value[0]).toMatchObject({ type: "install", status: "succeeded", targetVersion: "2.0.0.0" });
    expectAdminError(
      await admin("POST", appsPath(`/${FABRIKAM_SHIPPING_ID}/install`), { body: { acceptIsvEula: true } }),
      400,
      "appAlreadyInstalled",
    );
  });

  it("picks the latest version compatible with the environment and honours preview rules", async () => {
    // Fabrikam Core 2.0 needs BC 26; the 24.x sandbox gets 1.2.0.0.
    const old = await admin("POST", envPath("sandbox-24", `/apps/${FABRIKAM_CORE_ID}/install`), {
      body: { acceptIsvEula: true },
    });
    expect(old.status).toBe(200);
    expect(old.json.targetAppVersion).toBe("1.2.0.0");
    expectAdminError(
      await admin("POST", appsPath(`/${TAILSPIN_ANALYTICS_ID}/install`), { body: { acceptIsvEula: true } }),
      400,
      "noCompatibleVersion",
    );
    expectAdminError(
      await admin("POST", appsPath(`/${TAILSPIN_ANALYTICS_ID}/install`), {
        body: { acceptIsvEula: true, allowPreviewVersion: true },
      }),
      400,
      "invalidInput",
    );
    const preview = await admin("POST", appsPath(`/${TAILSPIN_ANALYTICS_ID}/install`), {
      body: { acceptIsvEula: true, allowPreviewVersion: true, targetVersion: "0.9.5.0" },
    });
    expect(preview.status).toBe(200);
    await waitAppOperation("production", TAILSPIN_ANALYTICS_ID, preview.json.id);
  });

  it("updates up, refuses down, and lists available updates", async () => {
    const install = await admin("POST", appsPath(`/${CONTOSO_PAYMENTS_ID}/install`), {
      body: { acceptIsvEula: true, targetVersion: "5.0.0.0" },
    });
    await waitAppOperation("production", CONTOSO_PAYMENTS_ID, install.json.id);
    const updates = await admin("GET", appsPath("/availableUpdates"));
    expect(updates.json.value).toContainEqual({
      appId: CONTOSO_PAYMENTS_ID,
      name: "Contoso Payment Services",
      publisher: "Contoso Software",
      version: "5.1.0.0",
      requirements: [],
    });
    expectAdminError(
      await admin("POST", appsPath(`/${CONTOSO_PAYMENTS_ID}/update`), { body: {} }),
      400,
      "invalidInput",
    );
    expectAdminError(
      await admin("POST", appsPath(`/${CONTOSO_PAYMENTS_ID}/update`), { body: { targetVersion: "6.0.0.0" } }),
      400,
      "invalidInput",
    );
    const up = await admin("POST", appsPath(`/${CONTOSO_PAYMENTS_ID}/update`), { body: { targetVersion: "5.1.0.0" } });
    expect(up.status).toBe(200);
    expect(up.json).toMatchObject({
      type: "update",
      sourceAppVersion: "5.0.0.0",
      targetAppVersion: "5.1.0.0",
      createdBy: t.emu.clientId,
    });
    expectAdminError(
      await admin("POST", appsPath(`/${CONTOSO_PAYMENTS_ID}/update`), { body: { targetVersion: "5.1.0.0" } }),
      409,
      "operationInProgress",
    );
    await waitAppOperation("production", CONTOSO_PAYMENTS_ID, up.json.id);
    const app = (await admin("GET", appsPath())).json.value.find(
      (a: { appId: string }) => a.appId === CONTOSO_PAYMENTS_ID,
    );
    expect(app).toMatchObject({
      version: "5.1.0.0",
      state: "Installed",
      lastOperationId: up.json.id,
      lastUpdateAttemptResult: "Succeeded",
    });
    const down = await admin("POST", appsPath(`/${CONTOSO_PAYMENTS_ID}/update`), {
      body: { targetVersion: "5.0.0.0" },
    });
    expectAdminError(down, 400, "invalidInput");
    expect(down.json.message).toContain("lower");
    expect(
      (await extensions()).filter((e) => e.id === CONTOSO_PAYMENTS_ID && e.isInstalled).map((e) => e.versionMinor),
    ).toEqual([1]);
  });

  it("schedules an update in the update window and cancels it", async () => {
    const core = await admin("POST", envPath("sandbox-24", `/apps/${FABRIKAM_CORE_ID}/operations`));
    expect(core.status).toBe(405);
    const ops = await admin("GET", envPath("sandbox-24", `/apps/${FABRIKAM_CORE_ID}/operations`));
    await waitAppOperation("sandbox-24", FABRIKAM_CORE_ID, ops.json.value[0].id);
    const scheduled = await admin("POST", envPath("sandbox-24", `/apps/${FABRIKAM_CORE_ID}/update`), {
      version: "v2.6",
      body: { targetVersion: "2.0.0.0" },
    });
    // 2.0.0.0 needs BC 26: not for the 24.x sandbox.
    expectAdminError(scheduled, 400, "invalidInput");
    t.emu.mutate((s) => {
      const app = s.appSourceCatalog!.find((a) => a.appId === FABRIKAM_CORE_ID)!;
      app.versions.push({ version: "1.3.0.0", preview: false, minApplicationVersion: "24.0.0.0", dependencies: [] });
    });
    const windowed = await admin("POST", envPath("sandbox-24", `/apps/${FABRIKAM_CORE_ID}/update`), {
      body: { targetVersion: "1.3.0.0", useEnvironmentUpdateWindow: true },
    });
    expect(windowed.json.status).toBe("scheduled");
    const listed = (await admin("GET", envPath("sandbox-24", "/apps"))).json.value.find(
      (a: { appId: string }) => a.appId === FABRIKAM_CORE_ID,
    );
    expect(listed.state).toBe("UpdatePending");
    const canceled = await admin("POST", envPath("sandbox-24", `/apps/${FABRIKAM_CORE_ID}/update/cancel`), {
      body: { ScheduledOperationId: windowed.json.id },
    });
    expect(canceled.json).toMatchObject({ status: "canceled", canceledBy: t.emu.clientId });
  });

  it("uninstalls: dependents are requirements unless uninstallDependents", async () => {
    expectAdminError(
      await admin("GET", appsPath(`/${FABRIKAM_CORE_ID}/uninstallRequirements`), { version: "v2.24" }),
      404,
      "NotFound",
    );
    const reqs = await admin("GET", appsPath(`/${FABRIKAM_CORE_ID}/uninstallRequirements`));
    expect(reqs.json.value).toEqual([
      expect.objectContaining({
        appId: FABRIKAM_SHIPPING_ID,
        type: "Global",
        EnvironmentAppOperationRequirementType: "Uninstall",
      }),
    ]);
    const refused = await admin("POST", appsPath(`/${FABRIKAM_CORE_ID}/uninstall`), { body: {} });
    expectAdminError(refused, 400, "dependentAppsInstalled");
    expect(refused.json.data.requirements).toEqual([
      expect.objectContaining({ appId: FABRIKAM_SHIPPING_ID, version: "3.2.0.0", type: "uninstall" }),
    ]);
    expectAdminError(
      await admin("POST", appsPath(`/${BASE_APP_ID}/uninstall`), { body: {} }),
      400,
      "appCannotBeUninstalled",
    );

    const res = await admin("POST", appsPath(`/${FABRIKAM_CORE_ID}/uninstall`), {
      body: { uninstallDependents: true, deleteData: true },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ type: "uninstall", sourceAppVersion: "2.0.0.0", targetAppVersion: "" });
    await waitAppOperation("production", FABRIKAM_CORE_ID, res.json.id);
    const installed = (await admin("GET", appsPath())).json.value.map((a: { appId: string }) => a.appId);
    expect(installed).not.toContain(FABRIKAM_CORE_ID);
    expect(installed).not.toContain(FABRIKAM_SHIPPING_ID);
    // Uninstalled global apps are not listed by the automation API online (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis).
    const ext = (await extensions()).map((e) => e.id);
    expect(ext).not.toContain(FABRIKAM_CORE_ID);
    expect(ext).not.toContain(FABRIKAM_SHIPPING_ID);
    expectAdminError(await admin("POST", appsPath(`/${FABRIKAM_CORE_ID}/uninstall`)), 404, "ResourceDoesNotExist");
  });

  it("lists app operations, one operation by id, and app operations among environment operations", async () => {
    const ops = await admin("GET", appsPath(`/${CONTOSO_PAYMENTS_ID}/operations`));
    expect(ops.json.value.map((o: { type: string; status: string }) => `${o.type}:${o.status}`)).toEqual([
      "install:succeeded",
      "update:succeeded",
    ]);
    const one = await admin("GET", appsPath(`/${CONTOSO_PAYMENTS_ID}/operations/${ops.json.value[1].id}`));
    expect(one.json).toMatchObject({ sourceVersion: "5.0.0.0", targetVersion: "5.1.0.0" });
    expectAdminError(
      await admin("GET", appsPath(`/${CONTOSO_PAYMENTS_ID}/operations/${randomUUID()}`)),
      404,
      "ResourceDoesNotExist",
    );
    const envOps = await admin("GET", "environments/production/operations");
    expect(envOps.json.value.map((o: { type: string }) => o.type)).toEqual(
      expect.arrayContaining(["environmentAppInstall", "environmentAppUpdate", "environmentAppUninstall"]),
    );
  });

  it("shows AppSource installs in extensionDeploymentStatus as Install operations", async () => {
    const cid = await t.companyId();
    const res = await t.call("GET", `companies(${cid})/extensionDeploymentStatus`);
    expect(res.status).toBe(200);
    expect(res.json.value).toContainEqual(
      expect.objectContaining({
        name: "Contoso Payment Services",
        operationType: "Install",
        status: "Completed",
        appVersion: "5.1.0.0",
      }),
    );
  });
});

describe("per-tenant extensions through the Admin Center (API 2.29)", () => {
  const pte = (version: string, extra: Partial<Parameters<typeof buildApp>[0]> = {}) =>
    buildApp({ id: PTE_ID, name: "Contoso Tools", publisher: "Contoso", version, ...extra });
  const pteInstallPath = envPath("production", "/apps/pteInstall");

  it("is not there before 2.29", async () => {
    const form = pteForm(pte("1.0.0.0"));
    expectAdminError(await admin("POST", pteInstallPath, { version: "v2.28", ...form }), 404, "NotFound");
    expectAdminError(
      await admin("GET", envPath("production", "/apps/scheduledPteOperations"), { version: "v2.28" }),
      404,
      "NotFound",
    );
  });

  it("validates the form", async () => {
    expectAdminError(
      await admin("POST", pteInstallPath, { body: { acceptIsvEula: true } }),
      415,
      "UnsupportedMediaType",
    );
    const noEula = await admin("POST", pteInstallPath, pteForm(pte("1.0.0.0"), { acceptIsvEula: "false" }));
    expectAdminError(noEula, 400, "invalidInput");
    expect(noEula.json.target).toBe("acceptIsvEula");
    expect((await admin("POST", pteInstallPath, pteForm(pte("1.0.0.0"), {}, "tools.zip"))).json.target).toBe(
      "extensionFile",
    );
    const garbage = await admin("POST", pteInstallPath, pteForm(Buffer.from("PK\u0003\u0004 not an app")));
    expectAdminError(garbage, 400, "invalidInput");
    expect(garbage.json.message).toBe("The specified file is not an extension file.");
    const staged = await admin(
      "POST",
      pteInstallPath,
      pteForm(pte("1.0.0.0"), { deploymentSchedule: "NextMinorUpdate" }),
    );
    expectAdminError(staged, 400, "invalidInput");
    expect(staged.json.target).toBe("deploymentSchedule");
    expect((await admin("POST", pteInstallPath, pteForm(pte("1.0.0.0"), { syncMode: "Destroy" }))).json.target).toBe(
      "syncMode",
    );
    const noFile = multipart([{ name: "acceptIsvEula", value: "true" }]);
    expect((await admin("POST", pteInstallPath, noFile)).json.target).toBe("extensionFile");
    const broken = {
      raw: Buffer.from("--x\r\nnonsense"),
      headers: { "content-type": "multipart/form-data; boundary=zzz" },
    };
    expectAdminError(await admin("POST", pteInstallPath, broken), 400, "invalidInput");
  });

  it("limits the .app to 50 MB and the request to a little more", async () => {
    const tooBigFile = await admin("POST", pteInstallPath, pteForm(Buffer.alloc(50 * 1024 * 1024 + 1)));
    expectAdminError(tooBigFile, 400, "invalidInput");
    expect(tooBigFile.json.message).toContain("50 MB");
    expectAdminError(
      await admin("POST", pteInstallPath, pteForm(Buffer.alloc(52 * 1024 * 1024))),
      413,
      "RequestEntityTooLarge",
    );
  });

  it("installs an uploaded .app immediately; it then appears in the automation extensions list", async () => {
    const res = await admin(
      "POST",
      pteInstallPath,
      pteForm(pte("1.0.0.0"), { syncMode: "ForceSync", languageId: "da-DK" }),
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      type: "install",
      sourceAppVersion: "",
      targetAppVersion: "1.0.0.0",
      status: "running",
      scheduleKind: "Immediate",
      creatorPrincipalType: "App",
      createdBy: t.emu.clientId,
      appId: PTE_ID,
      aadTenantId: t.emu.tenantId,
      canceledBy: "",
    });
    expect(res.json.startedOn).toBeTruthy();
    await waitAppOperation("production", PTE_ID, res.json.id);
    const app = (await admin("GET", envPath("production", "/apps"))).json.value.find(
      (a: { appId: string }) => a.appId === PTE_ID,
    );
    expect(app).toMatchObject({ name: "Contoso Tools", version: "1.0.0.0", appType: "tenant", canBeUninstalled: true });
    const cid = await t.companyId();
    const ext = await t.call("GET", `companies(${cid})/extensions`);
    expect(ext.json.value).toContainEqual(
      expect.objectContaining({ id: PTE_ID, displayName: "Contoso Tools", isInstalled: true, publishedAs: "PTE" }),
    );
    const deployments = await t.call("GET", `companies(${cid})/extensionDeploymentStatus`);
    expect(deployments.json.value).toContainEqual(
      expect.objectContaining({
        name: "Contoso Tools",
        operationType: "Upload",
        status: "Completed",
        appVersion: "1.0.0.0",
      }),
    );
  });

  it("refuses missing dependencies, and installs AppSource dependencies when asked", async () => {
    const withDep = pte("1.1.0.0", {
      dependencies: [
        {
          id: CONTOSO_PAYMENTS_ID,
          name: "Contoso Payment Services",
          publisher: "Contoso Software",
          version: "5.1.0.0",
        },
      ],
    });
    // Contoso Payment Services 5.1 is installed (previous block): no requirements.
    const ok = await admin("POST", pteInstallPath, pteForm(withDep));
    expect(ok.status).toBe(200);
    await waitAppOperation("production", PTE_ID, ok.json.id);

    const needsCore = pte("1.2.0.0", {
      dependencies: [
        { id: FABRIKAM_CORE_ID, name: "Fabrikam Core Library", publisher: "Fabrikam, Inc.", version: "1.0.0.0" },
      ],
    });
    const refused = await admin("POST", pteInstallPath, pteForm(needsCore));
    expectAdminError(refused, 400, "missingDependencies");
    expect(refused.json.data.requirements).toEqual([
      expect.objectContaining({ appId: FABRIKAM_CORE_ID, type: "install" }),
    ]);
    const auto = await admin("POST", pteInstallPath, pteForm(needsCore, { installOrUpdateNeededDependencies: "true" }));
    expect(auto.status).toBe(200);
    await waitAppOperation("production", PTE_ID, auto.json.id);
    const installed = (await admin("GET", envPath("production", "/apps"))).json.value;
    expect(installed.find((a: { appId: string }) => a.appId === FABRIKAM_CORE_ID)?.version).toBe("2.0.0.0");
    expect(installed.find((a: { appId: string }) => a.appId === PTE_ID)?.version).toBe("1.2.0.0");

    const unknownDependency = randomUUID();
    const impossible = pte("1.2.5.0", {
      dependencies: [{ id: unknownDependency, name: "Nowhere", publisher: "Nobody", version: "1.0.0.0" }],
    });
    const refusedAgain = await admin(
      "POST",
      pteInstallPath,
      pteForm(impossible, { installOrUpdateNeededDependencies: "true" }),
    );
    expectAdminError(refusedAgain, 400, "dependencyNotAvailable");
    expect(refusedAgain.json.target).toBe(unknownDependency);
  });

  it("reports a failed deployment: same version with a different package", async () => {
    const res = await admin("POST", pteInstallPath, pteForm(pte("1.2.0.0")));
    expect(res.status).toBe(200);
    const failed = await waitAppOperation("production", PTE_ID, res.json.id, "failed");
    expect(failed.errorMessage).toContain("same App ID and version");
  });

  it("stages updates for the next update and lists and removes scheduled versions", async () => {
    const staged = await admin(
      "POST",
      pteInstallPath,
      pteForm(pte("2.0.0.0"), { deploymentSchedule: "NextMajorUpdate" }),
    );
    expect(staged.status).toBe(200);
    expect(staged.json).toMatchObject({
      status: "scheduled",
      scheduleKind: "NextMajorUpdate",
      sourceAppVersion: "1.2.0.0",
    });
    expect(staged.json.startedOn).toBeUndefined();
    const windowed = await admin(
      "POST",
      pteInstallPath,
      pteForm(pte("1.3.0.0"), { deploymentSchedule: "UpdateWindow" }),
    );
    expect(windowed.json).toMatchObject({ status: "scheduled", scheduleKind: "UpdateWindow" });

    const list = await admin("GET", envPath("production", "/apps/scheduledPteOperations"));
    expect(list.status).toBe(200);
    expect(list.json.value).toHaveLength(2);
    expect(list.json.value[0]).toMatchObject({
      id: staged.json.id,
      type: "Install",
      status: "scheduled",
      targetAppVersion: "2.0.0.0",
      scheduleKind: "NextMajorUpdate",
      parameters: {
        name: "Contoso Tools",
        publisher: "Contoso",
        targetRelease: "30.0.0.0",
        syncMode: "Add",
        countryCode: "US",
      },
    });

    const missing = await admin("POST", envPath("production", `/apps/${PTE_ID}/removeScheduledPteVersion`), {
      body: { targetVersion: "9.9.9.9", scheduleKind: "NextMajorUpdate" },
    });
    expectAdminError(missing, 404, "ResourceDoesNotExist");
    expect(missing.json.target).toBe(`BusinessCentral/production/apps/${PTE_ID}`);
    const removed = await admin("POST", envPath("production", `/apps/${PTE_ID}/removeScheduledPteVersion`), {
      body: { targetVersion: "2.0.0.0", scheduleKind: "NextMajorUpdate" },
    });
    expect(removed.status).toBe(200);
    expect(removed.json).toMatchObject({ id: staged.json.id, status: "canceled", canceledBy: t.emu.clientId });
    const after = await admin("GET", envPath("production", "/apps/scheduledPteOperations"));
    expect(after.json.value.map((o: { id: string }) => o.id)).toEqual([windowed.json.id]);
  });

  it("deploys a NextMinorUpdate version when the environment moves to the next minor version", async () => {
    const minor = await admin(
      "POST",
      pteInstallPath,
      pteForm(pte("1.4.0.0"), { deploymentSchedule: "NextMinorUpdate" }),
    );
    expect(minor.json).toMatchObject({ status: "scheduled", scheduleKind: "NextMinorUpdate" });
    const listed = await admin("GET", envPath("production", "/apps/scheduledPteOperations"));
    expect(listed.json.value.find((o: { id: string }) => o.id === minor.json.id).parameters.targetRelease).toBe(
      "29.2.0.0",
    );
    await new Promise((r) => setTimeout(r, 400));
    expect((await admin("GET", envPath("production", `/apps/${PTE_ID}/operations/${minor.json.id}`))).json.status).toBe(
      "scheduled",
    );
    t.emu.mutate((s) => {
      s.tenants[0].environments.find((e) => e.name === "production")!.applicationVersion = "29.2.42000.0";
    });
    await waitAppOperation("production", PTE_ID, minor.json.id);
    const app = (await admin("GET", envPath("production", "/apps"))).json.value.find(
      (a: { appId: string }) => a.appId === PTE_ID,
    );
    expect(app.version).toBe("1.4.0.0");
  });
});

describe("robustness: every failure in the Admin Center shape", () => {
  it("answers unknown routes, versions and methods", async () => {
    expectAdminError(await admin("GET", "nothing/here"), 404, "NotFound");
    expectAdminError(await admin("GET", "applications/environments", { version: "v2.30" }), 404, "NotFound");
    expectAdminError(await admin("GET", "applications/environments", { version: "v1.0" }), 404, "NotFound");
    expectAdminError(await admin("PATCH", envPath("production")), 405, "MethodNotAllowed");
    expectAdminError(await admin("POST", envPath("production")), 405, "MethodNotAllowed");
    expectAdminError(await admin("GET", envPath("production", "/apps/not-a-guid/install")), 400, "invalidInput");
    expectAdminError(await admin("GET", envPath("production", "/apps/%E0%A4%A")), 404, "NotFound");
  });

  it("routes by the table's rules: family before the version gate, the gate before the app id, literals before names", async () => {
    const app = "11111111-2222-3333-4444-555555555555";
    // A literal segment wins over a parameter, and answers 405 for other verbs.
    expectAdminError(await admin("PUT", "authorizedAadApps/manageableTenants"), 405, "MethodNotAllowed");
    // GET …/environments/operations lists operations; other verbs treat "operations" as an environment name.
    expect((await admin("GET", "applications/BusinessCentral/environments/operations")).status).toBe(200);
    expectAdminError(
      await admin("PUT", "applications/BusinessCentral/environments/operations", { body: {} }),
      400,
      "environmentNameNotValid",
    );
    // Under an unknown family every path answers the family's error, whatever follows.
    expectAdminError(
      await admin("GET", "applications/Nope/environments/production/foo"),
      404,
      "applicationTypeDoesNotExist",
    );
    expectAdminError(
      await admin("POST", `applications/Nope/environments/production/apps/${app}/install`, { version: "v2.3" }),
      404,
      "applicationTypeDoesNotExist",
    );
    // An endpoint newer than the API version is not there; the app id is checked only where the route exists.
    const install = envPath("production", `/apps/${app}/install`);
    const gated = await admin("POST", install, { version: "v2.3", body: {} });
    expectAdminError(gated, 404, "NotFound");
    expect(gated.json.message).toMatch(/introduced in API version 2\.6/);
    expectAdminError(await admin("POST", envPath("production", "/apps/notguid/install")), 400, "invalidInput");
    expectAdminError(await admin("DELETE", envPath("production", `/apps/${app}/foo`)), 404, "NotFound");
  });

  it("answers bad bodies with 4xx and keeps serving", async () => {
    const path = envPath("production", `/apps/${CONTOSO_PAYMENTS_ID}/install`);
    expectAdminError(
      await admin("POST", path, { raw: Buffer.from("[1,2]"), headers: { "content-type": "application/json" } }),
      400,
      "invalidInput",
    );
    expectAdminError(
      await admin("POST", path, { raw: Buffer.from("null"), headers: { "content-type": "application/json" } }),
      400,
      "invalidInput",
    );
    expectAdminError(
      await admin("POST", path, {
        raw: Buffer.from('{"acceptIsvEula":"maybe"}'),
        headers: { "content-type": "application/json" },
      }),
      400,
      "invalidInput",
    );
    expect((await admin("GET", "applications/environments")).status).toBe(200);
  });
});
