/**
 * The emulator against what real Business Central sends: the captured payloads in test/fixtures/real-wire/ (same
 * requests, same response shape), and where real tenants differ from the documentation, with the switches for it.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EmulatorState, EnvironmentState } from "../../emulator/state/model";
import { buildApp } from "../../formats/navx";
import { startEmulatorHarness, type TestEmulator } from "../helpers/emulator";

// biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary wire JSON
type Wire = any;

const FIXTURES = join(__dirname, "../fixtures/real-wire");
const fixture = (name: string): Wire => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * What must agree between a capture and the emulator: property names and value forms. Ids and ETags are opaque;
 * URLs are compared from the part that names the resource (`$metadata#…`, `extensionUpload(…)/…`), because the
 * origin differs and one capture elides it (`…/`).
 */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shapeOf(v)]),
    );
  }
  if (typeof value !== "string") return value;
  if (/^W\/"[A-Za-z0-9+/=]+"$/.test(value)) return "<etag>";
  return value
    .replace(/^.*(?=\$metadata#)/, "")
    .replace(/^.*\/(?=extensionUpload\()/, "")
    .replace(GUID, "<id>")
    .replace(/\{cid\}/g, "<id>");
}

function env(state: EmulatorState, name: string): EnvironmentState {
  const found = state.tenants[0].environments.find((e) => e.name === name);
  if (!found) throw new Error(`no environment ${name}`);
  return found;
}

const SB = "sandbox-24";

describe("captured payloads (test/fixtures/real-wire)", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startEmulatorHarness();
  });
  afterAll(() => t.stop());
  beforeEach(() => t.emu.reset());

  it("POST extensionUpload answers the captured shape: encoded schedule, two media links, no extensionContent", async () => {
    const c = `companies(${await t.companyId()})`;
    const res = await t.call("POST", `${c}/extensionUpload`, { body: fixture("extensionUpload.post.request.json") });
    expect(res.status).toBe(201);
    expect(shapeOf(res.json)).toEqual(shapeOf(fixture("extensionUpload.post.response.json")));
    expect(res.json).not.toHaveProperty("extensionContent");
  });

  it("GET extensionUpload lists the row in the captured shape", async () => {
    const c = `companies(${await t.companyId()})`;
    await t.call("POST", `${c}/extensionUpload`, { body: fixture("extensionUpload.post.request.json") });
    const res = await t.call("GET", `${c}/extensionUpload`);
    expect(res.status).toBe(200);
    expect(shapeOf(res.json)).toEqual(shapeOf(fixture("extensionUpload.get.response.json")));
  });

  it("the shape comparison notices a plain enum value (the emulator's old answer)", () => {
    const captured = fixture("extensionUpload.post.response.json");
    expect(shapeOf({ ...captured, schedule: "Current version" })).not.toEqual(shapeOf(captured));
  });
});

