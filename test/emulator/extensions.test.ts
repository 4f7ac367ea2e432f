/**
 * extensions, extensionUpload and extensionDeploymentStatus (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis,
 * https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/developer/methods-auto/webserviceactionresultcode/webserviceactionresultcode-option), black-box over
 * HTTPS. `.app` files are generated with the real NAVX layout by formats/navx (its tests: test/formats/navx.test.ts).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EmulatorState, EnvironmentState } from "../../emulator/state/model";
import { buildApp, type BuildAppInput, readApp } from "../../formats/navx";
import { startEmulatorHarness, type TestEmulator, waitFor } from "../helpers/emulator";

// biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary wire JSON
type Wire = any;

const BASE_APP_ID = "437dbf0e-84ff-417a-965d-ed2bb9650972";
const PTE_ID = "5b1c9f0e-2d3a-4b5c-8d7e-6f8091a2b3c4";

let t: TestEmulator;

beforeAll(async () => {
  t = await startEmulatorHarness();
});
afterAll(() => t.stop());
beforeEach(() => t.emu.reset());

function env(state: EmulatorState, name = "production"): EnvironmentState {
  const found = state.tenants[0].environments.find((e) => e.name === name);
  if (!found) throw new Error(`no environment ${name}`);
  return found;
}

function pte(overrides: Partial<BuildAppInput> = {}): Buffer {
  return buildApp({ id: PTE_ID, name: "Contoso Tools", publisher: "Contoso", version: "1.0.0.0", ...overrides });
}

async function base(environment?: string) {
  return `companies(${await t.companyId(environment)})`;
}

/** The documented three-step PTE flow (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis): reuse or create the upload row, send the bytes, trigger `upload`. */
async function upload(
  bytes: Buffer,
  opts: { schedule?: string; schemaSyncMode?: string; environment?: string } = {},
): Promise<{ status: number; json: Wire }> {
  const { environment } = opts;
  const c = await base(environment);
  const body = { schedule: opts.schedule ?? "Current version", schemaSyncMode: opts.schemaSyncMode ?? "Add" };
  const list = await t.call("GET", `${c}/extensionUpload`, { environment });
  expect(list.status).toBe(200);
  let row = list.json.value[0];
  if (row) {
    const patched = await t.call("PATCH", `${c}/extensionUpload(${row.systemId})`, {
      body,
      headers: { "if-match": "*" },
      environment,
    });
    expect(patched.status).toBe(200);
    row = patched.json;
  } else {
    const created = await t.call("POST", `${c}/extensionUpload`, { body, environment });
    expect(created.status).toBe(201);
    row = created.json;
  }
  const content = await t.call("PATCH", row["extensionContent@odata.mediaEditLink"], {
    raw: bytes,
    headers: { "if-match": "*", "content-type": "application/octet-stream" },
  });
  expect(content.status).toBe(204);
  const result = await t.call("POST", `${c}/extensionUpload(${row.systemId})/Microsoft.NAV.upload`, {
    headers: { "if-match": "*" },
    environment,
  });
  return { status: result.status, json: result.json };
}

/** Polls the deployment status like BCCH: the row of this name/version until it leaves InProgress. */
async function deployment(name: string, version: string, environment?: string) {
  const c = await base(environment);
  return waitFor(async () => {
    const res = await t.call("GET", `${c}/extensionDeploymentStatus`, { environment });
    const row = res.json.value.find((r: Wire) => r.name === name && r.appVersion === version);
    return row && row.status !== "InProgress" ? row : undefined;
  }, 5000);
}

async function extensions(environment?: string): Promise<Wire[]> {
  const res = await t.call("GET", `${await base(environment)}/extensions`, { environment });
  expect(res.status).toBe(200);
  return res.json.value;
}

