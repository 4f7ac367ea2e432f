import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulatorHarness, type TestEmulator } from "../helpers/emulator";

const ROLE = "Automation.ReadWrite.All";
const OTHER_APP = "0f0e0d0c-0b0a-4909-8807-060504030201";
const OTHER_SECRET = "other-app-secret-Zx81";

let t: TestEmulator;
let cid: string;

beforeAll(async () => {
  t = await startEmulatorHarness();
  cid = await t.companyId();
});
afterAll(() => t.stop());

/** Registers a second Entra app with a secret; `inBc` adds it to the environment's Entra applications page. */
function addApp(opts: { roles: string[]; inBc?: "Enabled" | "Disabled"; permissionSets?: string[] }) {
  t.emu.mutate((state) => {
    const tenant = state.tenants[0];
    tenant.apps = tenant.apps.filter((a) => a.clientId !== OTHER_APP);
    tenant.apps.push({
      clientId: OTHER_APP,
      displayName: "Other",
      secrets: [OTHER_SECRET],
      certificates: [],
      federatedCredentials: [],
      grantedRoles: opts.roles,
    });
    const env = tenant.environments[0];
    env.entraApplications = env.entraApplications.filter((a) => a.clientId !== OTHER_APP);
    env.accessControls = env.accessControls.filter(
      (ac) => ac.userSecurityId !== "11111111-2222-4333-8444-555555555555",
    );
    if (opts.inBc) {
      env.entraApplications.push({
        clientId: OTHER_APP,
        description: "Other",
        state: opts.inBc,
        userSecurityId: "11111111-2222-4333-8444-555555555555",
      });
      for (const roleId of opts.permissionSets ?? []) {
        env.accessControls.push({
          rev: 1,
          id: crypto.randomUUID(),
          userSecurityId: "11111111-2222-4333-8444-555555555555",
          roleId,
          company: "",
          scope: "System",
          appId: "437dbf0e-84ff-417a-965d-ed2bb9650972",
        });
      }
    }
  });
}

