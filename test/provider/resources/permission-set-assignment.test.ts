import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../emulator";
import type { EnvironmentState } from "../../../emulator/state/model";
import { permissionSetAssignmentHandler as permissionSetAssignmentHandlerDefinition } from "../../../provider/resources/permission-set-assignment";
import { resetProviderCaches, startTestEmulator, emulatorStackConfig, testRuntime, useRuntime } from "../helpers/emu";

const permissionSetAssignmentHandler = permissionSetAssignmentHandlerDefinition.withRuntime(testRuntime);

let emu: RunningEmulator;
const psa = () => permissionSetAssignmentHandler;
const FINANCE = "0b6d4c2a-91e3-4f57-8a1d-3c5e7f9a1b2d";
const CONTOSO_APP = "7c1f5a2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b";

beforeAll(async () => {
  emu = await startTestEmulator();
  useRuntime(emulatorStackConfig(emu));
});
afterAll(async () => {
  resetProviderCaches();
  await emu.stop();
});
afterEach(() => emu.faults.clear());

function env(name = "production"): EnvironmentState {
  return emu.state().tenants[0]!.environments.find((e) => e.name === name)!;
}
function userId(userName: string): string {
  return env().users.find((u) => u.userName === userName)!.userSecurityId;
}
async function checked(news: Record<string, unknown>) {
  const result = await psa().check({}, { __provider: "x", ...news });
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Record<string, unknown>;
}
/** Checked with `offlinePreview` (no preview checks): what create meets when BC changed after the preview. */
async function checkedOffline(news: Record<string, unknown>) {
  return checked({ ...news, connection: { offlinePreview: true } });
}
async function failuresOf(news: Record<string, unknown>) {
  const result = await psa().check({}, { __provider: "x", ...news });
  return result.failures ?? [];
}

describe("PermissionSetAssignment check", () => {
  it("normalises roleId and accepts each principal form", async () => {
    expect((await checked({ userName: "megan", roleId: "d365 read" })).roleId).toBe("D365 READ");
    await checked({ userSecurityId: userId("MEGAN"), roleId: "D365 READ" });
    await checked({ securityGroupId: FINANCE, roleId: "D365 READ", company: "CRONUS USA, Inc." });
  });

  it.each([
    [{ roleId: "D365 READ" }, "userSecurityId", /exactly one of userSecurityId, userName, securityGroupId/],
    [
      { userName: "MEGAN", securityGroupId: FINANCE, roleId: "D365 READ" },
      "securityGroupId",
      /conflicts with userName/,
    ],
    [{ userName: "MEGAN" }, "roleId", /required/],
    [{ userName: "MEGAN", roleId: "X".repeat(21) }, "roleId", /at most 20/],
    [{ userName: "MEGAN", roleId: "D365 READ", scope: "Global" }, "scope", /System.*Tenant/],
    [{ userName: "MEGAN", roleId: "D365 READ", appId: "base-app" }, "appId", /GUID/],
    [{ userSecurityId: "joe", roleId: "D365 READ" }, "userSecurityId", /GUID/],
    [{ securityGroupId: "FINANCE", roleId: "D365 READ" }, "securityGroupId", /GUID/],
    [{ userName: "MEGAN", roleId: "D365 READ", company: "C".repeat(31) }, "company", /at most 30/],
    [{ userName: "MEGAN", roleId: "D365 READ", role: "x" }, "role", /not an input/],
    [{ userName: "MEGAN", roleId: "D365 READ", environment: "1prod" }, "environment", /environment name/],
  ])("rejects %j naming %s", async (news, property, reason) => {
    const failures = await failuresOf(news);
    expect(failures.map((f) => f.property)).toContain(property);
    expect(failures.find((f) => f.property === property)!.reason).toMatch(reason);
  });

  it("lets unknown preview values through", async () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(await failuresOf({ userName: unknown, roleId: unknown })).toEqual([]);
  });
});

