import { randomUUID } from "node:crypto";
import { mkdtempSync, openAsBlob, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { CONTOSO_PAYMENTS_ID, FABRIKAM_SHIPPING_ID } from "../../emulator/admin/catalog-seed";
import { buildApp } from "../../formats/navx";
import type { AdminCenterApi } from "../../provider/admin";
import { isNotFound } from "../../provider/errors";
import { resetProviderCaches, settingsFor, startTestEmulator, connect } from "./helpers/emu";
import { bcFailure } from "../helpers/failure";

let emu: RunningEmulator;
let admin: AdminCenterApi;
beforeAll(async () => {
  emu = await startTestEmulator();
  admin = connect(settingsFor(emu)).admin();
});
afterAll(() => emu.stop());
afterEach(() => resetProviderCaches());

describe("Admin Center API", () => {
  it("lists and gets environments", async () => {
    const envs = await admin.listEnvironments();
    expect(envs.map((e) => e.name)).toEqual(expect.arrayContaining(["production", "sandbox-24"]));
    const prod = await admin.getEnvironment("production");
    expect(prod).toMatchObject({ name: "production", type: "Production" });
    const missing = await bcFailure(admin.getEnvironment("nope"));
    expect(isNotFound(missing)).toBe(true);
    expect(missing.service).toBe("admin");
    expect(missing.correlationId).toBeTruthy();
  });

  it("raises the API version for operations that need a newer one", () => {
    expect(admin.version()).toBe("v2.28");
    expect(admin.version("v2.29")).toBe("v2.29");
    expect(admin.version("v2.6")).toBe("v2.28");
  });

  it("installs an AppSource app and follows the operation; missing dependencies come back as requirements", async () => {
    const refused = await bcFailure(admin.installApp("production", FABRIKAM_SHIPPING_ID, { acceptIsvEula: true }));
    expect(refused.status).toBe(400);
    expect(refused.requirements?.length).toBeGreaterThan(0);
    expect(refused.message).toContain("Requirements");

    const op = await admin.installApp("production", CONTOSO_PAYMENTS_ID, { acceptIsvEula: true });
    expect(op.id).toBeTruthy();
    const lines: string[] = [];
    const done = await admin.waitForAppOperation("production", CONTOSO_PAYMENTS_ID, op.id, {
      initialIntervalMs: 20,
      onProgress: (l) => lines.push(l),
    });
    expect(done.status).toBe("succeeded");
    expect((await admin.listApps("production")).some((a) => a.appId === CONTOSO_PAYMENTS_ID)).toBe(true);
    expect((await admin.listAppOperations("production", CONTOSO_PAYMENTS_ID))[0]!.id).toBe(op.id);

    const un = await admin.uninstallApp("production", CONTOSO_PAYMENTS_ID, { deleteData: true });
    await admin.waitForAppOperation("production", CONTOSO_PAYMENTS_ID, un.id, {
      initialIntervalMs: 20,
      onProgress: () => {},
    });
    expect((await admin.listApps("production")).some((a) => a.appId === CONTOSO_PAYMENTS_ID)).toBe(false);
  });

  it("installs a per-tenant extension with pteInstall (multipart, API 2.29)", async () => {
    const appId = randomUUID();
    const bytes = buildApp({ id: appId, name: "Pulumi PTE", publisher: "Contoso", version: "1.0.0.0" });
    emu.clearRequests();
    // A file-backed Blob, as the Extension resource sends it (streamed from disk, not held in memory).
    const file = join(mkdtempSync(join(tmpdir(), "bc-pte-")), "Contoso_Pulumi PTE_1.0.0.0.app");
    writeFileSync(file, bytes);
    const op = await admin.pteInstall("production", await openAsBlob(file), {
      acceptIsvEula: true,
      fileName: "Contoso_Pulumi PTE_1.0.0.0.app",
    });
    expect(emu.requests().some((r) => r.path.includes("/admin/v2.29/") && r.path.endsWith("/apps/pteInstall"))).toBe(
      true,
    );
    await admin.waitForAppOperation("production", appId, op.id, { initialIntervalMs: 20, onProgress: () => {} });
    const installed = (await admin.listApps("production")).find((a) => a.appId === appId);
    expect(installed).toMatchObject({ name: "Pulumi PTE", version: "1.0.0.0" });
    expect(Array.isArray(await admin.scheduledPteOperations("production"))).toBe(true);

    const garbage = await bcFailure(
      admin.pteInstall("production", new Blob([Buffer.from("not an app")]), { acceptIsvEula: true }),
    );
    expect(garbage.status).toBe(400);
    expect(garbage.serviceMessage).toContain("not an extension file");
  });

  it("explains an app that is not authorized for the Admin Center", async () => {
    emu.mutate((s) => {
      (s.tenants[0] as unknown as { authorizedAdminApps: string[] }).authorizedAdminApps = [];
    });
    try {
      const err = await bcFailure(connect(settingsFor(emu)).admin().listEnvironments());
      expect([401, 403]).toContain(err.status);
      expect(err.hint).toContain("Authorized Microsoft Entra apps");
      expect(err.hint).toContain("AdminCenter.ReadWrite.All");
    } finally {
      emu.reset();
    }
  });
});

describe("Admin Center shapes to tolerate (issue 19)", () => {
  it("reads an environment answered as {value:[…]} (the current docs' example)", async () => {
    const wrapped = await startTestEmulator({ behaviour: { wrappedEnvironmentGet: true } });
    try {
      resetProviderCaches();
      const env = await connect(settingsFor(wrapped)).admin().getEnvironment("production");
      expect(env).toMatchObject({ name: "production", type: "Production", status: "Active" });
    } finally {
      await wrapped.stop();
      resetProviderCaches();
    }
  });

  it("falls back to the operations list when GET …/environments/operations/{id} answers 404", async () => {
    const op = await admin.createEnvironment("shape-fallback", { environmentType: "Sandbox", countryCode: "US" });
    emu.faults.add({ method: "GET", path: `*/environments/operations/${op.id}`, status: 404 });
    emu.clearRequests();
    try {
      const read = await admin.getEnvironmentOperation(op.id);
      expect(read).toMatchObject({ id: op.id, type: "create" });
      expect(emu.requests().some((r) => r.path.endsWith("/environments/operations"))).toBe(true);
      const missing = await bcFailure(admin.getEnvironmentOperation("00000000-0000-4000-8000-000000000000"));
      expect(isNotFound(missing)).toBe(true);
    } finally {
      emu.faults.clear();
    }
  });

  it("reads and writes environment settings with the documented wire names", async () => {
    await admin.setUpdateWindow("production", {
      preferredStartTime: "22:00",
      preferredEndTime: "06:00",
      timeZoneId: "W. Europe Standard Time",
    });
    expect(await admin.getUpdateWindow("production")).toMatchObject({
      preferredStartTime: "22:00",
      preferredEndTime: "06:00",
      timeZoneId: "W. Europe Standard Time",
    });
    expect(await admin.getSecurityGroup("production")).toBeUndefined();
    await admin.setSecurityGroup("production", "5e8f1a3c-2b4d-4c6e-9f0a-7b8c9d0e1f2a");
    expect(await admin.getSecurityGroup("production")).toMatchObject({ displayName: "Sales team" });
    await admin.clearSecurityGroup("production");
    expect(await admin.getSecurityGroup("production")).toBeUndefined();
    await admin.setM365Access("production", true);
    expect(await admin.getM365Access("production")).toBe(true);
    const refused = await bcFailure(
      admin.setUpdateWindow("production", {
        preferredStartTime: "01:00",
        preferredEndTime: "03:00",
        timeZoneId: "UTC",
      }),
    );
    expect(refused.status).toBe(400);
  });
});