describe("routing and URL forms", () => {
  it("serves the tenant-qualified and the tenant-less form", async () => {
    const withTenant = await t.call("GET", "companies");
    expect(withTenant.status).toBe(200);
    const tenantless = await t.call(
      "GET",
      `${t.emu.baseUrl}/v2.0/${t.emu.environment}/api/microsoft/automation/v2.0/companies`,
    );
    expect(tenantless.status).toBe(200);
    expect(tenantless.json.value.map((c: { id: string }) => c.id)).toEqual(
      withTenant.json.value.map((c: { id: string }) => c.id),
    );
  });

  it("accepts a verified domain in place of the tenant id", async () => {
    const res = await t.call(
      "GET",
      `${t.emu.baseUrl}/v2.0/cronus.onmicrosoft.com/${t.emu.environment}/api/microsoft/automation/v2.0/companies`,
    );
    expect(res.status).toBe(200);
  });

  it("answers OData collections with @odata.context, per-entity @odata.etag and OData headers", async () => {
    const res = await t.call("GET", "companies");
    expect(res.json["@odata.context"]).toMatch(/\/api\/microsoft\/automation\/v2\.0\/\$metadata#companies$/);
    expect(res.json.value[0]["@odata.etag"]).toMatch(/^W\/"[A-Za-z0-9+/=]+"$/);
    expect(res.headers["odata-version"]).toBe("4.0");
    expect(String(res.headers["content-type"])).toContain("odata.metadata=minimal");
    expect(Object.keys(res.json.value[0]).sort()).toEqual(
      [
        "@odata.etag",
        "businessProfileId",
        "displayName",
        "id",
        "name",
        "systemCreatedAt",
        "systemCreatedBy",
        "systemModifiedAt",
        "systemModifiedBy",
        "systemVersion",
      ].sort(),
    );
  });

  it("answers an unknown route, entity set and segment with BC's 404 shapes", async () => {
    const unknownApi = await t.call(
      "GET",
      `${t.emu.baseUrl}/v2.0/${t.emu.tenantId}/${t.emu.environment}/api/microsoft/automation/2.0/companies`,
    );
    expect(unknownApi.status).toBe(404);
    expect(unknownApi.json.error.code).toBe("BadRequest_NotFound");
    expect(unknownApi.json.error.message).toMatch(/No HTTP resource was found that matches the request URI/);
    const unknownSet = await t.call("GET", "nosuchthings");
    expect(unknownSet.status).toBe(404);
    expect(unknownSet.json.error.code).toBe("BadRequest_NotFound");
    const unknownNav = await t.call("GET", `companies(${cid})/nosuchthings`);
    expect(unknownNav.status).toBe(404);
    expect(unknownNav.json.error.code).toBe("BadRequest_ResourceNotFound");
  });

  it("ends every error message with BC's CorrelationId suffix", async () => {
    const res = await t.call("GET", "nosuchthings");
    expect(res.json.error.message).toMatch(/\. {2}CorrelationId: {2}[0-9a-f-]{36}\.$/);
  });

  it("refuses a quoted GUID key and an unknown key like BC", async () => {
    const quoted = await t.call("GET", `companies('${cid}')`);
    expect(quoted.status).toBe(404);
    expect(quoted.json.error.code).toBe("BadRequest_NotFound");
    expect(quoted.json.error.message).toMatch(/Error in query syntax/);
    const missing = await t.call("GET", "companies(00000000-0000-4000-8000-000000000000)");
    expect(missing.status).toBe(404);
  });

  it("answers an unknown environment with 404", async () => {
    const res = await t.call("GET", "companies", { environment: "nope" });
    expect(res.status).toBe(404);
  });

  it("supports ?company= instead of companies(<id>)/", async () => {
    const res = await t.call("GET", `automationCompanies?company=${cid}`);
    expect(res.status).toBe(200);
    expect(res.json.value.length).toBeGreaterThanOrEqual(2);
  });
});

describe("authentication and authorization", () => {
  it("refuses a request without a token with 401 Authentication_InvalidCredentials", async () => {
    const res = await t.call("GET", "companies", { token: null });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("Authentication_InvalidCredentials");
    expect(res.json.error.message).toMatch(/^The server has rejected the client credentials\./);
  });

  it("refuses a forged or tampered token", async () => {
    const good = await t.token();
    const [h, p, s] = good.split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ["x"] })).toString("base64url")}.${s}`;
    expect((await t.call("GET", "companies", { token: forged })).status).toBe(401);
    expect((await t.call("GET", "companies", { token: "not-a-jwt" })).status).toBe(401);
  });

  it("refuses a token whose tenant is not the tenant in the URL", async () => {
    t.emu.mutate((state) => {
      if (!state.tenants.some((x) => x.id === "99999999-9999-4999-8999-999999999999")) {
        state.tenants.push({
          id: "99999999-9999-4999-8999-999999999999",
          domains: [],
          apps: [],
          environments: [],
          authorizedAdminApps: [],
        });
      }
    });
    const res = await t.call(
      "GET",
      `${t.emu.baseUrl}/v2.0/99999999-9999-4999-8999-999999999999/${t.emu.environment}/api/microsoft/automation/v2.0/companies`,
    );
    expect(res.status).toBe(401);
  });

  it("refuses an app that is not registered in the environment's Microsoft Entra applications", async () => {
    addApp({ roles: [ROLE] });
    const token = await t.tokenFor(OTHER_APP, OTHER_SECRET);
    const res = await t.call("GET", "companies", { token });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("Authentication_InvalidCredentials");
  });

  it("refuses a registered app whose state is Disabled", async () => {
    addApp({ roles: [ROLE], inBc: "Disabled", permissionSets: ["D365 AUTOMATION"] });
    const token = await t.tokenFor(OTHER_APP, OTHER_SECRET);
    expect((await t.call("GET", "companies", { token })).status).toBe(401);
  });

  it("refuses a token without the Automation.ReadWrite.All role", async () => {
    addApp({ roles: [], inBc: "Enabled", permissionSets: ["D365 AUTOMATION"] });
    const token = await t.tokenFor(OTHER_APP, OTHER_SECRET);
    expect((await t.call("GET", "companies", { token })).status).toBe(401);
  });

  it("gates automation pages on the D365 AUTOMATION permission set with 403 Authorization_*", async () => {
    addApp({ roles: [ROLE], inBc: "Enabled", permissionSets: [] });
    const token = await t.tokenFor(OTHER_APP, OTHER_SECRET);
    const res = await t.call("GET", `companies(${cid})/automationCompanies`, { token });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toMatch(/^Authorization_/);
    expect(res.json.error.message).toContain("D365 AUTOMATION");
    addApp({ roles: [ROLE], inBc: "Enabled", permissionSets: ["D365 AUTOMATION"] });
    expect((await t.call("GET", `companies(${cid})/automationCompanies`, { token })).status).toBe(200);
  });
});

describe("automationCompanies", () => {
  it("creates a company synchronously, deriving name from the first 30 characters of displayName", async () => {
    const displayName = "Contoso Manufacturing and Distribution Europe GmbH";
    const res = await t.call("POST", `companies(${cid})/automationCompanies`, {
      body: { displayName, businessProfileId: "", name: "ignored" },
    });
    expect(res.status).toBe(201);
    expect(res.json.name).toBe(displayName.slice(0, 30));
    expect(res.json.evaluationCompany).toBe(false);
    expect(res.json.displayName).toBe(displayName);
    const listed = await t.call("GET", "companies");
    expect(listed.json.value.some((c: { id: string }) => c.id === res.json.id)).toBe(true);
  });

  it("refuses a blank displayName, a too long one, unknown properties and wrong types", async () => {
    const path = `companies(${cid})/automationCompanies`;
    const blank = await t.call("POST", path, { body: { displayName: "" } });
    expect(blank.status).toBe(400);
    expect(blank.json.error.code).toBe("BadRequest_RequiredParamNotProvided");
    const missing = await t.call("POST", path, { body: {} });
    expect(missing.status).toBe(400);
    const long = await t.call("POST", path, { body: { displayName: "x".repeat(251) } });
    expect(long.status).toBe(400);
    expect(long.json.error.code).toBe("Application_StringExceededLength");
    const unknown = await t.call("POST", path, { body: { displayName: "A", colour: "red" } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe("BadRequest");
    expect(unknown.json.error.message).toContain("'colour'");
    const wrongType = await t.call("POST", path, { body: { displayName: 42 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.message).toContain("Edm.String");
  });

  it("refuses a duplicate company name", async () => {
    const path = `companies(${cid})/automationCompanies`;
    expect((await t.call("POST", path, { body: { displayName: "Twin Co" } })).status).toBe(201);
    const again = await t.call("POST", path, { body: { displayName: "Twin Co" } });
    expect(again.status).toBe(400);
    expect(again.json.error.code).toBe("Internal_EntityWithSameKeyExists");
  });

  it("renames displayName with PATCH + If-Match, keeps name, and changes the ETag", async () => {
    const created = await t.call("POST", `companies(${cid})/automationCompanies`, {
      body: { displayName: "Rename Me" },
    });
    const path = `companies(${cid})/automationCompanies(${created.json.id})`;
    const patched = await t.call("PATCH", path, {
      body: { displayName: "Renamed Ltd" },
      headers: { "if-match": created.json["@odata.etag"] },
    });
    expect(patched.status).toBe(200);
    expect(patched.json.displayName).toBe("Renamed Ltd");
    expect(patched.json.name).toBe("Rename Me");
    expect(patched.json["@odata.etag"]).not.toBe(created.json["@odata.etag"]);
    expect(patched.headers.etag).toBe(patched.json["@odata.etag"]);
  });

  it("enforces If-Match: missing ⇒ 400 BadRequest_InvalidToken, stale ⇒ 409 Request_EntityChanged, * ⇒ accepted", async () => {
    const created = await t.call("POST", `companies(${cid})/automationCompanies`, { body: { displayName: "Etag Co" } });
    const path = `companies(${cid})/automationCompanies(${created.json.id})`;
    const missing = await t.call("PATCH", path, { body: { displayName: "x" } });
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe("BadRequest_InvalidToken");
    const ok = await t.call("PATCH", path, {
      body: { displayName: "y" },
      headers: { "if-match": created.json["@odata.etag"] },
    });
    expect(ok.status).toBe(200);
    const stale = await t.call("PATCH", path, {
      body: { displayName: "z" },
      headers: { "if-match": created.json["@odata.etag"] },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe("Request_EntityChanged");
    expect(stale.json.error.message).toMatch(/^Another user has already changed the record\./);
    const staleDelete = await t.call("DELETE", path, { headers: { "if-match": created.json["@odata.etag"] } });
    expect(staleDelete.status).toBe(409);
    const noMatchDelete = await t.call("DELETE", path);
    expect(noMatchDelete.status).toBe(400);
    const star = await t.call("DELETE", path, { headers: { "if-match": "*" } });
    expect(star.status).toBe(204);
    expect((await t.call("GET", path)).status).toBe(404);
  });

  it("refuses writing the read-only name on PATCH", async () => {
    const created = await t.call("POST", `companies(${cid})/automationCompanies`, {
      body: { displayName: "Readonly Co" },
    });
    const res = await t.call("PATCH", `companies(${cid})/automationCompanies(${created.json.id})`, {
      body: { name: "Other" },
      headers: { "if-match": "*" },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("BadRequest_InvalidOperation");
  });

  it("refuses verbs a page does not allow with 405 BadRequest_MethodNotAllowed", async () => {
    const res = await t.call("POST", "companies", { body: { name: "x" } });
    expect(res.status).toBe(405);
    expect(res.json.error.code).toBe("BadRequest_MethodNotAllowed");
    const del = await t.call("DELETE", `companies(${cid})`, { headers: { "if-match": "*" } });
    expect(del.status).toBe(405);
  });

  it("refuses malformed JSON and a wrong content type without crashing", async () => {
    const path = `companies(${cid})/automationCompanies`;
    const malformed = await t.call("POST", path, {
      raw: Buffer.from("{not json"),
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe("BadRequest");
    const array = await t.call("POST", path, {
      raw: Buffer.from("[1,2]"),
      headers: { "content-type": "application/json" },
    });
    expect(array.status).toBe(400);
    const text = await t.call("POST", path, {
      raw: Buffer.from("displayName=x"),
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
    expect((await t.call("GET", "companies")).status).toBe(200);
  });
});

describe("switches for behaviours the docs leave open", () => {
  it("rejectCompanyNameOnInsert refuses a read-only name on POST", async () => {
    const strict = await startEmulatorHarness({ behaviour: { rejectCompanyNameOnInsert: true } });
    try {
      const scope = await strict.companyId();
      const res = await strict.call("POST", `companies(${scope})/automationCompanies`, {
        body: { displayName: "Strict", name: "Strict" },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("BadRequest_InvalidOperation");
      const ok = await strict.call("POST", `companies(${scope})/automationCompanies`, {
        body: { displayName: "Strict" },
      });
      expect(ok.status).toBe(201);
    } finally {
      await strict.stop();
    }
  });

  it("etagMismatchStatus 412 answers a stale If-Match with 412", async () => {
    const other = await startEmulatorHarness({ behaviour: { etagMismatchStatus: 412 } });
    try {
      const scope = await other.companyId();
      const created = await other.call("POST", `companies(${scope})/automationCompanies`, {
        body: { displayName: "E412" },
      });
      const path = `companies(${scope})/automationCompanies(${created.json.id})`;
      await other.call("PATCH", path, { body: { displayName: "x" }, headers: { "if-match": "*" } });
      const stale = await other.call("PATCH", path, {
        body: { displayName: "y" },
        headers: { "if-match": created.json["@odata.etag"] },
      });
      expect(stale.status).toBe(412);
      expect(stale.json.error.code).toBe("Request_EntityChanged");
    } finally {
      await other.stop();
    }
  });
  it("companyInUseDeletes counts refusals per emulator: two emulators in one process do not share the count", async () => {
    const [a, b] = await Promise.all([
      startEmulatorHarness({ behaviour: { companyInUseDeletes: 1 } }),
      startEmulatorHarness({ behaviour: { companyInUseDeletes: 1 } }),
    ]);
    try {
      // The same seed gives both emulators the same company ids.
      const deleteSecond = async (emu: TestEmulator) => {
        const scope = await emu.companyId();
        const companies = (await emu.call("GET", `companies(${scope})/automationCompanies`)).json.value as {
          id: string;
        }[];
        const second = companies.find((c) => c.id !== scope);
        expect(second).toBeDefined();
        return emu.call("DELETE", `companies(${scope})/automationCompanies(${second?.id})`, {
          headers: { "if-match": "*" },
        });
      };
      const first = await deleteSecond(a);
      expect(first.status).toBe(400);
      expect(first.json.error.message).toMatch(/currently in use/);
      expect((await deleteSecond(b)).status).toBe(400);
      expect((await deleteSecond(a)).status).toBe(204);
      expect((await deleteSecond(b)).status).toBe(204);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe("OData query options and paging", () => {
  it("filters, selects, orders, tops and skips", async () => {
    const path = `companies(${cid})/automationCompanies`;
    for (const name of ["Query Alpha", "Query Beta", "Query Gamma"]) {
      await t.call("POST", path, { body: { displayName: name } });
    }
    const filtered = await t.call(
      "GET",
      `${path}?$filter=startswith(displayName,'Query ')&$orderby=displayName desc&$select=displayName`,
    );
    expect(filtered.status).toBe(200);
    expect(filtered.json.value.map((c: { displayName: string }) => c.displayName)).toEqual([
      "Query Gamma",
      "Query Beta",
      "Query Alpha",
    ]);
    expect(Object.keys(filtered.json.value[0]).sort()).toEqual(["@odata.etag", "displayName", "id"]);
    const page = await t.call(
      "GET",
      `${path}?$filter=startswith(displayName,'Query ')&$orderby=displayName&$skip=1&$top=1`,
    );
    expect(page.json.value.map((c: { displayName: string }) => c.displayName)).toEqual(["Query Beta"]);
    const eq = await t.call("GET", `${path}?$filter=displayName eq 'Query Beta'`);
    expect(eq.json.value).toHaveLength(1);
  });

  it("refuses an OR across distinct fields and an unknown field", async () => {
    const path = `companies(${cid})/automationCompanies`;
    // BC online answers 501 BadRequest_MethodNotImplemented here (observed in several public clients).
    const or = await t.call("GET", `${path}?$filter=displayName eq 'a' or name eq 'b'`);
    expect(or.status).toBe(501);
    expect(or.json.error.code).toBe("BadRequest_MethodNotImplemented");
    expect(or.json.error.message).toContain("'OR' operator is not supported on distinct fields");
    const unknown = await t.call("GET", `${path}?$filter=colour eq 'red'`);
    expect(unknown.status).toBe(400);
  });

  it("pages with Prefer: odata.maxpagesize and @odata.nextLink across three or more pages", async () => {
    const path = `companies(${cid})/automationCompanies`;
    const all = (await t.call("GET", path)).json.value.length;
    expect(all).toBeGreaterThanOrEqual(5);
    const seen: string[] = [];
    let next: string | undefined = `${t.apiRoot()}/${path}`;
    let pages = 0;
    while (next) {
      const res = await t.call("GET", next, { headers: { prefer: "odata.maxpagesize=2" } });
      expect(res.status).toBe(200);
      expect(res.json.value.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.value.map((c: { id: string }) => c.id));
      next = res.json["@odata.nextLink"];
      pages += 1;
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(all);
  });

  it("expands a navigation of companies", async () => {
    const res = await t.call("GET", `companies(${cid})?$expand=automationCompanies`);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.json.automationCompanies)).toBe(true);
  });
});

describe("control plane", () => {
  it("requires the admin token", async () => {
    const res = await t.call("GET", `${t.emu.baseUrl}/_emulator/state`, { token: "wrong" });
    expect(res.status).toBe(401);
  });

  it("reports state, the request log, and resets to the seed", async () => {
    const admin = t.emu.adminToken;
    const info = await t.call("GET", `${t.emu.baseUrl}/_emulator/info`, { token: admin });
    expect(info.json.tenantId).toBe(t.emu.tenantId);
    const log = await t.call("GET", `${t.emu.baseUrl}/_emulator/requests`, { token: admin });
    expect(log.json.value.some((e: { path: string }) => e.path.endsWith("/companies"))).toBe(true);
    expect(JSON.stringify(log.json)).not.toContain(await t.token());
    const before = (await t.call("GET", "companies")).json.value.length;
    await t.call("POST", `companies(${cid})/automationCompanies`, { body: { displayName: "Reset Me" } });
    const reset = await t.call("POST", `${t.emu.baseUrl}/_emulator/reset`, { token: admin });
    expect(reset.status).toBe(204);
    const after = (await t.call("GET", "companies")).json.value;
    expect(after.length).toBeLessThanOrEqual(before);
    expect(after.some((c: { displayName: string }) => c.displayName === "Reset Me")).toBe(false);
  });
});