describe("real tenants' deviations from the docs, with default switches", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startEmulatorHarness();
  });
  afterAll(() => t.stop());
  beforeEach(() => t.emu.reset());

  /** Limits the calling app's assignment of `roleId` in production to one company (Access Control's company column). */
  const limitAppPermissionSet = (roleId: string, company: string) =>
    t.emu.mutate((s) => {
      const e = env(s, "production");
      const appUser = e.entraApplications[0].userSecurityId;
      for (const ac of e.accessControls) {
        if (ac.userSecurityId === appUser && ac.roleId === roleId) ac.company = company;
      }
    });

  const companies = async (environment?: string): Promise<Wire[]> =>
    (await t.call("GET", "companies", { environment })).json.value;

  it("enum input: the caption, the name and the encoded name all work; answers are encoded", async () => {
    const c = `companies(${await t.companyId()})`;
    const created = await t.call("POST", `${c}/extensionUpload`, {
      body: { schedule: "Next_x0020_minor_x0020_version", schemaSyncMode: "Force" },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      schedule: "Next_x0020_minor_x0020_version",
      schemaSyncMode: "Force_x0020_Sync",
    });
  });

  it("option fields of other pages: usersPermissions.licenseType encoded, accessControls.userLicenseType (Text) plain", async () => {
    const c = `companies(${await t.companyId()})`;
    const people = await t.call("GET", `${c}/usersPermissions`);
    expect(people.json.value.map((u: Wire) => u.licenseType)).toContain("Full_x0020_User");
    const acl = await t.call("GET", `${c}/accessControls`);
    expect(acl.json.value.map((a: Wire) => a.userLicenseType)).toContain("Full User");
    for (const literal of ["Full User", "Full_x0020_User"]) {
      const filtered = await t.call(
        "GET",
        `${c}/usersPermissions?$filter=${encodeURIComponent(`licenseType eq '${literal}'`)}`,
      );
      expect(filtered.status).toBe(200);
      expect(filtered.json.value.length).toBe(
        people.json.value.filter((u: Wire) => u.licenseType === "Full_x0020_User").length,
      );
    }
  });

  it("a stale If-Match on Microsoft.NAV.upload answers 409; the current ETag succeeds", async () => {
    const c = `companies(${await t.companyId()})`;
    const created = await t.call("POST", `${c}/extensionUpload`, { body: {} });
    const staleTag = created.json["@odata.etag"];
    const content = await t.call("PATCH", created.json["extensionContent@odata.mediaEditLink"], {
      raw: buildApp({ id: randomUUID(), name: "Wire Tools", publisher: "Contoso", version: "1.0.0.0" }),
      headers: { "if-match": "*", "content-type": "application/octet-stream" },
    });
    expect(content.status).toBe(204);
    const action = `${c}/extensionUpload(${created.json.systemId})/Microsoft.NAV.upload`;
    const stale = await t.call("POST", action, { headers: { "if-match": staleTag } });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe("Request_EntityChanged");
    const current = (await t.call("GET", `${c}/extensionUpload(${created.json.systemId})`)).json["@odata.etag"];
    expect((await t.call("POST", action, { headers: { "if-match": current } })).status).toBe(200);
  });

  it("D365 AUTOMATION limited to one company opens that company only", async () => {
    const [cronus, mine] = await companies();
    limitAppPermissionSet("D365 AUTOMATION", mine.name);
    const refused = await t.call("GET", `companies(${cronus.id})/automationCompanies`);
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe("Authorization_InsufficientPermissions");
    expect((await t.call("GET", `companies(${mine.id})/automationCompanies`)).status).toBe(200);
    expect((await t.call("GET", `automationCompanies?company=${mine.id}`)).status).toBe(200);
  });

  it("EXTEN. MGT. - ADMIN limited to another company: extensions refuse with the AL dialog", async () => {
    const [cronus, mine] = await companies();
    limitAppPermissionSet("EXTEN. MGT. - ADMIN", mine.name);
    const refused = await t.call("GET", `companies(${cronus.id})/extensions`);
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe("Application_DialogException");
    expect((await t.call("GET", `companies(${mine.id})/extensions`)).status).toBe(200);
  });

  it("the Base Application is listed as installed at the environment's version; systemVersion is a.b.c.d by default", async () => {
    const [company] = await companies(SB);
    expect(company.systemVersion).toBe("24.5.23489.0");
    const list = await t.call("GET", `companies(${company.id})/extensions`, { environment: SB });
    const baseApp = list.json.value.find((x: Wire) => x.id === "437dbf0e-84ff-417a-965d-ed2bb9650972");
    expect(baseApp).toMatchObject({ isInstalled: true, versionMajor: 24, versionMinor: 5, versionBuild: 23489 });
  });

  it("the Base Application is listed even when a seed leaves it out", async () => {
    t.emu.mutate((s) => {
      const e = env(s, "production");
      e.publishedApps = e.publishedApps.filter((p) => p.id !== "437dbf0e-84ff-417a-965d-ed2bb9650972");
    });
    const list = await t.call("GET", `companies(${await t.companyId()})/extensions`);
    const baseApp = list.json.value.find((x: Wire) => x.id === "437dbf0e-84ff-417a-965d-ed2bb9650972");
    expect(baseApp).toMatchObject({ isInstalled: true, versionMajor: 29, publishedAs: "Global" });
  });

  it("$filter on extensionDeploymentStatus page variables is refused; table fields filter", async () => {
    const c = `companies(${await t.companyId()})`;
    for (const field of ["name", "publisher", "appVersion", "schedule", "operationType"]) {
      const res = await t.call("GET", `${c}/extensionDeploymentStatus?$filter=${field} eq 'x'`);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("BadRequest");
      expect(res.json.error.message).toContain(`'${field}'`);
    }
    const ok = await t.call("GET", `${c}/extensionDeploymentStatus?$filter=status eq 'Completed'`);
    expect(ok.status).toBe(200);
  });

  it("securityGroups find rows from BC 24 only (22–23: none listed, none found)", async () => {
    const [company] = await companies(SB);
    const groups = `companies(${company.id})/securityGroups`;
    const on24 = await t.call("GET", groups, { environment: SB });
    expect(on24.json.value.length).toBeGreaterThan(0);
    const id = on24.json.value[0].id;
    t.emu.mutate((s) => {
      env(s, SB).applicationVersion = "23.5.20000.0";
    });
    const on23 = await t.call("GET", groups, { environment: SB });
    expect(on23.status).toBe(200);
    expect(on23.json.value).toEqual([]);
    expect(
      (await t.call("DELETE", `${groups}('${id}')`, { environment: SB, headers: { "if-match": "*" } })).status,
    ).toBe(404);
  });
});

