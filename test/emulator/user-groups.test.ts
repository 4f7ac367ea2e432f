/**
 * Legacy user groups (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis): present on `sandbox-24` (BC 24.5), gone (404) on `production` (BC 29.1).
 * Black-box over HTTPS.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulatorHarness, type TestEmulator } from "../helpers/emulator";

const SB = "sandbox-24";
const BASE_APP = "437dbf0e-84ff-417a-965d-ed2bb9650972";

let t: TestEmulator;
let sbCid: string;
let cid: string;
let joe: string;
let megan: string;

beforeAll(async () => {
  t = await startEmulatorHarness();
  sbCid = await t.companyId(SB);
  cid = await t.companyId();
  const users = await t.call("GET", `companies(${sbCid})/users`, { environment: SB });
  const byName = (n: string) => users.json.value.find((u: { userName: string }) => u.userName === n).userSecurityId;
  joe = byName("JOE");
  megan = byName("MEGAN");
});
afterAll(() => t.stop());

// biome-ignore lint/suspicious/noExplicitAny: wire JSON
const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any> =>
  t.call(method, `companies(${sbCid})/${path}`, { environment: SB, body, headers });

async function groupId(code: string): Promise<string> {
  const res = await call("GET", `userGroups?$filter=code eq '${code}'`);
  return res.json.value[0].id;
}

describe("userGroups (page 30003)", () => {
  it("lists the seeded groups with their fields", async () => {
    const res = await call("GET", "userGroups");
    expect(res.status).toBe(200);
    const accountants = res.json.value.find((g: { code: string }) => g.code === "D365 ACCOUNTANTS");
    expect(Object.keys(accountants).sort()).toEqual(
      ["@odata.etag", "assignToAllNewUsers", "code", "defaultProfileID", "displayName", "id"].sort(),
    );
    expect(accountants).toMatchObject({ displayName: "Dynamics 365 for Accountants", defaultProfileID: "ACCOUNTANT" });
  });

  it("creates a group (201) with an upper-cased code; refuses duplicates, long, blank codes and unknown profiles", async () => {
    const created = await call("POST", "userGroups", { code: "pulumi team", displayName: "Pulumi team" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ code: "PULUMI TEAM", displayName: "Pulumi team", assignToAllNewUsers: false });
    const dup = await call("POST", "userGroups", { code: "PULUMI TEAM" });
    expect(dup.status).toBe(400);
    expect(dup.json.error.code).toBe("Internal_EntityWithSameKeyExists");
    expect(dup.json.error.message).toContain("Code='PULUMI TEAM'");
    const long = await call("POST", "userGroups", { code: "X".repeat(21) });
    expect(long.json.error.code).toBe("Application_StringExceededLength");
    const blank = await call("POST", "userGroups", { displayName: "No code" });
    expect(blank.json.error.code).toBe("BadRequest_RequiredParamNotProvided");
    const profile = await call("POST", "userGroups", { code: "P2", defaultProfileID: "NO SUCH PROFILE" });
    expect(profile.json.error.code).toBe("Internal_InvalidTableRelation");
  });

  it("PATCHes a group (If-Match) and exposes its default profile", async () => {
    const id = await groupId("PULUMI TEAM");
    const noMatch = await call("PATCH", `userGroups(${id})`, { displayName: "x" });
    expect(noMatch.json.error.code).toBe("BadRequest_InvalidToken");
    const ok = await call(
      "PATCH",
      `userGroups(${id})`,
      { displayName: "Pulumi", defaultProfileID: "accountant" },
      {
        "if-match": "*",
      },
    );
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ displayName: "Pulumi", defaultProfileID: "ACCOUNTANT" });
    const profile = await call("GET", `userGroups(${id})/profile`);
    expect(profile.status).toBe(200);
    expect(profile.json.value.map((p: { profileId: string }) => p.profileId)).toEqual(["ACCOUNTANT"]);
  });

  it("turning off assignToAllNewUsers on the last such group needs a Confirm, which an API call cannot answer", async () => {
    const full = await groupId("D365 BUS FULL ACCESS");
    const refused = await call("PATCH", `userGroups(${full})`, { assignToAllNewUsers: false }, { "if-match": "*" });
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe("Application_CallbackNotAllowed");
    const other = await groupId("PULUMI TEAM");
    expect(
      (await call("PATCH", `userGroups(${other})`, { assignToAllNewUsers: true }, { "if-match": "*" })).status,
    ).toBe(200);
    const ok = await call("PATCH", `userGroups(${full})`, { assignToAllNewUsers: false }, { "if-match": "*" });
    expect(ok.status).toBe(200);
  });
});

describe("userGroupPermissions (page 30075)", () => {
  it("adds permission sets to a group with the userPermissions role resolution", async () => {
    const id = await groupId("PULUMI TEAM");
    const path = `userGroups(${id})/userGroupPermissions`;
    const created = await call("POST", path, { roleId: "d365 basic" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      userGroupCode: "PULUMI TEAM",
      roleId: "D365 BASIC",
      displayName: "Dynamics 365 Basic access",
      appId: BASE_APP,
      extensionName: "Base Application",
      scope: "System",
    });
    const ambiguous = await call("POST", path, { roleId: "SALES REP" });
    expect(ambiguous.json.error.message).toContain(
      "The permission set SALES REP is defined multiple times in this context.",
    );
    expect((await call("POST", path, { roleId: "SALES REP", scope: "Tenant" })).status).toBe(201);
    const dup = await call("POST", path, { roleId: "D365 BASIC" });
    expect(dup.json.error.code).toBe("Internal_EntityWithSameKeyExists");
    const unknown = await call("POST", path, { roleId: "NOPE" });
    expect(unknown.json.error.code).toBe("Internal_DataNotFoundFilter");
    const list = await call("GET", path);
    expect(list.json.value).toHaveLength(2);
  });

  it("refuses a change of userGroupCode but PATCHes the role", async () => {
    const id = await groupId("PULUMI TEAM");
    const path = `userGroups(${id})/userGroupPermissions`;
    const row = (await call("GET", `${path}?$filter=roleId eq 'D365 BASIC'`)).json.value[0];
    const moved = await call("PATCH", `${path}(${row.id})`, { userGroupCode: "D365 SALES" }, { "if-match": "*" });
    expect(moved.status).toBe(400);
    expect(moved.json.error.message).toContain("You cannot change the User Group Code for a user group permission.");
    const same = await call(
      "PATCH",
      `${path}(${row.id})`,
      { userGroupCode: "PULUMI TEAM", roleId: "D365 READ" },
      { "if-match": row["@odata.etag"] },
    );
    expect(same.status).toBe(200);
    expect(same.json).toMatchObject({ roleId: "D365 READ", displayName: "Dynamics 365 Read access" });
    expect((await call("DELETE", `${path}(${row.id})`, undefined, { "if-match": "*" })).status).toBe(204);
  });

  it("top level: needs a userGroupCode filter to list; POST works with a userGroupCode", async () => {
    const bare = await call("GET", "userGroupPermissions");
    expect(bare.status).toBe(400);
    expect(bare.json.error.message).toContain("You must specify a User Group Code to access user group permissions.");
    const filtered = await call("GET", "userGroupPermissions?$filter=userGroupCode eq 'PULUMI TEAM'");
    expect(filtered.status).toBe(200);
    const created = await call("POST", "userGroupPermissions", { userGroupCode: "D365 SALES", roleId: "LOGIN" });
    expect(created.status).toBe(201);
    const noCode = await call("POST", "userGroupPermissions", { roleId: "LOGIN" });
    expect(noCode.json.error.message).toContain("You must specify a User Group Code");
    const badCode = await call("POST", "userGroupPermissions", { userGroupCode: "NOPE", roleId: "LOGIN" });
    expect(badCode.json.error.code).toBe("Internal_InvalidTableRelation");
  });
});

describe("userGroupMembers (page 30058)", () => {
  it("adds a user to a group in a company (201) with the group's name", async () => {
    const res = await call("POST", `users(${joe})/userGroupMembers`, {
      code: "pulumi team",
      companyName: "CRONUS USA, Inc.",
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      userSecurityId: joe,
      code: "PULUMI TEAM",
      displayName: "Pulumi",
      companyName: "CRONUS USA, Inc.",
    });
    const list = await call("GET", `users(${joe})/userGroupMembers`);
    expect(list.json.value).toHaveLength(1);
  });

  it("refuses unknown groups and companies, duplicates and an id in the body", async () => {
    const path = `users(${megan})/userGroupMembers`;
    const group = await call("POST", path, { code: "NOPE", companyName: "CRONUS USA, Inc." });
    expect(group.json.error.code).toBe("Internal_InvalidTableRelation");
    expect(group.json.error.message).toContain("(User Group)");
    const company = await call("POST", path, { code: "D365 SALES", companyName: "Nope" });
    expect(company.json.error.code).toBe("Internal_InvalidTableRelation");
    const dup = await call("POST", `users(${joe})/userGroupMembers`, {
      code: "PULUMI TEAM",
      companyName: "CRONUS USA, Inc.",
    });
    expect(dup.json.error.code).toBe("Internal_EntityWithSameKeyExists");
    const id = await call("POST", path, { id: "d38a92e2-0000-4000-8000-000000000000", code: "D365 SALES" });
    expect(id.json.error.code).toBe("BadRequest_InvalidOperation");
  });

  it("top level: listing without a user is refused", async () => {
    const res = await call("GET", "userGroupMembers");
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("You must specify a User Security ID to access user groups members.");
    const filtered = await call("GET", `userGroupMembers?$filter=userSecurityId eq ${joe}`);
    expect(filtered.json.value).toHaveLength(1);
  });

  it("a group with members cannot be deleted; after removing the member it can", async () => {
    const id = await groupId("PULUMI TEAM");
    const refused = await call("DELETE", `userGroups(${id})`, undefined, { "if-match": "*" });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain("You cannot delete this user group because it has members.");
    const member = (await call("GET", `users(${joe})/userGroupMembers`)).json.value[0];
    expect((await call("DELETE", `users(${joe})/userGroupMembers(${member.id})`)).status).toBe(400);
    expect(
      (await call("DELETE", `users(${joe})/userGroupMembers(${member.id})`, undefined, { "if-match": "*" })).status,
    ).toBe(204);
    expect((await call("DELETE", `userGroups(${id})`, undefined, { "if-match": "*" })).status).toBe(204);
    expect((await call("GET", `userGroups(${id})`)).status).toBe(404);
  });
});

describe("user groups are gone in 25.0+ (production is 29.1)", () => {
  it("answers 404 like an unknown route", async () => {
    const users = await t.call("GET", `companies(${cid})/users`);
    const admin = users.json.value[0].userSecurityId;
    for (const path of ["userGroups", "userGroupPermissions", "userGroupMembers", `users(${admin})/userGroupMembers`]) {
      const res = await t.call("GET", `companies(${cid})/${path}`);
      expect(res.status, path).toBe(404);
      expect(res.json.error.code).toBe("BadRequest_NotFound");
    }
  });
});
