/**
 * Users, permission assignments, permission sets, security groups, profiles, scheduled jobs, permission inspection
 * and feature management (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis), black-box over HTTPS.
 * `production` is BC 29.1, `sandbox-24` is BC 24.5 (default seed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulatorHarness, type TestEmulator, waitFor } from "../helpers/emulator";

const BASE_APP = "437dbf0e-84ff-417a-965d-ed2bb9650972";
const CONTOSO_APP = "7c1f5a2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b";
const FINANCE = "0b6d4c2a-91e3-4f57-8a1d-3c5e7f9a1b2d";
const SALES = "5e8f1a3c-2b4d-4c6e-9f0a-7b8c9d0e1f2a";
const SB = "sandbox-24";

let t: TestEmulator;
let cid: string;
let sbCid: string;
// biome-ignore lint/suspicious/noExplicitAny: wire JSON
let users: Record<string, any>;

beforeAll(async () => {
  t = await startEmulatorHarness();
  cid = await t.companyId();
  sbCid = await t.companyId(SB);
  const res = await t.call("GET", `companies(${cid})/users`);
  users = Object.fromEntries(res.json.value.map((u: { userName: string }) => [u.userName, u]));
});
afterAll(() => t.stop());

const c = (path: string) => `companies(${cid})/${path}`;
const sb = (path: string) => `companies(${sbCid})/${path}`;
const sid = (name: string) => users[name].userSecurityId as string;

describe("users", () => {
  it("lists users with their fields; application users are listed, External User licenses are hidden", async () => {
    t.emu.mutate((state) => {
      state.tenants[0].environments[0].users.push({
        rev: 1,
        userSecurityId: "9a9a9a9a-1111-4222-8333-444444444444",
        userName: "GUEST",
        displayName: "Guest Accountant",
        state: "Enabled",
        expiryDate: "0001-01-01T00:00:00Z",
        contactEmail: "",
        licenseType: "External User",
        authenticationEmail: "",
      });
    });
    const res = await t.call("GET", c("users"));
    expect(res.status).toBe(200);
    const names = res.json.value.map((u: { userName: string }) => u.userName);
    expect(names).toEqual(expect.arrayContaining(["ADMIN", "JOE", "MEGAN", "ALEX", "ISAIAH", "PULUMI AUTOMATION"]));
    expect(names).not.toContain("GUEST");
    const joe = res.json.value.find((u: { userName: string }) => u.userName === "JOE");
    expect(Object.keys(joe).sort()).toEqual(
      ["@odata.etag", "contactEmail", "displayName", "expiryDate", "state", "userName", "userSecurityId"].sort(),
    );
    expect(joe).toMatchObject({ displayName: "Joe Jones", state: "Enabled", expiryDate: "0001-01-01T00:00:00Z" });
  });

  it("has contactEmail only from 25.0 (absent and not writable on 24.5)", async () => {
    const list = await t.call("GET", sb("users"), { environment: SB });
    expect(list.status).toBe(200);
    expect(list.json.value[0]).not.toHaveProperty("contactEmail");
    // User ids are per environment.
    const alex = list.json.value.find((u: { userName: string }) => u.userName === "ALEX");
    const patch = await t.call("PATCH", sb(`users(${alex.userSecurityId})`), {
      environment: SB,
      body: { contactEmail: "x@y.z" },
      headers: { "if-match": "*" },
    });
    expect(patch.status).toBe(400);
    expect(patch.json.error.code).toBe("BadRequest");
  });

  it("gets one user by key and 404s an unknown key", async () => {
    const one = await t.call("GET", c(`users(${sid("MEGAN")})`));
    expect(one.status).toBe(200);
    expect(one.json.userName).toBe("MEGAN");
    expect(one.json["@odata.context"]).toMatch(/\$metadata#companies\([^)]+\)\/users\/\$entity$/);
    const missing = await t.call("GET", c("users(00000000-0000-0000-0000-0000000000ab)"));
    expect(missing.status).toBe(404);
  });

  it("PATCHes state, expiryDate and contactEmail with If-Match rules", async () => {
    const path = c(`users(${sid("ALEX")})`);
    const noMatch = await t.call("PATCH", path, { body: { state: "Disabled" } });
    expect(noMatch.status).toBe(400);
    expect(noMatch.json.error.code).toBe("BadRequest_InvalidToken");

    const before = await t.call("GET", path);
    const ok = await t.call("PATCH", path, {
      body: { state: "Disabled", expiryDate: "2035-01-01T21:03:53.444Z", contactEmail: "alex@new.example" },
      headers: { "if-match": before.json["@odata.etag"] },
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({
      state: "Disabled",
      expiryDate: "2035-01-01T21:03:53.444Z",
      contactEmail: "alex@new.example",
    });
    expect(ok.json["@odata.etag"]).not.toBe(before.json["@odata.etag"]);

    const stale = await t.call("PATCH", path, {
      body: { state: "Enabled" },
      headers: { "if-match": before.json["@odata.etag"] },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe("Request_EntityChanged");

    const badEnum = await t.call("PATCH", path, { body: { state: "Sleeping" }, headers: { "if-match": "*" } });
    expect(badEnum.status).toBe(400);
    const readOnly = await t.call("PATCH", path, { body: { userName: "ALEXANDER" }, headers: { "if-match": "*" } });
    expect(readOnly.status).toBe(400);
    expect(readOnly.json.error).toMatchObject({ code: "BadRequest_InvalidOperation" });
    expect(readOnly.json.error.message).toContain("Control 'userName' is read-only.");
  });

  it("refuses POST and DELETE with 405", async () => {
    const post = await t.call("POST", c("users"), { body: { userName: "NEW" } });
    expect(post.status).toBe(405);
    expect(post.json.error.code).toBe("BadRequest_MethodNotAllowed");
    const del = await t.call("DELETE", c(`users(${sid("JOE")})`), { headers: { "if-match": "*" } });
    expect(del.status).toBe(405);
  });

  it("has no userGroupMembers navigation from 25.0 on", async () => {
    const res = await t.call("GET", c(`users(${sid("JOE")})/userGroupMembers`));
    expect(res.status).toBe(404);
  });
});

describe("getNewUsersFromOffice365 and scheduledJobs", () => {
  it("the synchronous action is not supported for an app (S2S)", async () => {
    const res = await t.call("POST", c(`users(${sid("ADMIN")})/Microsoft.NAV.getNewUsersFromOffice365`));
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("Application_DialogException");
    expect(res.json.error.message).toContain("service-to-service");
  });

  it("the async action queues an APIUSERJOB (201) that ends in Error for an app; a second call is refused", async () => {
    const res = await t.call("POST", c(`users(${sid("ADMIN")})/Microsoft.NAV.getNewUsersFromOffice365Async`));
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      category: "APIUSERJOB",
      status: "Ready",
      description: "Create new users from Azure AD API job",
      errorMessage: "",
    });
    const jobId = res.json.id as string;

    const again = await t.call("POST", c(`users(${sid("ADMIN")})/Microsoft.NAV.getNewUsersFromOffice365Async`));
    expect(again.status).toBe(400);
    expect(again.json.error.message).toContain("You cannot get new users while a task is already in progress.");

    const viaUser = await t.call("GET", c(`users(${sid("JOE")})/scheduledJobs`));
    expect(viaUser.status).toBe(200);
    expect(viaUser.json.value.map((j: { id: string }) => j.id)).toContain(jobId);

    const done = await waitFor(async () => {
      const job = await t.call("GET", c(`scheduledJobs(${jobId})`));
      return job.json.status === "Error" ? job.json : undefined;
    });
    expect(done.errorMessage).toContain("service-to-service");
  });

  it("scheduledJobs needs an id or a category filter", async () => {
    const bare = await t.call("GET", c("scheduledJobs"));
    expect(bare.status).toBe(400);
    expect(bare.json.error.message).toContain("You must specify a job Id or a job category to get a scheduled job.");
    const byCategory = await t.call("GET", c("scheduledJobs?$filter=category eq 'APIUSERJOB'"));
    expect(byCategory.status).toBe(200);
    expect(byCategory.json.value.length).toBe(1);
    const none = await t.call("GET", c("scheduledJobs?$filter=category eq 'OTHER'"));
    expect(none.json.value).toEqual([]);
    expect((await t.call("POST", c("scheduledJobs"), { body: {} })).status).toBe(405);
  });

  it("with getNewUsersWithS2S=supported both actions succeed (200 empty; job Finished)", async () => {
    const t2 = await startEmulatorHarness({ behaviour: { getNewUsersWithS2S: "supported" } });
    try {
      const cid2 = await t2.companyId();
      const list = await t2.call("GET", `companies(${cid2})/users`);
      const admin = list.json.value.find((u: { userName: string }) => u.userName === "ADMIN").userSecurityId;
      const sync = await t2.call("POST", `companies(${cid2})/users(${admin})/Microsoft.NAV.getNewUsersFromOffice365`);
      expect(sync.status).toBe(200);
      expect(sync.text).toBe("");
      const job = await t2.call(
        "POST",
        `companies(${cid2})/users(${admin})/Microsoft.NAV.getNewUsersFromOffice365Async`,
      );
      expect(job.status).toBe(201);
      await waitFor(async () => {
        const r = await t2.call("GET", `companies(${cid2})/scheduledJobs(${job.json.id})`);
        return r.json.status === "Finished" ? true : undefined;
      });
    } finally {
      await t2.stop();
    }
  });
});

describe("userPermissions", () => {
  const perms = (user: string) => c(`users(${sid(user)})/userPermissions`);

  it("lists a user's assignments with role name and extension name", async () => {
    const res = await t.call("GET", perms("JOE"));
    expect(res.status).toBe(200);
    expect(res.json.value).toHaveLength(1);
    expect(res.json.value[0]).toMatchObject({
      userSecurityId: sid("JOE"),
      roleId: "D365 BASIC",
      displayName: "Dynamics 365 Basic access",
      company: "",
      appId: BASE_APP,
      extensionName: "Base Application",
      scope: "System",
    });
  });

  it("creates an assignment (201), upper-casing the role id and resolving scope and app", async () => {
    const res = await t.call("POST", perms("MEGAN"), { body: { roleId: "d365 read" } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      userSecurityId: sid("MEGAN"),
      roleId: "D365 READ",
      displayName: "Dynamics 365 Read access",
      company: "",
      appId: BASE_APP,
      extensionName: "Base Application",
      scope: "System",
    });
    const again = await t.call("GET", perms("MEGAN"));
    expect(again.json.value.map((p: { roleId: string }) => p.roleId)).toContain("D365 READ");
  });

  it("limits an assignment to an existing company by name; other names are a table-relation error", async () => {
    const ok = await t.call("POST", perms("MEGAN"), { body: { roleId: "D365 READ", company: "CRONUS USA, Inc." } });
    expect(ok.status).toBe(201);
    expect(ok.json.company).toBe("CRONUS USA, Inc.");
    const bad = await t.call("POST", perms("MEGAN"), { body: { roleId: "D365 READ", company: "Nope Inc." } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("Internal_InvalidTableRelation");
    expect(bad.json.error.message).toContain("(Nope Inc.)");
    const tooLong = await t.call("POST", perms("MEGAN"), { body: { roleId: "D365 READ", company: "x".repeat(31) } });
    expect(tooLong.json.error.code).toBe("Application_StringExceededLength");
  });

  it("refuses a duplicate assignment", async () => {
    const res = await t.call("POST", perms("JOE"), { body: { roleId: "D365 BASIC" } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("Internal_EntityWithSameKeyExists");
    expect(res.json.error.message).toMatch(
      /Identification fields and values: User Security ID='\{[0-9A-F-]{36}\}',Role ID='D365 BASIC',Company Name='',Scope='System',App ID='\{[0-9A-F-]{36}\}'\./,
    );
  });

  it("reports an ambiguous role id and resolves it by scope or app id", async () => {
    const ambiguous = await t.call("POST", perms("ALEX"), { body: { roleId: "SALES REP" } });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json.error.code).toBe("Application_DialogException");
    expect(ambiguous.json.error.message).toMatch(
      /^The permission set SALES REP is defined multiple times in this context\. {2}CorrelationId: {2}[0-9a-f-]{36}\.$/,
    );
    const byScope = await t.call("POST", perms("ALEX"), { body: { roleId: "SALES REP", scope: "Tenant" } });
    expect(byScope.status).toBe(201);
    expect(byScope.json).toMatchObject({ appId: CONTOSO_APP, scope: "Tenant", extensionName: "Contoso Sales Pack" });
    const byApp = await t.call("POST", perms("ALEX"), { body: { roleId: "SALES REP", appId: BASE_APP } });
    expect(byApp.status).toBe(201);
    expect(byApp.json).toMatchObject({ appId: BASE_APP, scope: "System", displayName: "Sales representative" });
  });

  it("rejects an unknown role, a too-long role id, unknown and read-only properties", async () => {
    const unknown = await t.call("POST", perms("ALEX"), { body: { roleId: "NO SUCH SET" } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe("Internal_DataNotFoundFilter");
    expect(unknown.json.error.message).toContain("There is no Aggregate Permission Set within the filter.");
    const long = await t.call("POST", perms("ALEX"), { body: { roleId: "A".repeat(21) } });
    expect(long.status).toBe(400);
    expect(long.json.error.code).toBe("Application_StringExceededLength");
    const prop = await t.call("POST", perms("ALEX"), { body: { roleId: "D365 READ", appID: BASE_APP } });
    expect(prop.status).toBe(400);
    expect(prop.json.error.code).toBe("BadRequest");
    const ro = await t.call("POST", perms("ALEX"), { body: { roleId: "D365 READ", userSecurityId: sid("ALEX") } });
    expect(ro.json.error.code).toBe("BadRequest_InvalidOperation");
  });

  it("PATCHes an assignment (200) and DELETEs it (204)", async () => {
    const created = await t.call("POST", perms("ISAIAH"), { body: { roleId: "D365 READ" } });
    const path = `${perms("ISAIAH")}(${created.json.id})`;
    const patched = await t.call("PATCH", path, {
      body: { roleId: "d365 bus full access", company: "My Company" },
      headers: { "if-match": created.json["@odata.etag"] },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      id: created.json.id,
      roleId: "D365 BUS FULL ACCESS",
      displayName: "Dynamics 365 Full business access",
      company: "My Company",
    });
    const noMatch = await t.call("DELETE", path);
    expect(noMatch.status).toBe(400);
    expect(noMatch.json.error.code).toBe("BadRequest_InvalidToken");
    const del = await t.call("DELETE", path, { headers: { "if-match": patched.json["@odata.etag"] } });
    expect(del.status).toBe(204);
    expect((await t.call("GET", path)).status).toBe(404);
  });

  it("PATCH into an existing assignment is a duplicate key", async () => {
    const a = await t.call("POST", perms("ISAIAH"), { body: { roleId: "LOGIN" } });
    const b = await t.call("POST", perms("ISAIAH"), { body: { roleId: "SECURITY" } });
    const clash = await t.call("PATCH", `${perms("ISAIAH")}(${b.json.id})`, {
      body: { roleId: "LOGIN" },
      headers: { "if-match": "*" },
    });
    expect(clash.status).toBe(400);
    expect(clash.json.error.code).toBe("Internal_EntityWithSameKeyExists");
    expect(a.status).toBe(201);
  });

  it("top level: listing needs a userSecurityId filter; POST cannot name a user", async () => {
    const bare = await t.call("GET", c("userPermissions"));
    expect(bare.status).toBe(400);
    expect(bare.json.error.message).toContain("You must specify a User Security ID to access user permissions.");
    const filtered = await t.call("GET", c(`userPermissions?$filter=userSecurityId eq ${sid("JOE")}`));
    expect(filtered.status).toBe(200);
    expect(filtered.json.value.map((p: { roleId: string }) => p.roleId)).toEqual(["D365 BASIC"]);
    const post = await t.call("POST", c("userPermissions"), { body: { roleId: "D365 READ" } });
    expect(post.status).toBe(400);
    expect(post.json.error.message).toContain("You must specify a User Security ID");
    const postWithUser = await t.call("POST", c("userPermissions"), {
      body: { roleId: "D365 READ", userSecurityId: sid("JOE") },
    });
    expect(postWithUser.json.error.code).toBe("BadRequest_InvalidOperation");
  });

  it("assigns permission sets to a security group through securityGroups(…)/userPermissions", async () => {
    const group = await t.call("GET", c(`securityGroups('${FINANCE}')`));
    const path = c(`securityGroups('${FINANCE}')/userPermissions`);
    const created = await t.call("POST", path, { body: { roleId: "D365 ACCOUNTANTS" } });
    expect(created.status).toBe(201);
    expect(created.json.userSecurityId).toBe(group.json.groupUserSecurityId);
    const list = await t.call("GET", path);
    expect(list.json.value.map((p: { roleId: string }) => p.roleId)).toEqual(["D365 ACCOUNTANTS"]);
    const patched = await t.call("PATCH", `${path}(${created.json.id})`, {
      body: { company: "CRONUS USA, Inc." },
      headers: { "if-match": "*" },
    });
    expect(patched.status).toBe(200);
    expect(patched.json.company).toBe("CRONUS USA, Inc.");
  });
});

describe("permissionSets", () => {
  it("lists and filters permission sets", async () => {
    const all = await t.call("GET", c("permissionSets"));
    expect(all.status).toBe(200);
    expect(all.json.value.length).toBeGreaterThan(10);
    const one = await t.call("GET", c("permissionSets?$filter=id eq 'D365 BASIC'"));
    expect(one.json.value).toHaveLength(1);
    expect(one.json.value[0]).toMatchObject({
      id: "D365 BASIC",
      displayName: "Dynamics 365 Basic access",
      appId: BASE_APP,
      extensionName: "Base Application",
      scope: "System",
    });
    const salesRep = await t.call("GET", c("permissionSets?$filter=id eq 'SALES REP'"));
    expect(salesRep.json.value).toHaveLength(2);
  });

  it("addresses one set by its composite key (scope, appId, id)", async () => {
    const one = await t.call("GET", c(`permissionSets(scope='Tenant',appId=${CONTOSO_APP},id='SALES REP')`));
    expect(one.status).toBe(200);
    expect(one.json.extensionName).toBe("Contoso Sales Pack");
    const missing = await t.call("GET", c(`permissionSets(scope='Tenant',appId=${BASE_APP},id='SALES REP')`));
    expect(missing.status).toBe(404);
    const positional = await t.call("GET", c("permissionSets('SALES REP')"));
    expect(positional.status).toBe(404);
    expect(positional.json.error.message).toContain("Bad Request - Error in query syntax.");
  });

  it("is read-only", async () => {
    expect((await t.call("POST", c("permissionSets"), { body: { id: "X" } })).status).toBe(405);
  });
});

describe("securityGroups and securityGroupMembers", () => {
  it("lists groups; 29.0 adds groupUserSecurityId, groupId and retrievedSuccessfully", async () => {
    const res = await t.call("GET", c("securityGroups"));
    expect(res.status).toBe(200);
    const finance = res.json.value.find((g: { code: string }) => g.code === "FINANCE");
    expect(finance).toMatchObject({
      id: FINANCE,
      groupName: "Finance team",
      groupId: FINANCE,
      retrievedSuccessfully: true,
    });
    expect(finance.groupUserSecurityId).toMatch(/^[0-9a-f-]{36}$/);
    const old = await t.call("GET", sb("securityGroups"), { environment: SB });
    expect(Object.keys(old.json.value[0]).sort()).toEqual(["@odata.etag", "code", "groupName", "id"]);
  });

  it("gets a group by its string key and refuses POST/PATCH", async () => {
    const one = await t.call("GET", c(`securityGroups('${SALES}')`));
    expect(one.status).toBe(200);
    expect(one.json.code).toBe("SALES");
    expect((await t.call("POST", c("securityGroups"), { body: { code: "X" } })).status).toBe(405);
    const patch = await t.call("PATCH", c(`securityGroups('${SALES}')`), {
      body: { groupName: "x" },
      headers: { "if-match": "*" },
    });
    expect(patch.status).toBe(405);
  });

  it("lists members under a group, under a user and at the top level", async () => {
    const byGroup = await t.call("GET", c(`securityGroups('${FINANCE}')/securityGroupMembers`));
    expect(byGroup.json.value.map((m: { userName: string }) => m.userName).sort()).toEqual(["ALEX", "MEGAN"]);
    expect(byGroup.json.value[0]).toMatchObject({ securityGroupCode: "FINANCE", securityGroupName: "Finance team" });
    const byUser = await t.call("GET", c(`users(${sid("JOE")})/securityGroupMembers`));
    expect(byUser.json.value.map((m: { securityGroupCode: string }) => m.securityGroupCode)).toEqual(["SALES"]);
    const one = await t.call(
      "GET",
      c(`securityGroupMembers(securityGroupCode='FINANCE',userSecurityId=${sid("MEGAN")})`),
    );
    expect(one.status).toBe(200);
    expect(one.json.userFullName).toBe("Megan Bowen");
    const old = await t.call("GET", sb("securityGroupMembers"), { environment: SB });
    expect(old.status).toBe(200);
    expect(old.json.value[0]).not.toHaveProperty("userName");
  });

  it("has the accessControls navigation only from 29.0", async () => {
    const res = await t.call("GET", c(`securityGroups('${FINANCE}')/accessControls`));
    expect(res.status).toBe(200);
    const old = await t.call("GET", sb(`securityGroups('${FINANCE}')/accessControls`), { environment: SB });
    expect(old.status).toBe(404);
  });

  it("DELETE removes the group with its permission sets (If-Match required)", async () => {
    const path = sb(`securityGroups('${SALES}')`);
    const group = await t.call("GET", path, { environment: SB });
    await t.call("POST", `${path}/userPermissions`, { environment: SB, body: { roleId: "D365 READ" } });
    const noMatch = await t.call("DELETE", path, { environment: SB });
    expect(noMatch.status).toBe(400);
    const del = await t.call("DELETE", path, { environment: SB, headers: { "if-match": "*" } });
    expect(del.status).toBe(204);
    expect((await t.call("GET", path, { environment: SB })).status).toBe(404);
    const left = t.emu
      .state()
      .tenants[0].environments.find((e) => e.name === SB)!
      .accessControls.filter((ac) => ac.userSecurityId === group.json.groupUserSecurityId);
    expect(left).toEqual([]);
  });
});

describe("profiles", () => {
  it("lists profiles and gets one by composite key; read-only", async () => {
    const all = await t.call("GET", c("profiles"));
    expect(all.status).toBe(200);
    const accountant = all.json.value.find((p: { profileId: string }) => p.profileId === "ACCOUNTANT");
    expect(accountant).toMatchObject({
      scope: "System",
      source: "Base Application",
      displayName: "Accountant",
      enabled: true,
    });
    const one = await t.call(
      "GET",
      c(`profiles(scope='System',applicationId=${accountant.applicationId},profileId='ACCOUNTANT')`),
    );
    expect(one.status).toBe(200);
    expect((await t.call("POST", c("profiles"), { body: {} })).status).toBe(405);
  });
});

describe("permission inspection (29.0)", () => {
  it("accessControls lists every assignment with user details", async () => {
    const res = await t.call("GET", c("accessControls?$filter=roleId eq 'D365 AUTOMATION'"));
    expect(res.status).toBe(200);
    expect(res.json.value).toHaveLength(1);
    expect(res.json.value[0]).toMatchObject({
      userName: "PULUMI AUTOMATION",
      userLicenseType: "Application",
      roleName: "Dyn. 365 Automation",
      appName: "Base Application",
      company: "",
    });
  });

  it("usersPermissions lists people only, with their permission sets including those from security groups", async () => {
    const res = await t.call("GET", c("usersPermissions"));
    expect(res.status).toBe(200);
    const names = res.json.value.map((u: { userName: string }) => u.userName);
    expect(names).toContain("MEGAN");
    expect(names).not.toContain("PULUMI AUTOMATION");
    const megan = res.json.value.find((u: { userName: string }) => u.userName === "MEGAN");
    expect(megan.id).not.toBe(megan.userSecurityId);
    const sets = await t.call("GET", c(`usersPermissions(${megan.id})/userPermissionSets`));
    expect(sets.status).toBe(200);
    // FINANCE got D365 ACCOUNTANTS in the userPermissions tests; MEGAN got D365 READ directly.
    expect(sets.json.value).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "SecurityGroup", roleId: "D365 ACCOUNTANTS", securityGroupCode: "FINANCE" }),
        expect.objectContaining({ type: "User", roleId: "D365 READ", securityGroupCode: "" }),
      ]),
    );
    const top = await t.call("GET", c("userPermissionSets?$filter=type eq 'SecurityGroup'"));
    expect(top.status).toBe(200);
    expect(top.json.value.every((r: { type: string }) => r.type === "SecurityGroup")).toBe(true);
  });

  it("aggregatePermissionSets with their accessControls, and a synthetic expandedPermissionSets", async () => {
    const sets = await t.call("GET", c("aggregatePermissionSets?$filter=roleId eq 'D365 BASIC'"));
    expect(sets.status).toBe(200);
    expect(sets.json.value).toHaveLength(1);
    expect(sets.json.value[0]).toMatchObject({ name: "Dynamics 365 Basic access", appName: "Base Application" });
    const acs = await t.call("GET", c(`aggregatePermissionSets(${sets.json.value[0].id})/accessControls`));
    expect(acs.json.value.map((a: { userName: string }) => a.userName)).toContain("JOE");
    const expanded = await t.call("GET", c("expandedPermissionSets?$filter=roleId eq 'SUPER'"));
    expect(expanded.status).toBe(200);
    expect(expanded.json.value.length).toBeGreaterThan(0);
    expect(expanded.json.value[0]).toHaveProperty("readPermission");
  });

  it("is read-only and absent before 29.0", async () => {
    expect((await t.call("POST", c("accessControls"), { body: {} })).status).toBe(405);
    for (const set of [
      "accessControls",
      "usersPermissions",
      "userPermissionSets",
      "aggregatePermissionSets",
      "expandedPermissionSets",
    ]) {
      const res = await t.call("GET", sb(set), { environment: SB });
      expect(res.status, set).toBe(404);
      expect(res.json.error.code).toBe("BadRequest_NotFound");
    }
  });
});

describe("features (27.0)", () => {
  it("lists features and activates/deactivates them with BC's errors", async () => {
    const list = await t.call("GET", c("features"));
    expect(list.status).toBe(200);
    expect(list.json.value.length).toBeGreaterThan(0);
    const act = await t.call("POST", c("features('EU3PartyTradePurchase')/Microsoft.NAV.activate"), {
      body: { updateInBackground: false },
    });
    expect(act.status).toBe(200);
    const again = await t.call("POST", c("features('EU3PartyTradePurchase')/Microsoft.NAV.activate"));
    expect(again.status).toBe(400);
    expect(again.json.error.message).toContain("This feature has already been enabled");
    const one = await t.call("GET", c("features('EU3PartyTradePurchase')"));
    expect(one.json.enabled).toBe("All_x0020_Users"); // encoded member name
    expect((await t.call("POST", c("features('EU3PartyTradePurchase')/Microsoft.NAV.deactivate"))).status).toBe(200);
    await t.call("POST", c("features('SalesPrices')/Microsoft.NAV.activate"));
    const oneWay = await t.call("POST", c("features('SalesPrices')/Microsoft.NAV.deactivate"));
    expect(oneWay.json.error.message).toContain("This feature has already been enabled and cannot be disabled.");
    expect((await t.call("GET", sb("features"), { environment: SB })).status).toBe(404);
  });
});

describe("the app's own access control", () => {
  it("disabling the app's own user locks the app out (401), like disabling it on its Entra application card", async () => {
    const t4 = await startEmulatorHarness();
    try {
      const cid4 = await t4.companyId();
      const list = await t4.call("GET", `companies(${cid4})/users`);
      const appUser = list.json.value.find((u: { userName: string }) => u.userName === "PULUMI AUTOMATION");
      expect(appUser.state).toBe("Enabled");
      const patch = await t4.call("PATCH", `companies(${cid4})/users(${appUser.userSecurityId})`, {
        body: { state: "Disabled" },
        headers: { "if-match": "*" },
      });
      expect(patch.status).toBe(200);
      const next = await t4.call("GET", `companies(${cid4})/users`);
      expect(next.status).toBe(401);
      expect(next.json.error.code).toBe("Authentication_InvalidCredentials");
    } finally {
      await t4.stop();
    }
  });

  it("deleting the app's D365 AUTOMATION assignment locks the app out (403)", async () => {
    const t3 = await startEmulatorHarness();
    try {
      const cid3 = await t3.companyId();
      const list = await t3.call("GET", `companies(${cid3})/users`);
      const appUser = list.json.value.find((u: { userName: string }) => u.userName === "PULUMI AUTOMATION");
      const perms = await t3.call("GET", `companies(${cid3})/users(${appUser.userSecurityId})/userPermissions`);
      const automation = perms.json.value.find((p: { roleId: string }) => p.roleId === "D365 AUTOMATION");
      const del = await t3.call(
        "DELETE",
        `companies(${cid3})/users(${appUser.userSecurityId})/userPermissions(${automation.id})`,
        { headers: { "if-match": "*" } },
      );
      expect(del.status).toBe(204);
      const next = await t3.call("GET", `companies(${cid3})/users`);
      expect(next.status).toBe(403);
      expect(next.json.error.code).toBe("Authorization_InsufficientPermissions");
    } finally {
      await t3.stop();
    }
  });
});