describe("PermissionSetAssignment lifecycle", () => {
  it("assigns to a user, reads, detects drift and deletes", async () => {
    const inputs = await checked({ userName: "megan", roleId: "d365 bus full access" });
    const { id, outs } = await psa().create(inputs);
    expect(outs).toMatchObject({
      userName: "megan",
      roleId: "D365 BUS FULL ACCESS",
      company: "",
      assignmentId: id,
      principalSecurityId: userId("MEGAN"),
      roleName: "Dynamics 365 Full business access",
      resolvedScope: "System",
      environment: "production",
    });
    expect("__provider" in outs).toBe(false);
    expect(env().accessControls.some((ac) => ac.id === id && ac.userSecurityId === userId("MEGAN"))).toBe(true);

    const read = await psa().read(id, { __provider: "x", ...outs });
    expect(read.id).toBe(id);
    expect(read.inputs).toMatchObject({ userName: "megan", roleId: "D365 BUS FULL ACCESS", company: "" });
    expect(read.props).toMatchObject({ assignmentId: id, resolvedScope: "System" });

    // Drift: someone limits the assignment to one company in BC ⇒ read reports it, the next diff replaces.
    emu.mutate(() => {
      env().accessControls.find((ac) => ac.id === id)!.company = "My Company";
    });
    testRuntime().startCommand(); // the drift shows in the next command (refresh reads share the command's load)
    const drifted = await psa().read(id, outs);
    expect(drifted.inputs!.company).toBe("My Company");
    const diff = await psa().diff(id, drifted.props!, inputs);
    // Another company is another row: the new grant is created before the old one goes.
    expect(diff).toMatchObject({ changes: true, replaces: ["company"], deleteBeforeReplace: false });

    // Drift: the access control is deleted ⇒ read reports the resource deleted.
    emu.mutate(() => {
      const rows = env().accessControls;
      rows.splice(
        rows.findIndex((ac) => ac.id === id),
        1,
      );
    });
    testRuntime().startCommand();
    expect(await psa().read(id, outs)).toEqual({ id: "", props: {} });
    await psa().delete(id, outs); // already gone: no error
  });

  it("assigns to a security group, limited to one company", async () => {
    const inputs = await checked({ securityGroupId: FINANCE, roleId: "D365 READ", company: "CRONUS USA, Inc." });
    const { id, outs } = await psa().create(inputs);
    const group = env().securityGroups.find((g) => g.id === FINANCE)!;
    expect(outs).toMatchObject({
      securityGroupId: FINANCE,
      company: "CRONUS USA, Inc.",
      principalSecurityId: group.groupUserSecurityId!.toLowerCase(),
    });
    const row = env().accessControls.find((ac) => ac.id === id)!;
    expect(row).toMatchObject({ company: "CRONUS USA, Inc.", roleId: "D365 READ" });
    expect(row.userSecurityId.toLowerCase()).toBe(group.groupUserSecurityId!.toLowerCase());
    expect((await psa().read(id, outs)).id).toBe(id);
    await psa().delete(id, outs);
    expect(env().accessControls.some((ac) => ac.id === id)).toBe(false);
  });

  it("fails on an ambiguous roleId listing the candidates, and resolves with scope or appId", async () => {
    const inputs = await checkedOffline({ userName: "ALEX", roleId: "sales rep" });
    const err = await psa()
      .create(inputs)
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/^roleId: permission set 'SALES REP' is defined 2 times/);
    expect(message).toContain("scope System");
    expect(message).toContain(`appId ${CONTOSO_APP}`);
    expect(message).toContain("'Contoso Sales Pack'");
    expect(message).toContain("'Base Application'");
    expect(message).toMatch(/Set scope .* and\/or appId/);
    expect(env().accessControls.some((ac) => ac.roleId === "SALES REP")).toBe(false); // nothing was POSTed

    const byScope = await psa().create(await checked({ userName: "ALEX", roleId: "SALES REP", scope: "Tenant" }));
    expect(byScope.outs).toMatchObject({
      resolvedScope: "Tenant",
      resolvedAppId: CONTOSO_APP,
      roleName: "Sales representative (Contoso)",
    });
    // The same grant by appId is the same row: refused (never taken over silently), not duplicated.
    const byApp = await psa()
      .create(await checked({ userName: "ALEX", roleId: "SALES REP", appId: CONTOSO_APP.toUpperCase() }))
      .catch((e: Error) => e);
    expect((byApp as Error).message).toMatch(/assignment of SALES REP to user .* already exists.*adopt: true/);
    await psa().delete(byScope.id, byScope.outs);

    const wrong = await psa()
      .create(await checkedOffline({ userName: "ALEX", roleId: "D365 READ", scope: "Tenant" }))
      .catch((e: Error) => e);
    expect((wrong as Error).message).toMatch(/^scope: permission set 'D365 READ' exists .* but not with scope Tenant/);
  });

  it("refuses a grant made by hand unless adopt: true; an adopted grant survives delete unless deleteAdopted", async () => {
    const before = env().accessControls.filter((ac) => ac.userSecurityId === userId("JOE"));
    const seeded = before.find((ac) => ac.roleId === "D365 BASIC")!;
    await expect(psa().create(await checked({ userName: "JOE", roleId: "D365 BASIC" }))).rejects.toThrow(
      /assignment of D365 BASIC to user .* already exists .*If it was made outside Pulumi.*set adopt: true/,
    );
    const { id, outs } = await psa().create(await checked({ userName: "JOE", roleId: "D365 BASIC", adopt: true }));
    expect(id).toBe(seeded.id);
    expect(outs).toMatchObject({ assignmentId: seeded.id, adopted: true });
    expect(env().accessControls.filter((ac) => ac.userSecurityId === userId("JOE"))).toHaveLength(before.length);
    expect((await psa().read(id, outs)).props).toMatchObject({ adopted: true });

    await psa().delete(id, outs);
    expect(env().accessControls.some((ac) => ac.id === seeded.id)).toBe(true);
    const optedIn = { ...outs, deleteAdopted: true };
    await psa().delete(id, optedIn);
    expect(env().accessControls.some((ac) => ac.id === seeded.id)).toBe(false);
    emu.mutate(() => {
      env().accessControls.push(seeded);
    });
  });

  it("recovers an ambiguous create by identity (connection dropped after the POST took effect)", async () => {
    emu.faults.add({ method: "POST", path: "*/userPermissions", drop: "after", count: 1 });
    const { id, outs } = await psa().create(await checked({ userSecurityId: userId("ISAIAH"), roleId: "D365 READ" }));
    expect(emu.faults.list()[0]!.fired).toBe(1);
    const rows = env().accessControls.filter(
      (ac) => ac.userSecurityId === userId("ISAIAH") && ac.roleId === "D365 READ",
    );
    expect(rows.map((r) => r.id)).toEqual([id]);
    await psa().delete(id, outs);
  });

  it("fails clearly on unknown principals, roles and companies", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ userName: "NOBODY", roleId: "D365 READ" }, /^userName: no user named 'NOBODY'/],
      [{ userSecurityId: "11111111-2222-3333-4444-555555555555", roleId: "D365 READ" }, /^userSecurityId: no user/],
      [{ securityGroupId: "11111111-2222-3333-4444-555555555555", roleId: "D365 READ" }, /^securityGroupId: .*FINANCE/],
      [{ userName: "MEGAN", roleId: "NO SUCH ROLE" }, /^roleId: no permission set 'NO SUCH ROLE'/],
      [{ userName: "MEGAN", roleId: "D365 READ", company: "Nope Inc." }, /^company: 'Nope Inc.' is not a company/],
    ];
    for (const [news, message] of cases) {
      await expect(psa().create(await checkedOffline(news))).rejects.toThrow(message);
    }
  });
});