function addPublished(
  state: EmulatorState,
  row: {
    id?: string;
    name: string;
    version?: string;
    publishedAs?: "Global" | "PTE";
    installed: boolean;
    deps?: string[];
  },
  environment = "production",
) {
  const packageId = randomUUID();
  env(state, environment).publishedApps.push({
    packageId,
    id: row.id ?? randomUUID(),
    displayName: row.name,
    publisher: "Contoso",
    version: row.version ?? "1.0.0.0",
    publishedAs: row.publishedAs ?? "PTE",
    isInstalled: row.installed,
    tenantVisible: true,
    perTenant: (row.publishedAs ?? "PTE") !== "Global",
    dependencies: row.deps ?? [],
  });
  return packageId;
}

describe("extensions listing", () => {
  it("lists installed apps and all PTEs, hides uninstalled global apps and _Exclude_ names", async () => {
    t.emu.mutate((s) => {
      addPublished(s, { name: "Hidden Global", publishedAs: "Global", installed: false });
      addPublished(s, { name: "Uninstalled PTE", installed: false });
      addPublished(s, { name: "_Exclude_Internal", installed: true });
      env(s).publishedApps.push({
        ...env(s).publishedApps[0],
        packageId: randomUUID(),
        displayName: "Invisible",
        tenantVisible: false,
      });
    });
    const names = (await extensions()).map((x) => x.displayName);
    expect(names).toContain("Base Application");
    expect(names).toContain("Uninstalled PTE");
    expect(names).not.toContain("Hidden Global");
    expect(names).not.toContain("_Exclude_Internal");
    expect(names).not.toContain("Invisible");
  });

  it("answers the page's fields", async () => {
    const row = (await extensions()).find((x) => x.id === BASE_APP_ID);
    expect(row).toMatchObject({
      displayName: "Base Application",
      publisher: "Microsoft",
      // The Base Application follows the environment's application version, 29.1.41238.0.
      versionMajor: 29,
      versionMinor: 1,
      versionBuild: 41238,
      versionRevision: 0,
      isInstalled: true,
      publishedAs: "Global",
    });
    expect(row.packageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(row["@odata.etag"]).toMatch(/^W\/"/);
  });

  it("is read-only", async () => {
    const c = await base();
    const row = (await extensions())[0];
    expect((await t.call("POST", `${c}/extensions`, { body: {} })).status).toBe(405);
    const patch = await t.call("PATCH", `${c}/extensions(${row.packageId})`, {
      body: {},
      headers: { "if-match": "*" },
    });
    expect(patch.status).toBe(405);
    expect((await t.call("DELETE", `${c}/extensions(${row.packageId})`, { headers: { "if-match": "*" } })).status).toBe(
      405,
    );
  });
});

describe("extensions actions", () => {
  it("install is synchronous (204) and refuses an installed app", async () => {
    let pkg = "";
    t.emu.mutate((s) => {
      pkg = addPublished(s, { name: "Dormant PTE", installed: false });
    });
    const c = await base();
    const res = await t.call("POST", `${c}/extensions(${pkg})/Microsoft.NAV.install`);
    expect(res.status).toBe(204);
    expect((await t.call("GET", `${c}/extensions(${pkg})`)).json.isInstalled).toBe(true);
    const again = await t.call("POST", `${c}/extensions(${pkg})/Microsoft.NAV.install`);
    expect(again.status).toBe(400);
    expect(again.json.error.code).toBe("Application_DialogException");
    expect(again.json.error.message).toMatch(
      /^The extension Dormant PTE is already installed\. {2}CorrelationId: {2}[0-9a-f-]{36}\.$/,
    );
  });

  it("install brings published dependencies along and refuses missing ones", async () => {
    const libId = randomUUID();
    let lib = "";
    let app = "";
    let orphan = "";
    t.emu.mutate((s) => {
      lib = addPublished(s, { id: libId, name: "Lib", installed: false });
      app = addPublished(s, { name: "Needs Lib", installed: false, deps: [libId] });
      orphan = addPublished(s, { name: "Needs Ghost", installed: false, deps: [randomUUID()] });
    });
    const c = await base();
    expect((await t.call("POST", `${c}/extensions(${app})/Microsoft.NAV.install`)).status).toBe(204);
    expect((await t.call("GET", `${c}/extensions(${lib})`)).json.isInstalled).toBe(true);
    const res = await t.call("POST", `${c}/extensions(${orphan})/Microsoft.NAV.install`);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("Needs Ghost");
  });

  it("uninstall answers 200 empty, refuses an uninstalled app, and takes dependents along", async () => {
    const libId = randomUUID();
    let lib = "";
    let app = "";
    t.emu.mutate((s) => {
      lib = addPublished(s, { id: libId, name: "Lib", installed: true });
      app = addPublished(s, { name: "Uses Lib", installed: true, deps: [libId] });
    });
    const c = await base();
    const res = await t.call("POST", `${c}/extensions(${lib})/Microsoft.NAV.uninstall`);
    expect(res.status).toBe(200);
    expect(res.text).toBe("");
    expect((await t.call("GET", `${c}/extensions(${lib})`)).json.isInstalled).toBe(false);
    expect((await t.call("GET", `${c}/extensions(${app})`)).json.isInstalled).toBe(false);
    const again = await t.call("POST", `${c}/extensions(${lib})/Microsoft.NAV.uninstall`);
    expect(again.status).toBe(400);
    expect(again.json.error.message).toMatch(/^The extension Lib is not installed\./);
  });

  it("uninstallAndDeleteExtensionData marks the data deleted and shares the precondition", async () => {
    let pkg = "";
    t.emu.mutate((s) => {
      pkg = addPublished(s, { name: "Data PTE", installed: true });
    });
    const c = await base();
    const res = await t.call("POST", `${c}/extensions(${pkg})/Microsoft.NAV.uninstallAndDeleteExtensionData`);
    expect(res.status).toBe(200);
    const stored = env(t.emu.state()).publishedApps.find((p) => p.packageId === pkg);
    expect(stored).toMatchObject({ isInstalled: false, dataDeleted: true });
    const again = await t.call("POST", `${c}/extensions(${pkg})/Microsoft.NAV.uninstallAndDeleteExtensionData`);
    expect(again.status).toBe(400);
    expect(again.json.error.message).toMatch(/^The extension Data PTE is not installed\./);
  });

  it("unpublish (29.x) removes an uninstalled PTE, refuses installed apps, ignores global ones", async () => {
    let pte1 = "";
    let installed = "";
    let global = "";
    t.emu.mutate((s) => {
      pte1 = addPublished(s, { name: "Old PTE", installed: false });
      installed = addPublished(s, { name: "Busy PTE", installed: true });
      global = addPublished(s, { name: "Some Global", publishedAs: "Global", installed: true });
    });
    const c = await base();
    expect((await t.call("POST", `${c}/extensions(${pte1})/Microsoft.NAV.unpublish`)).status).toBe(204);
    expect((await t.call("GET", `${c}/extensions(${pte1})`)).status).toBe(404);

    const busy = await t.call("POST", `${c}/extensions(${installed})/Microsoft.NAV.unpublish`);
    expect(busy.status).toBe(400);
    expect(busy.json.error.message).toMatch(/^The extension Busy PTE cannot be unpublished because it is installed\./);

    // Global apps: uninstall (hidden from the list afterwards), then unpublish is a silent no-op.
    expect((await t.call("POST", `${c}/extensions(${global})/Microsoft.NAV.uninstall`)).status).toBe(200);
    t.emu.mutate((s) => {
      const row = env(s).publishedApps.find((p) => p.packageId === global);
      if (row) row.perTenant = true; // make it addressable through the page for this check
    });
    expect((await t.call("POST", `${c}/extensions(${global})/Microsoft.NAV.unpublish`)).status).toBe(204);
    expect(env(t.emu.state()).publishedApps.some((p) => p.packageId === global)).toBe(true);
  });

  it("unpublish exists only from 25.4 (24.5 sandbox and a 25.3 environment refuse; 25.4 works)", async () => {
    let pkg24 = "";
    t.emu.mutate((s) => {
      pkg24 = addPublished(s, { name: "Old PTE", installed: false }, "sandbox-24");
    });
    const c24 = await base("sandbox-24");
    const refused = await t.call("POST", `${c24}/extensions(${pkg24})/Microsoft.NAV.unpublish`, {
      environment: "sandbox-24",
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe("BadRequest_NotFound");

    t.emu.mutate((s) => {
      env(s, "sandbox-24").applicationVersion = "25.3.30000.0";
    });
    const still = await t.call("POST", `${c24}/extensions(${pkg24})/Microsoft.NAV.unpublish`, {
      environment: "sandbox-24",
    });
    expect(still.status).toBe(400);

    t.emu.mutate((s) => {
      env(s, "sandbox-24").applicationVersion = "25.4.31000.0";
    });
    const ok = await t.call("POST", `${c24}/extensions(${pkg24})/Microsoft.NAV.unpublish`, {
      environment: "sandbox-24",
    });
    expect(ok.status).toBe(204);
  });

  it("actions on a hidden (uninstalled global) package are 404", async () => {
    let pkg = "";
    t.emu.mutate((s) => {
      pkg = addPublished(s, { name: "AppSource thing", publishedAs: "Global", installed: false });
    });
    const res = await t.call("POST", `${await base()}/extensions(${pkg})/Microsoft.NAV.install`);
    expect(res.status).toBe(404);
  });

  it("docs mode answers 204 for every action", async () => {
    const docs = await startEmulatorHarness({ behaviour: { actionResponses: "docs" } });
    try {
      let pkg = "";
      docs.emu.mutate((s) => {
        pkg = addPublished(s, { name: "Docs PTE", installed: true });
      });
      const c = `companies(${await docs.companyId()})`;
      expect((await docs.call("POST", `${c}/extensions(${pkg})/Microsoft.NAV.uninstall`)).status).toBe(204);
    } finally {
      await docs.stop();
    }
  });
});

describe("extensionUpload", () => {
  it("POST creates the single row with media links; a second POST is a duplicate key", async () => {
    const c = await base();
    expect((await t.call("GET", `${c}/extensionUpload`)).json.value).toEqual([]);
    const created = await t.call("POST", `${c}/extensionUpload`, {
      body: { schedule: "Current version", schemaSyncMode: "Add" },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ schedule: "Current_x0020_version", schemaSyncMode: "Add" });
    expect(created.json.systemId).toMatch(/^[0-9a-f-]{36}$/);
    const link = created.json["extensionContent@odata.mediaEditLink"];
    expect(link).toBe(`${t.apiRoot()}/${c}/extensionUpload(${created.json.systemId})/extensionContent`);
    expect(created.json["extensionContent@odata.mediaReadLink"]).toBe(link);

    const listed = await t.call("GET", `${c}/extensionUpload`);
    expect(listed.json.value).toHaveLength(1);

    const dup = await t.call("POST", `${c}/extensionUpload`, { body: { schedule: "Current version" } });
    expect(dup.status).toBe(400);
    expect(dup.json.error.code).toBe("Internal_EntityWithSameKeyExists");
    expect(dup.json.error.message).toMatch(
      /^The record in table API Extension Upload already exists\. Identification fields and values: Id='0'/,
    );
  });

  it("the row is per company", async () => {
    const companies = (await t.call("GET", "companies")).json.value;
    expect(companies.length).toBeGreaterThan(1);
    await t.call("POST", `companies(${companies[0].id})/extensionUpload`, { body: {} });
    expect((await t.call("GET", `companies(${companies[1].id})/extensionUpload`)).json.value).toEqual([]);
    expect((await t.call("POST", `companies(${companies[1].id})/extensionUpload`, { body: {} })).status).toBe(201);
  });

  it("accepts enum names case-insensitively, answers them XML-encoded, refuses unknown properties", async () => {
    const c = await base();
    const created = await t.call("POST", `${c}/extensionUpload`, {
      body: { schedule: "next MAJOR version", schemaSyncMode: "force sync" },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      schedule: "Next_x0020_major_x0020_version",
      schemaSyncMode: "Force_x0020_Sync",
    });
    const id = created.json.systemId;
    const bad = await t.call("PATCH", `${c}/extensionUpload(${id})`, {
      body: { schedule: "Tomorrow" },
      headers: { "if-match": "*" },
    });
    expect(bad.status).toBe(400);
    const unknown = await t.call("PATCH", `${c}/extensionUpload(${id})`, {
      body: { SchemaSyncMode: "Add" },
      headers: { "if-match": "*" },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe("BadRequest");
  });

  it("PATCH changes schedule/schemaSyncMode (200), needs If-Match, DELETE is not allowed", async () => {
    const c = await base();
    const created = await t.call("POST", `${c}/extensionUpload`, { body: {} });
    expect(created.json).toMatchObject({ schedule: "Current_x0020_version", schemaSyncMode: "Add" });
    const id = created.json.systemId;
    const noMatch = await t.call("PATCH", `${c}/extensionUpload(${id})`, { body: { schemaSyncMode: "Force Sync" } });
    expect(noMatch.status).toBe(400);
    expect(noMatch.json.error.code).toBe("BadRequest_InvalidToken");
    const patched = await t.call("PATCH", `${c}/extensionUpload(${id})`, {
      body: { schemaSyncMode: "Force Sync", schedule: "Next minor version" },
      headers: { "if-match": created.json["@odata.etag"] },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      schedule: "Next_x0020_minor_x0020_version",
      schemaSyncMode: "Force_x0020_Sync",
    });
    const stale = await t.call("PATCH", `${c}/extensionUpload(${id})`, {
      body: { schemaSyncMode: "Add" },
      headers: { "if-match": created.json["@odata.etag"] },
    });
    expect(stale.status).toBe(409);
    const del = await t.call("DELETE", `${c}/extensionUpload(${id})`, { headers: { "if-match": "*" } });
    expect(del.status).toBe(405);
  });

  it("the media PATCH needs If-Match and answers 204; GET reads the bytes back", async () => {
    const c = await base();
    const created = await t.call("POST", `${c}/extensionUpload`, { body: {} });
    const link = created.json["extensionContent@odata.mediaEditLink"];
    const bytes = pte();
    const missing = await t.call("PATCH", link, {
      raw: bytes,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(missing.status).toBe(400);
    const ok = await t.call("PATCH", link, {
      raw: bytes,
      headers: { "if-match": "*", "content-type": "application/octet-stream" },
    });
    expect(ok.status).toBe(204);
    expect(ok.text).toBe("");
    const back = await t.call("GET", link);
    expect(back.status).toBe(200);
    expect(Buffer.from(back.text, "latin1").length).toBeGreaterThan(0);
  });

  it("upload with empty content fails with 'Extension content is empty' and keeps the row", async () => {
    const c = await base();
    const created = await t.call("POST", `${c}/extensionUpload`, { body: {} });
    const res = await t.call("POST", `${c}/extensionUpload(${created.json.systemId})/Microsoft.NAV.upload`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("Application_DialogException");
    expect(res.json.error.message).toMatch(/^Extension content is empty\. {2}CorrelationId:/);
    expect((await t.call("GET", `${c}/extensionUpload`)).json.value).toHaveLength(1);
  });

  it("upload of bytes that are not an .app fails with code Unknown and keeps the row", async () => {
    const res = await upload(Buffer.from("PK\u0003\u0004 definitely not an app"));
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("Unknown");
    expect(res.json.error.message).toMatch(
      /^The specified file is not an extension file\. \(Parameter 'stream'\)\.? {2}CorrelationId: {2}[0-9a-f-]{36}\.$/,
    );
    expect((await t.call("GET", `${await base()}/extensionUpload`)).json.value).toHaveLength(1);
    expect(env(t.emu.state()).deploymentOperations).toHaveLength(0);
  });

  it("the 29-no-upload profile has neither upload endpoint (404), extensions stays", async () => {
    t.emu.mutate((s) => {
      env(s).profile = "29-no-upload";
    });
    const c = await base();
    for (const set of ["extensionUpload", "extensionDeploymentStatus"]) {
      const res = await t.call("GET", `${c}/${set}`);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("BadRequest_NotFound");
    }
    expect((await t.call("POST", `${c}/extensionUpload`, { body: {} })).status).toBe(404);
    expect((await t.call("GET", `${c}/extensions`)).status).toBe(200);
  });

  it("needs EXTEN. MGT. - ADMIN: without it the AL code answers 400 Application_DialogException", async () => {
    const c = await base();
    const before = await t.call("GET", `${c}/extensionUpload`);
    expect(before.status).toBe(200);
    t.emu.mutate((s) => {
      const e = env(s);
      const appUser = e.entraApplications[0].userSecurityId;
      e.accessControls = e.accessControls.filter(
        (ac) => !(ac.userSecurityId === appUser && ac.roleId === "EXTEN. MGT. - ADMIN"),
      );
      e.deploymentOperations.push({
        operationID: randomUUID(),
        name: "Contoso Tools",
        publisher: "Contoso",
        operationType: "Upload",
        status: "Completed",
        schedule: "Immediate",
        appVersion: "1.0.0.0",
        startedOn: new Date().toISOString(),
        packageId: null,
      });
    });
    const dialog = (res: { status: number; json: Wire }, text: string) => {
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("Application_DialogException");
      expect(res.json.error.message).toContain(text);
    };
    const installText = "You do not have the required permissions to install the selected app.";
    const manageText = "You do not have sufficient permissions to manage extensions.";
    dialog(await t.call("GET", `${c}/extensions`), installText);
    dialog(await t.call("POST", `${c}/extensions(${randomUUID()})/Microsoft.NAV.install`), installText);
    dialog(await t.call("GET", `${c}/extensionDeploymentStatus`), manageText);
    // The upload rows need only D365 AUTOMATION; the upload action runs the permission check.
    const created = await t.call("POST", `${c}/extensionUpload`, { body: {} });
    expect(created.status).toBe(201);
    await t.call("PATCH", created.json["extensionContent@odata.mediaEditLink"], {
      raw: pte(),
      headers: { "if-match": "*", "content-type": "application/octet-stream" },
    });
    const action = `${c}/extensionUpload(${created.json.systemId})/Microsoft.NAV.upload`;
    dialog(await t.call("POST", action, { headers: { "if-match": "*" } }), manageText);
    expect((await t.call("GET", `${c}/automationCompanies`)).status).toBe(200);
  });
});

describe("PTE deployment", () => {
  it("upload → 200, row deleted, deployment InProgress then Completed, extension installed", async () => {
    const bytes = pte({ version: "1.0.0.0" });
    const info = readApp(bytes);
    const res = await upload(bytes);
    expect(res.status).toBe(200);
    const c = await base();
    expect((await t.call("GET", `${c}/extensionUpload`)).json.value).toEqual([]);

    const first = await t.call("GET", `${c}/extensionDeploymentStatus`);
    expect(first.json.value[0]).toMatchObject({
      name: "Contoso Tools",
      publisher: "Contoso",
      operationType: "Upload",
      status: "InProgress",
      schedule: "Immediate",
      appVersion: "1.0.0.0",
    });
    expect(first.json.value[0].operationID).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(first.json.value[0].startedOn)).not.toBeNaN();

    const done = await deployment("Contoso Tools", "1.0.0.0");
    expect(done.status).toBe("Completed");
    const byKey = await t.call("GET", `${c}/extensionDeploymentStatus(${done.operationID})`);
    expect(byKey.json.status).toBe("Completed");

    const ext = (await extensions()).find((x) => x.id === PTE_ID);
    expect(ext).toMatchObject({
      packageId: info.packageId,
      displayName: "Contoso Tools",
      publisher: "Contoso",
      versionMajor: 1,
      versionMinor: 0,
      isInstalled: true,
      publishedAs: "PTE",
    });
  });

  it("reuses a leftover row through PATCH (the BCCH path)", async () => {
    const c = await base();
    await t.call("POST", `${c}/extensionUpload`, { body: { schedule: "Next major version" } });
    const res = await upload(pte()); // finds the row, PATCHes it back to Current version
    expect(res.status).toBe(200);
    expect((await deployment("Contoso Tools", "1.0.0.0")).status).toBe("Completed");
  });

  it("deployments complete in the background: extensions shows the app without polling the status", async () => {
    await upload(pte());
    const ext = await waitFor(async () => {
      const row = (await extensions()).find((x) => x.id === PTE_ID);
      return row?.isInstalled ? row : undefined;
    });
    expect(ext.displayName).toBe("Contoso Tools");
  });

  it("an upgrade installs the higher version and uninstalls the old one", async () => {
    await upload(pte({ version: "1.0.0.0" }));
    await deployment("Contoso Tools", "1.0.0.0");
    await upload(pte({ version: "1.1.0.0" }));
    expect((await deployment("Contoso Tools", "1.1.0.0")).status).toBe("Completed");
    const rows = (await extensions()).filter((x) => x.id === PTE_ID);
    expect(rows.map((r) => [r.versionMinor, r.isInstalled]).sort()).toEqual([
      [0, false],
      [1, true],
    ]);
  });

  it("status lists newest first", async () => {
    await upload(pte({ version: "1.0.0.0" }));
    await deployment("Contoso Tools", "1.0.0.0");
    await new Promise((r) => setTimeout(r, 5));
    await upload(pte({ version: "1.0.0.1" }));
    const list = (await t.call("GET", `${await base()}/extensionDeploymentStatus`)).json.value;
    expect(list.map((r: Wire) => r.appVersion)).toEqual(["1.0.0.1", "1.0.0.0"]);
  });

  it("the same app id + version with a different package fails; the identical package succeeds", async () => {
    const first = pte({ version: "2.0.0.0" });
    await upload(first);
    expect((await deployment("Contoso Tools", "2.0.0.0")).status).toBe("Completed");
    await upload(pte({ version: "2.0.0.0" })); // recompiled: new package id
    const c = await base();
    const statuses = async () =>
      ((await t.call("GET", `${c}/extensionDeploymentStatus`)).json.value as Wire[]).map((r) => r.status);
    expect(await waitFor(async () => ((await statuses())[0] !== "InProgress" ? statuses() : undefined))).toEqual([
      "Failed",
      "Completed",
    ]);
    const failed = env(t.emu.state()).deploymentOperations[1];
    expect(failed.detail).toContain("An extension with same App ID and version has already been uploaded");

    await upload(first);
    expect(await waitFor(async () => ((await statuses())[0] !== "InProgress" ? statuses() : undefined))).toEqual([
      "Completed",
      "Failed",
      "Completed",
    ]);
  });

  it("a lower version than the installed one fails (no downgrade)", async () => {
    await upload(pte({ version: "3.0.0.0" }));
    await deployment("Contoso Tools", "3.0.0.0");
    await upload(pte({ version: "2.9.0.0" }));
    expect((await deployment("Contoso Tools", "2.9.0.0")).status).toBe("Failed");
    const installed = (await extensions()).filter((x) => x.id === PTE_ID && x.isInstalled);
    expect(installed.map((x) => x.versionMajor)).toEqual([3]);
  });

  it("a dependency that is not installed (or too old) fails; installed dependencies pass", async () => {
    const missing = randomUUID();
    await upload(
      pte({
        name: "Needs Missing",
        dependencies: [{ id: missing, name: "Missing", publisher: "Contoso", version: "1.0.0.0" }],
      }),
    );
    expect((await deployment("Needs Missing", "1.0.0.0")).status).toBe("Failed");

    await upload(
      pte({
        name: "Needs Future Base",
        dependencies: [{ id: BASE_APP_ID, name: "Base Application", publisher: "Microsoft", version: "99.0.0.0" }],
      }),
    );
    expect((await deployment("Needs Future Base", "1.0.0.0")).status).toBe("Failed");

    await upload(
      pte({
        name: "Needs Base",
        dependencies: [{ id: BASE_APP_ID, name: "Base Application", publisher: "Microsoft", version: "24.0.0.0" }],
      }),
    );
    expect((await deployment("Needs Base", "1.0.0.0")).status).toBe("Completed");
  });

  it("schema sync: Add refuses a removed field, Force Sync allows it", async () => {
    const v1Tables = [
      {
        id: 50100,
        name: "Thing",
        fields: [
          { id: 1, name: "Code" },
          { id: 2, name: "Note" },
        ],
      },
    ];
    const v2Tables = [{ id: 50100, name: "Thing", fields: [{ id: 1, name: "Code" }] }];
    await upload(pte({ version: "1.0.0.0", tables: v1Tables }));
    await deployment("Contoso Tools", "1.0.0.0");

    await upload(pte({ version: "2.0.0.0", tables: v2Tables }), { schemaSyncMode: "Add" });
    expect((await deployment("Contoso Tools", "2.0.0.0")).status).toBe("Failed");
    const failed = env(t.emu.state()).deploymentOperations.find((o) => o.appVersion === "2.0.0.0");
    expect(failed?.detail).toContain("Field 2 'Note'");

    await upload(pte({ version: "2.0.0.1", tables: v2Tables }), { schemaSyncMode: "Force Sync" });
    expect((await deployment("Contoso Tools", "2.0.0.1")).status).toBe("Completed");
  });

  it("staged schedules stay InProgress until the environment passes the next minor/major version", async () => {
    await upload(pte({ name: "Minor PTE" }), { schedule: "Next minor version" });
    await upload(pte({ name: "Major PTE", id: randomUUID() }), { schedule: "Next major version" });
    await new Promise((r) => setTimeout(r, 400));
    const c = await base();
    const list = async () => (await t.call("GET", `${c}/extensionDeploymentStatus`)).json.value as Wire[];
    let rows = await list();
    expect(rows.find((r) => r.name === "Minor PTE")).toMatchObject({
      status: "InProgress",
      schedule: "StageForNextMinorUpdate",
    });
    expect(rows.find((r) => r.name === "Major PTE")).toMatchObject({
      status: "InProgress",
      schedule: "StageForNextUpdate",
    });

    t.emu.mutate((s) => {
      env(s).applicationVersion = "29.2.0.0";
    });
    rows = await list();
    expect(rows.find((r) => r.name === "Minor PTE")?.status).toBe("Completed");
    expect(rows.find((r) => r.name === "Major PTE")?.status).toBe("InProgress");

    t.emu.mutate((s) => {
      env(s).applicationVersion = "30.0.0.0";
    });
    rows = await list();
    expect(rows.find((r) => r.name === "Major PTE")?.status).toBe("Completed");
  });

  it("an injected failure (control plane) is reported as Failed", async () => {
    await upload(pte());
    t.emu.mutate((s) => {
      const op = env(s).deploymentOperations[0];
      op.outcome = "Failed";
      op.detail = "Injected";
    });
    expect((await deployment("Contoso Tools", "1.0.0.0")).status).toBe("Failed");
    expect((await extensions()).some((x) => x.id === PTE_ID)).toBe(false);
  });

  it("works on the 24.x sandbox too", async () => {
    const res = await upload(pte(), { environment: "sandbox-24" });
    expect(res.status).toBe(200);
    expect((await deployment("Contoso Tools", "1.0.0.0", "sandbox-24")).status).toBe("Completed");
    expect((await extensions("sandbox-24")).some((x) => x.id === PTE_ID && x.isInstalled)).toBe(true);
  });
});

describe("deployment fault switches", () => {
  it("deploymentReportsFailedButInstalls: status Failed while the app is installed", async () => {
    const faulty = await startEmulatorHarness({ behaviour: { deploymentReportsFailedButInstalls: true } });
    const saved = t;
    t = faulty;
    try {
      await upload(pte());
      expect((await deployment("Contoso Tools", "1.0.0.0")).status).toBe("Failed");
      expect((await extensions()).find((x) => x.id === PTE_ID)?.isInstalled).toBe(true);
    } finally {
      t = saved;
      await faulty.stop();
    }
  });

  it("deploymentStatusEmptyList: the status list is empty although the app deploys", async () => {
    const faulty = await startEmulatorHarness({ behaviour: { deploymentStatusEmptyList: true } });
    const saved = t;
    t = faulty;
    try {
      await upload(pte());
      const c = await base();
      expect((await t.call("GET", `${c}/extensionDeploymentStatus`)).json.value).toEqual([]);
      await waitFor(async () => ((await extensions()).find((x) => x.id === PTE_ID)?.isInstalled ? true : undefined));
    } finally {
      t = saved;
      await faulty.stop();
    }
  });
});