describe("real-wire switches", () => {
  let t: TestEmulator;
  const HOUR = 3_600_000;
  beforeAll(async () => {
    t = await startEmulatorHarness({
      behaviour: { serverClockOffsetMs: -HOUR, companySystemVersion: "build", userGroupPermissionsConverted: true },
    });
  });
  afterAll(() => t.stop());
  beforeEach(() => t.emu.reset());

  it("companySystemVersion 'build' serves the short form", async () => {
    const production = (await t.call("GET", "companies")).json.value[0];
    expect(production.systemVersion).toBe("29238");
    const sandbox = (await t.call("GET", "companies", { environment: SB })).json.value[0];
    expect(sandbox.systemVersion).toBe("24489");
  });

  it("serverClockOffsetMs moves extensionDeploymentStatus.startedOn away from the client's clock", async () => {
    const startedOn = new Date().toISOString();
    t.emu.mutate((s) => {
      env(s, "production").deploymentOperations.push({
        operationID: randomUUID(),
        name: "Skewed",
        publisher: "Contoso",
        operationType: "Upload",
        status: "Completed",
        schedule: "Immediate",
        appVersion: "1.0.0.0",
        startedOn,
        packageId: null,
      });
    });
    const res = await t.call("GET", `companies(${await t.companyId()})/extensionDeploymentStatus`);
    const row = res.json.value.find((r: Wire) => r.name === "Skewed");
    expect(Date.parse(row.startedOn)).toBe(Date.parse(startedOn) - HOUR);
  });

  it("userGroupPermissionsConverted hides users({id})/userGroupMembers (404)", async () => {
    const [company] = (await t.call("GET", "companies", { environment: SB })).json.value;
    const users = await t.call("GET", `companies(${company.id})/users`, { environment: SB });
    const user = users.json.value[0].userSecurityId;
    const res = await t.call("GET", `companies(${company.id})/users(${user})/userGroupMembers`, { environment: SB });
    expect(res.status).toBe(404);
    expect((await t.call("GET", `companies(${company.id})/userGroups`, { environment: SB })).status).toBe(200);
  });
});
