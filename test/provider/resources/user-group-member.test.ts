import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../emulator";
import type { EnvironmentState } from "../../../emulator/state/model";
import { userGroupMemberHandler as userGroupMemberHandlerDefinition } from "../../../provider/resources/user-group-member";
import { resetProviderCaches, startTestEmulator, emulatorStackConfig, testRuntime, useRuntime } from "../helpers/emu";

const userGroupMemberHandler = userGroupMemberHandlerDefinition.withRuntime(testRuntime);

let emu: RunningEmulator;
const ugm = () => userGroupMemberHandler;
const SANDBOX = "sandbox-24";

beforeAll(async () => {
  emu = await startTestEmulator();
  useRuntime(emulatorStackConfig(emu));
});
afterAll(async () => {
  resetProviderCaches();
  await emu.stop();
});
afterEach(() => emu.faults.clear());

function env(name = SANDBOX): EnvironmentState {
  return emu.state().tenants[0]!.environments.find((e) => e.name === name)!;
}
function userId(userName: string): string {
  return env().users.find((u) => u.userName === userName)!.userSecurityId;
}
async function checked(news: Record<string, unknown>) {
  const result = await ugm().check({}, { __provider: "x", ...news });
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Record<string, unknown>;
}

describe("UserGroupMember check", () => {
  it("normalises groupCode", async () => {
    expect((await checked({ userName: "joe", groupCode: "d365 sales" })).groupCode).toBe("D365 SALES");
  });

  it.each([
    [{ groupCode: "D365 SALES" }, "userSecurityId", /exactly one of userSecurityId, userName/],
    [
      { userName: "JOE", userSecurityId: "8d04a5be-e31f-4afb-a191-5b5a4b5b559a", groupCode: "D365 SALES" },
      "userName",
      /conflicts/,
    ],
    [{ userName: "JOE" }, "groupCode", /required/],
    [{ userName: "JOE", groupCode: "G".repeat(21) }, "groupCode", /at most 20/],
    [{ userName: "JOE", groupCode: "  " }, "groupCode", /must not be empty/],
    [{ userSecurityId: "JOE", groupCode: "D365 SALES" }, "userSecurityId", /GUID/],
    [{ userName: "JOE", groupCode: "D365 SALES", companyName: "C".repeat(31) }, "companyName", /at most 30/],
    [{ userName: "JOE", groupCode: "D365 SALES", adopt: "yes" }, "adopt", /boolean/],
    [{ userName: "JOE", groupCode: "D365 SALES", group: "x" }, "group", /not an input/],
    [{ userName: "U".repeat(51), groupCode: "D365 SALES" }, "userName", /at most 50/],
  ])("rejects %j naming %s", async (news, property, reason) => {
    const failures = (await ugm().check({}, { __provider: "x", ...news })).failures ?? [];
    expect(failures.map((f) => f.property)).toContain(property);
    expect(failures.find((f) => f.property === property)!.reason).toMatch(reason);
  });
});

describe("UserGroupMember on BC 24 (sandbox-24)", () => {
  it("creates by userName, reads, detects drift and deletes", async () => {
    const inputs = await checked({
      environment: SANDBOX,
      userName: "megan",
      groupCode: "d365 sales",
      companyName: "CRONUS USA, Inc.",
    });
    const { id, outs } = await ugm().create(inputs);
    expect(outs).toMatchObject({
      userName: "megan",
      userSecurityId: userId("MEGAN").toLowerCase(),
      groupCode: "D365 SALES",
      groupName: "Dynamics 365 Sales",
      companyName: "CRONUS USA, Inc.",
      memberId: id,
      environment: SANDBOX,
    });
    expect(env().userGroupMembers.some((m) => m.id === id && m.code === "D365 SALES")).toBe(true);

    const read = await ugm().read(id, { __provider: "x", ...outs });
    expect(read.id).toBe(id);
    expect(read.inputs).toMatchObject({ userName: "megan", groupCode: "D365 SALES", companyName: "CRONUS USA, Inc." });
    expect(read.inputs).not.toHaveProperty("userSecurityId"); // given a userName, the id is an output only
    expect((await ugm().diff(id, read.props!, inputs)).changes).toBe(false);

    // Drift: the membership is removed in BC ⇒ read reports the resource deleted.
    emu.mutate(() => {
      const rows = env().userGroupMembers;
      rows.splice(
        rows.findIndex((m) => m.id === id),
        1,
      );
    });
    expect(await ugm().read(id, outs)).toEqual({ id: "", props: {} });
    await ugm().delete(id, outs); // already gone: no error
  });

  it("creates by userSecurityId for all companies and deletes", async () => {
    const { id, outs } = await ugm().create(
      await checked({ environment: SANDBOX, userSecurityId: userId("ALEX"), groupCode: "D365 ACCOUNTANTS" }),
    );
    expect(outs).toMatchObject({ companyName: "", groupCode: "D365 ACCOUNTANTS" });
    await ugm().delete(id, outs);
    expect(env().userGroupMembers.some((m) => m.id === id)).toBe(false);
  });

  it("refuses an existing membership unless adopt is set", async () => {
    const first = await ugm().create(await checked({ environment: SANDBOX, userName: "JOE", groupCode: "D365 SALES" }));
    await expect(
      ugm().create(await checked({ environment: SANDBOX, userName: "joe", groupCode: "D365 SALES" })),
    ).rejects.toThrow(/user JOE in user group 'D365 SALES' for all companies already exists.*set adopt: true/);
    const adopted = await ugm().create(
      await checked({ environment: SANDBOX, userName: "joe", groupCode: "D365 SALES", adopt: true }),
    );
    expect(adopted.id).toBe(first.id);
    expect(adopted.outs).toMatchObject({ adopted: true });
    await ugm().delete(adopted.id, adopted.outs); // adopted: left in place
    expect(env().userGroupMembers.some((m) => m.id === first.id)).toBe(true);
    await ugm().delete(first.id, first.outs);
    expect(env().userGroupMembers.some((m) => m.id === first.id)).toBe(false);
  });

  it("recovers an ambiguous create by identity", async () => {
    emu.faults.add({ method: "POST", path: "*/userGroupMembers", drop: "after", count: 1 });
    const { id, outs } = await ugm().create(
      await checked({ environment: SANDBOX, userName: "ISAIAH", groupCode: "D365 SALES" }),
    );
    expect(emu.faults.list()[0]!.fired).toBe(1);
    expect(
      env()
        .userGroupMembers.filter((m) => m.userSecurityId === userId("ISAIAH"))
        .map((m) => m.id),
    ).toEqual([id]);
    await ugm().delete(id, outs);
  });

  it("an unknown user fails at preview (check), naming the field and the fix", async () => {
    const result = await ugm().check(
      {},
      { __provider: "x", environment: SANDBOX, userName: "NOBODY", groupCode: "D365 SALES" },
    );
    expect(result.failures).toEqual([
      {
        property: "userName",
        reason: expect.stringMatching(/^no user named 'NOBODY' in environment 'sandbox-24'.*sync users/),
      },
    ]);
  });

  it("fails clearly on an unknown user or group", async () => {
    // Checked with offlinePreview: what create meets when BC changed after the preview.
    const offline = { connection: { offlinePreview: true } };
    await expect(
      ugm().create(await checked({ environment: SANDBOX, userName: "NOBODY", groupCode: "D365 SALES", ...offline })),
    ).rejects.toThrow(/^userName: no user named 'NOBODY'/);
    await expect(
      ugm().create(
        await checked({
          environment: SANDBOX,
          userSecurityId: "11111111-2222-3333-4444-555555555555",
          groupCode: "D365 SALES",
          ...offline,
        }),
      ),
    ).rejects.toThrow(/^userSecurityId: no user/);
    await expect(
      ugm().create(await checked({ environment: SANDBOX, userName: "JOE", groupCode: "NO GROUP" })),
    ).rejects.toThrow(/^groupCode: no user group 'NO GROUP'.*D365 SALES/);
  });
});