describe("PermissionSetAssignment preview checks (check, before anything is created)", () => {
  const failureOf = async (news: Record<string, unknown>) => {
    const failures = await failuresOf(news);
    expect(failures).toHaveLength(1);
    return failures[0]!;
  };

  it("a misspelled roleId fails with the nearest ids", async () => {
    const f = await failureOf({ userName: "MEGAN", roleId: "D365 BUS FULL ACESS" });
    expect(f.property).toBe("roleId");
    expect(f.reason).toMatch(
      /^no permission set 'D365 BUS FULL ACESS' in environment 'production'\. Did you mean 'D365 BUS FULL ACCESS'/,
    );
    expect(f.reason).toContain("Permission Sets page");
  });

  it("an ambiguous roleId names each candidate's scope and app; scope or appId settles it", async () => {
    const f = await failureOf({ userName: "ALEX", roleId: "sales rep" });
    expect(f.property).toBe("roleId");
    expect(f.reason).toMatch(/defined 2 times/);
    expect(f.reason).toContain(`appId ${CONTOSO_APP}`);
    expect(f.reason).toContain("scope System");
    expect(f.reason).toMatch(/Set scope .* and\/or appId/);
    expect(await failuresOf({ userName: "ALEX", roleId: "SALES REP", scope: "Tenant" })).toEqual([]);
    const scoped = await failureOf({ userName: "ALEX", roleId: "D365 READ", scope: "Tenant" });
    expect(scoped).toMatchObject({ property: "scope" });
    expect(scoped.reason).toMatch(/exists .* but not with scope Tenant/);
  });

  it("an unknown user, user id, security group or company fails naming the field and the fix", async () => {
    const user = await failureOf({ userName: "MEGAM", roleId: "D365 READ" });
    expect(user.property).toBe("userName");
    expect(user.reason).toMatch(/no user named 'MEGAM' .*Did you mean 'MEGAN'.*sync users in BC/);
    expect(
      await failureOf({ userSecurityId: "11111111-2222-3333-4444-555555555555", roleId: "D365 READ" }),
    ).toMatchObject({ property: "userSecurityId" });
    const group = await failureOf({ securityGroupId: "11111111-2222-3333-4444-555555555555", roleId: "D365 READ" });
    expect(group.property).toBe("securityGroupId");
    expect(group.reason).toMatch(/FINANCE/);
    const company = await failureOf({ userName: "MEGAN", roleId: "D365 READ", company: "Nope Inc." });
    expect(company.property).toBe("company");
    expect(company.reason).toMatch(/is not a company name .*Use the company's name/);
  });

  it("every problem of a resource at once", async () => {
    const failures = await failuresOf({ userName: "NOBODY", roleId: "NO SUCH ROLE", company: "Nope Inc." });
    expect(failures.map((f) => f.property).sort()).toEqual(["company", "roleId", "userName"]);
  });

  it("unknown inputs are skipped; offlinePreview turns the checks off", async () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(await failuresOf({ userName: unknown, roleId: "D365 READ", company: unknown })).toEqual([]);
    expect(await failuresOf({ userName: "NOBODY", roleId: "D365 READ", connection: { offlinePreview: true } })).toEqual(
      [],
    );
  });
});