describe("UserGroupMember on BC 25+ (production)", () => {
  it("fails at create explaining the removal and the PermissionSetAssignment replacement", async () => {
    const err = await ugm()
      .create(await checked({ userName: "JOE", groupCode: "D365 SALES" }))
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/^groupCode: environment 'production' has no user groups/);
    expect(message).toContain("removed user groups in version 25.0");
    expect(message).toContain("PermissionSetAssignment");
    expect(message).toContain("securityGroupId");
  });

  it("reports a membership deleted when the environment no longer has user groups (upgraded to 25+)", async () => {
    const props = {
      userName: "JOE",
      groupCode: "D365 SALES",
      companyName: "",
      memberId: "6f0c4c1e-0000-4000-8000-000000000001",
      userSecurityId: env("production").users.find((u) => u.userName === "JOE")!.userSecurityId,
      environment: "production",
    };
    expect(await ugm().read(props.memberId, props)).toEqual({ id: "", props: {} });
    await ugm().delete(props.memberId, props); // nothing to remove: no error
  });
});

describe("UserGroupMember diff", () => {
  const olds = {
    userName: "JOE",
    groupCode: "D365 SALES",
    companyName: "",
    memberId: "m",
    userSecurityId: "a8f8baf7-1d97-4c17-a9ab-02d24825c1d6",
    groupName: "Dynamics 365 Sales",
    environment: SANDBOX,
  };
  const same = { userName: "joe", groupCode: "d365 sales", environment: SANDBOX };

  it("reports no change for identical inputs, case, the same user by id, and ignored inputs", async () => {
    expect((await ugm().diff("m", olds, same)).changes).toBe(false);
    expect((await ugm().diff("m", olds, { ...same, adopt: true, timeouts: { create: "1m" } })).changes).toBe(false);
    expect(
      (
        await ugm().diff("m", olds, {
          groupCode: "D365 SALES",
          userSecurityId: olds.userSecurityId.toUpperCase(),
          environment: SANDBOX,
        })
      ).changes,
    ).toBe(false);
  });

  // Another group, company, environment or user is another row: create first. A new userName may name the same
  // user: delete first, or the create would collide with the old membership.
  it.each([
    [{ groupCode: "D365 ACCOUNTANTS" }, "groupCode", false],
    [{ companyName: "CRONUS USA, Inc." }, "companyName", false],
    [{ environment: "production" }, "environment", false],
    [{ userName: "MEGAN" }, "userName", true],
    [{ userName: undefined, userSecurityId: "11111111-2222-3333-4444-555555555555" }, "userSecurityId", false],
  ])("replaces on %j (%s), delete first: %s", async (change, key, deleteFirst) => {
    const diff = await ugm().diff("m", olds, { ...same, ...change });
    expect(diff).toMatchObject({ changes: true, deleteBeforeReplace: deleteFirst });
    expect(diff.replaces).toContain(key);
  });

  it("update keeps the computed outputs", async () => {
    const { outs } = await ugm().update("m", olds, { ...same, adopt: true });
    expect(outs).toMatchObject({
      memberId: "m",
      userSecurityId: olds.userSecurityId,
      groupCode: "D365 SALES",
      adopt: true,
    });
  });
});