describe("PermissionSetAssignment diff", () => {
  const olds = {
    userName: "MEGAN",
    roleId: "SALES REP",
    company: "",
    scope: "Tenant",
    assignmentId: "a",
    principalSecurityId: "9b0e3c55-0000-4000-8000-000000000001",
    resolvedScope: "Tenant",
    resolvedAppId: CONTOSO_APP,
    environment: "production",
  };
  const same = { userName: "megan", roleId: "SALES REP", scope: "Tenant" };

  it("reports no change for identical inputs, case changes, and ignored inputs", async () => {
    expect((await psa().diff("a", olds, same)).changes).toBe(false);
    expect(
      (
        await psa().diff("a", olds, {
          ...same,
          roleId: "sales rep",
          timeouts: { create: "1m" },
          companyId: "5b1f0000-0000-4000-8000-000000000000",
        })
      ).changes,
    ).toBe(false);
    expect((await psa().diff("a", olds, { ...same, environment: "production" })).changes).toBe(false);
    // The same user by id; the resolved appId spelled out; scope dropped (the existing assignment still fits).
    expect(
      (await psa().diff("a", olds, { ...same, userName: undefined, userSecurityId: olds.principalSecurityId })).changes,
    ).toBe(false);
    expect((await psa().diff("a", olds, { ...same, appId: CONTOSO_APP.toUpperCase() })).changes).toBe(false);
    expect((await psa().diff("a", olds, { ...same, scope: undefined })).changes).toBe(false);
  });

  // Another role, company, scope, app, environment or principal is another row: create first, so access never
  // lapses. A new userName may name the user the grant already has: delete first, or the create would collide.
  it.each([
    [{ roleId: "D365 READ" }, ["roleId"], false],
    [{ company: "My Company" }, ["company"], false],
    [{ scope: "System" }, ["scope"], false],
    [{ appId: "437dbf0e-84ff-417a-965d-ed2bb9650972" }, ["appId"], false],
    [{ environment: "sandbox-24" }, ["environment"], false],
    [{ userName: "JOE" }, ["userName"], true],
    [{ userName: undefined, securityGroupId: FINANCE }, ["securityGroupId"], false],
    [{ userName: undefined, userSecurityId: "11111111-2222-3333-4444-555555555555" }, ["userSecurityId"], false],
    [{ userName: "JOE", roleId: "D365 READ" }, ["userName", "roleId"], false],
    [{ roleId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }, ["roleId"], true],
  ])("replaces on %j (%j), delete first: %s", async (change, replaces, deleteFirst) => {
    const diff = await psa().diff("a", olds, { ...same, ...change });
    expect(diff.changes).toBe(true);
    expect(diff.deleteBeforeReplace).toBe(deleteFirst);
    for (const key of replaces) expect(diff.replaces).toContain(key);
  });

  it("update keeps the computed outputs (only ignored inputs reach it)", async () => {
    const { outs } = await psa().update("a", olds, { ...same, timeouts: { create: "5m" } });
    expect(outs).toMatchObject({
      assignmentId: "a",
      resolvedAppId: CONTOSO_APP,
      timeouts: { create: "5m" },
      roleId: "SALES REP",
    });
  });
});
