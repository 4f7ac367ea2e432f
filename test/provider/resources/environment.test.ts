import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator";
import { environmentHandler } from "../../../provider/resources/environment";
import { environmentPolling } from "../../../provider/resources/environment/operations";
import { connectionFor } from "../../../provider/resources/framework/context";
import { UNKNOWN } from "../../../provider/resources/framework/inputs";
import { emulatorStackConfig, resetProviderCaches, testRuntime, useRuntime } from "../helpers/emu";
import { expectInitializationFailure } from "../helpers/partial";

const h = environmentHandler.withRuntime(testRuntime);

/** Environment handler against the emulator's Admin Center over HTTPS. */

let emu: RunningEmulator;
const WRITE = /^(POST|PATCH|PUT|DELETE)$/;
const writes = () => emu.requests().filter((r) => WRITE.test(r.method) && !r.path.includes("/oauth2/"));
const allListed = () => {
  const t = emu.state().tenants[0]!;
  return [...t.environments, ...(t.adminCenter?.inactiveEnvironments ?? [])];
};
const listed = (name: string) => allListed().find((e) => e.name === name);

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  resetProviderCaches();
  useRuntime(emulatorStackConfig(emu));
  environmentPolling.initialIntervalMs = 50;
});

afterAll(async () => {
  await emu?.stop();
});

afterEach(() => {
  emu.faults.clear();
  vi.restoreAllMocks();
});

async function checked(news: Record<string, unknown>) {
  const result = await h.check({}, { __provider: "x", ...news });
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Record<string, unknown>;
}

/** Captures the progress lines (the framework writes them to stdout). */
function progressLines(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

describe("Environment check", () => {
  it("normalises the country and ring, and targets the environment it creates", async () => {
    const inputs = await checked({ name: "uat", type: "Sandbox", countryCode: "dk", ringName: "preview" });
    expect(inputs).toMatchObject({ countryCode: "DK", ringName: "PREVIEW", environment: "uat" });
  });

  it("skips unknown (preview) values", async () => {
    await checked({ name: UNKNOWN, type: "Sandbox", copyFrom: UNKNOWN });
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["a name starting with a digit", { name: "1uat", type: "Sandbox", countryCode: "US" }, "name", /letter/],
    ["a name of 30 characters", { name: "a".repeat(30), type: "Sandbox", countryCode: "US" }, "name", /fewer than 30/],
    ["a name with a dot", { name: "uat.1", type: "Sandbox", countryCode: "US" }, "name", /digits, _ or -/],
    ["an unknown type", { name: "uat", type: "Test", countryCode: "US" }, "type", /Sandbox.*Production/],
    ["a three-letter country", { name: "uat", type: "Sandbox", countryCode: "USA" }, "countryCode", /two-letter/],
    ["no country and no copy", { name: "uat", type: "Sandbox" }, "countryCode", /required/],
    [
      "a ring with copyFrom",
      { name: "uat", type: "Sandbox", ringName: "PROD", copyFrom: { environment: "production" } },
      "ringName",
      /copy takes the source/,
    ],
    [
      "a copy of itself",
      { name: "uat", type: "Sandbox", copyFrom: { environment: "UAT" } },
      "copyFrom.environment",
      /another environment/,
    ],
    [
      "production outside the PROD ring",
      { name: "prod2", type: "Production", countryCode: "US", ringName: "PREVIEW" },
      "ringName",
      /PROD/,
    ],
    [
      "a bad version",
      { name: "uat", type: "Sandbox", countryCode: "US", applicationVersion: "29" },
      "applicationVersion",
      /major/,
    ],
  ];
  for (const [what, news, property, reason] of bad) {
    it(`rejects ${what}, naming ${property}`, async () => {
      const result = await h.check({}, { __provider: "x", ...news });
      const failure = result.failures?.find((f) => f.property === property);
      expect(failure, JSON.stringify(result.failures)).toBeDefined();
      expect(failure?.reason).toMatch(reason);
    });
  }
});

describe("Environment diff", () => {
  const olds = { name: "uat", type: "Sandbox", countryCode: "US", environment: "uat", status: "Active" };
  it("replaces on type and country; a name in another case is no change", async () => {
    // As the engine does it: olds are what check made of the program (plus outputs), news a later check.
    const recorded = { ...(await checked({ name: "uat", type: "Sandbox", countryCode: "US" })), status: "Active" };
    const renamed = await h.check(recorded, { __provider: "x", name: "UAT", type: "Sandbox", countryCode: "US" });
    expect((await h.diff("uat", recorded, renamed.inputs)).changes).toBe(false);
    expect((await h.diff("uat", olds, { ...olds, type: "Production" })).replaces).toEqual(["type"]);
    expect((await h.diff("uat", olds, { ...olds, countryCode: "DK" })).replaces).toEqual(["countryCode"]);
  });
  it("deletes first only when the name stays", async () => {
    expect((await h.diff("uat", olds, { ...olds, type: "Production" })).deleteBeforeReplace).toBe(true);
    const renamed = await h.diff("uat", olds, { ...olds, name: "uat2", environment: "uat2" });
    expect(renamed.deleteBeforeReplace).toBe(false);
  });
  it("changes of copyFrom or applicationVersion after creation are no change", async () => {
    const news = { ...olds, copyFrom: { environment: "production" }, applicationVersion: "29.0.40528.0" };
    expect((await h.diff("uat", olds, news)).changes).toBe(false);
  });
});

describe("Environment lifecycle", () => {
  it("creates a sandbox, waits until Active, reads it, and deletes it: BC renames it and frees the name", async () => {
    const lines = progressLines();
    const inputs = await checked({ name: "uat-new", type: "Sandbox", countryCode: "GB" });
    const created = await h.create(inputs);
    expect(created.id).toBe("uat-new");
    expect(created.outs).toMatchObject({ status: "Active", environment: "uat-new", countryCode: "GB" });
    expect(String(created.outs.webClientUrl)).toContain("uat-new");
    expect(lines.join("")).toMatch(/create of environment 'uat-new'.*running/);
    // The operation succeeded while the environment was still Preparing: the resource waited for Active.
    expect(lines.join("")).toMatch(/environment 'uat-new' becoming Active: Preparing/);
    // A new environment has no Entra app registration: the resource says what to do.
    expect(lines.join("")).toMatch(/Microsoft Entra applications/);

    const read = await h.read("uat-new", created.outs);
    expect(read.id).toBe("uat-new");
    expect(read.props).toMatchObject({ type: "Sandbox", countryCode: "GB", status: "Active" });

    await h.delete("uat-new", created.outs);
    expect(listed("uat-new")).toBeUndefined();
    const renamed = allListed().find((e) => /^uat-new-\d{14}$/.test(e.name))!;
    expect(renamed.admin?.status).toBe("SoftDeleted");
    expect(lines.join("")).toMatch(
      new RegExp(
        `BC renamed it to '${renamed.name}' and keeps it recoverable until .* the name 'uat-new' is free again`,
      ),
    );
    expect((await h.read("uat-new", created.outs)).id).toBe("");
    // The name is free at once: the same name is created again.
    const again = await h.create(inputs);
    expect(again.outs).toMatchObject({ status: "Active", name: "uat-new" });
    await h.delete("uat-new", again.outs);
  });

  it("a create that outlives its deadline is recorded as Preparing; refresh then finds it Active", async () => {
    const inputs = await checked({ name: "uat-slow", type: "Sandbox", countryCode: "US", timeouts: { create: "1ms" } });
    const err = expectInitializationFailure(await h.create(inputs).catch((e: unknown) => e));
    expect(err.message).toMatch(/The environment is recorded; run pulumi refresh/);
    expect(err.id).toBe("uat-slow");
    expect(err.properties).toMatchObject({
      __provider: "x",
      name: "uat-slow",
      status: "Preparing",
      environment: "uat-slow",
      adopted: false,
      tenantId: emu.tenantId.toLowerCase(),
    });
    let read = await h.read("uat-slow", err.properties);
    for (let i = 0; i < 50 && read.props?.status !== "Active"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      read = await h.read("uat-slow", err.properties);
    }
    expect(read).toMatchObject({ id: "uat-slow", props: { status: "Active" } });
    await h.delete("uat-slow", read.props as Record<string, unknown>);
  });

  it("copies production, carrying its data and app registration", async () => {
    const inputs = await checked({
      name: "uat-copy",
      type: "Sandbox",
      copyFrom: { environment: "production", type: "Production" },
    });
    const created = await h.create(inputs);
    expect(created.outs).toMatchObject({ status: "Active", type: "Sandbox" });
    const copy = listed("uat-copy")!;
    expect(copy.companies.map((c) => c.name)).toContain("CRONUS USA, Inc.");
    expect(copy.entraApplications.map((a) => a.clientId)).toContain(emu.clientId);
    await h.delete("uat-copy", created.outs);
  });

  it("adopts an existing environment without a single write, and refuses without adopt", async () => {
    const inputs = await checked({ name: "production", type: "Production", countryCode: "US" });
    await expect(h.create(inputs)).rejects.toThrow(/Environment 'production'.*already exists.*adopt: true/);
    emu.clearRequests();
    const adopted = await h.create({ ...inputs, adopt: true });
    expect(adopted.outs).toMatchObject({ status: "Active", name: "production" });
    expect(writes()).toEqual([]);
  });

  it("a create whose answer is lost is followed by name, never sent twice", async () => {
    emu.faults.add({ method: "PUT", path: "*/environments/uat-dropped", drop: "after", count: 1 });
    emu.clearRequests();
    const created = await h.create(await checked({ name: "uat-dropped", type: "Sandbox", countryCode: "US" }));
    expect(created.outs).toMatchObject({ status: "Active" });
    expect(writes().filter((r) => r.method === "PUT")).toHaveLength(1);
    await h.delete("uat-dropped", created.outs);
  });
});

describe("Environment bad input and faults", () => {
  it("an unknown country code names countryCode", async () => {
    const inputs = await checked({ name: "uat-zz", type: "Sandbox", countryCode: "ZZ" });
    await expect(h.create(inputs)).rejects.toThrow(/^countryCode: .*'ZZ'.*country\/region code/);
  });

  it("a copy source that does not exist names copyFrom.environment and lists the environments", async () => {
    const inputs = await checked({ name: "uat-x", type: "Sandbox", copyFrom: { environment: "nosuch" } });
    await expect(h.create(inputs)).rejects.toThrow(/^copyFrom\.environment: .*'nosuch'.*'production' \(Production\)/);
  });

  it("a copy source of another type names copyFrom.type", async () => {
    const inputs = await checked({
      name: "uat-x",
      type: "Sandbox",
      copyFrom: { environment: "sandbox-24", type: "Production" },
    });
    await expect(h.create(inputs)).rejects.toThrow(/^copyFrom\.type: .*Sandbox environment/);
  });

  it("an exceeded quota names type, the quota and what to do", async () => {
    emu.mutate((s) => {
      s.tenants[0]!.adminCenter = {
        inactiveEnvironments: [],
        operations: [],
        ...s.tenants[0]!.adminCenter,
        quotas: { production: 3, sandbox: 1 },
      };
    });
    try {
      const inputs = await checked({ name: "uat-quota", type: "Sandbox", countryCode: "US" });
      await expect(h.create(inputs)).rejects.toThrow(
        /^type: .*maximum number of sandbox.*quota: 1 sandbox.*Delete a sandbox/,
      );
      expect(listed("uat-quota")).toBeUndefined();
    } finally {
      emu.mutate((s) => {
        s.tenants[0]!.adminCenter!.quotas = { production: 3, sandbox: 6 };
      });
    }
  });

  it("an operation that ends failed names the operation and what to do", async () => {
    // BC reports a failed create as operation status "failed" and the environment as CreatingFailed (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments).
    const failWhenStarted = setInterval(() => {
      const op = emu.state().tenants[0]!.adminCenter?.operations.find((o) => o.environmentName === "uat-fails");
      if (!op || op.status === "failed") return;
      emu.mutate((s) => {
        const target = s.tenants[0]!.adminCenter!.operations.find((o) => o.id === op.id)!;
        target.status = "failed";
        target.errorMessage = "Provisioning the database failed.";
        s.tenants[0]!.adminCenter!.inactiveEnvironments.find((e) => e.name === "uat-fails")!.admin!.status =
          "CreatingFailed";
      });
    }, 5);
    try {
      const inputs = await checked({ name: "uat-fails", type: "Sandbox", countryCode: "US" });
      await expect(h.create(inputs)).rejects.toThrow(
        /create of environment 'uat-fails' \(operation .*\) failed: Provisioning the database failed\..*CreatingFailed: delete it/,
      );
    } finally {
      clearInterval(failWhenStarted);
    }
  });
});

describe("Environment: one create per tenant at a time", () => {
  it("two creates started together both succeed: the provider queues them per tenant", async () => {
    emu.clearRequests();
    const [a, b] = await Promise.all([
      h.create(await checked({ name: "par-a", type: "Sandbox", countryCode: "US" })),
      h.create(await checked({ name: "par-b", type: "Sandbox", copyFrom: { environment: "production" } })),
    ]);
    expect(a.outs.status).toBe("Active");
    expect(b.outs.status).toBe("Active");
    // No start was refused with tenantAlreadyProvisioning: the second waited in line.
    const starts = writes().filter((r) => r.method === "PUT" || r.path.endsWith("/copy"));
    expect(starts).toHaveLength(2);
    await h.delete("par-a", a.outs);
    await h.delete("par-b", b.outs);
  });

  it("retries tenantAlreadyProvisioning once another program's create is Active", async () => {
    const other = connectionFor(testRuntime(), {}).connection.admin();
    await other.createEnvironment("elsewhere", { environmentType: "Sandbox", countryCode: "US" });
    const lines = progressLines();
    emu.clearRequests();
    const created = await h.create(await checked({ name: "after-other", type: "Sandbox", countryCode: "US" }));
    expect(created.outs.status).toBe("Active");
    expect(lines.join("")).toMatch(
      /creating another environment of this tenant \('elsewhere'\).*waiting until it is Active/,
    );
    expect(writes().filter((r) => r.method === "PUT")).toHaveLength(2);
    await h.delete("after-other", created.outs);
    await h.delete("elsewhere", { ...created.outs, name: "elsewhere", environment: "elsewhere" });
  });
});

describe("Environment delete after a dropped connection", () => {
  it("the DELETE took effect (answer lost): the environment is gone from its name, done without sending again", async () => {
    const created = await h.create(await checked({ name: "drop-after", type: "Sandbox", countryCode: "US" }));
    emu.faults.add({ method: "DELETE", path: "*/environments/drop-after", drop: "after", count: 1 });
    emu.clearRequests();
    await h.delete("drop-after", created.outs);
    expect(writes().filter((r) => r.method === "DELETE")).toHaveLength(1);
    expect(listed("drop-after")).toBeUndefined();
    expect(allListed().some((e) => /^drop-after-\d{14}$/.test(e.name))).toBe(true);
  });

  it("the DELETE did not take effect: still Active with no delete operation, so it is sent again", async () => {
    const created = await h.create(await checked({ name: "drop-before", type: "Sandbox", countryCode: "US" }));
    emu.faults.add({ method: "DELETE", path: "*/environments/drop-before", drop: "before", count: 1 });
    const lines = progressLines();
    emu.clearRequests();
    await h.delete("drop-before", created.outs);
    expect(writes().filter((r) => r.method === "DELETE")).toHaveLength(2);
    expect(lines.join("")).toMatch(/still Active with no delete operation.*sending it again/);
    expect(listed("drop-before")).toBeUndefined();
  });

  it("still Active and its operations unreadable: fails clearly and sends nothing more", async () => {
    const created = await h.create(await checked({ name: "drop-blind", type: "Sandbox", countryCode: "US" }));
    emu.faults.add({ method: "DELETE", path: "*/environments/drop-blind", drop: "before", count: 1 });
    emu.faults.add({ method: "GET", path: "*/environments/drop-blind/operations", status: 400 });
    emu.clearRequests();
    await expect(h.delete("drop-blind", created.outs)).rejects.toThrow(
      /still Active and its operations cannot be read.*not sent again/,
    );
    expect(writes().filter((r) => r.method === "DELETE")).toHaveLength(1);
    emu.faults.clear();
    await h.delete("drop-blind", created.outs);
  });
});

describe("Environment delete of an environment still being prepared", () => {
  it("waits until it is Active (BC deletes only Active environments), then deletes it", async () => {
    const other = connectionFor(testRuntime(), {}).connection.admin();
    await other.createEnvironment("del-early", { environmentType: "Sandbox", countryCode: "US" });
    const lines = progressLines();
    await h.delete("del-early", { name: "del-early", type: "Sandbox", environment: "del-early", status: "Preparing" });
    expect(lines.join("")).toMatch(/'del-early' becoming Active/);
    expect(listed("del-early")).toBeUndefined();
  });
});

describe("Environment: Production is not deleted by accident", () => {
  it("refuses to delete a Production environment before any request, unless state has allowDelete", async () => {
    const inputs = await checked({ name: "production", type: "Production", countryCode: "US" });
    emu.clearRequests();
    await expect(h.delete("production", { ...inputs, status: "Active" })).rejects.toThrow(
      /Production environment.*sent nothing.*protect: true.*retainOnDelete.*allowDelete/,
    );
    expect(emu.requests().filter((r) => r.path.includes("/admin/"))).toEqual([]);
    expect(listed("production")?.admin?.status ?? "Active").toBe("Active");

    const prod = await h.create(await checked({ name: "prod-temp", type: "Production", countryCode: "US" }));
    await expect(h.delete("prod-temp", prod.outs)).rejects.toThrow(/Production environment/);
    // allowDelete is recorded by an in-place update that sends nothing.
    const olds = prod.outs;
    const news = await checked({ name: "prod-temp", type: "Production", countryCode: "US", allowDelete: true });
    const diff = await h.diff("prod-temp", olds, news);
    expect(diff).toMatchObject({ changes: true });
    expect(diff.replaces ?? []).toEqual([]);
    emu.clearRequests();
    const updated = await h.update("prod-temp", olds, news);
    expect(writes()).toEqual([]);
    await h.delete("prod-temp", updated.outs!);
    expect(listed("prod-temp")).toBeUndefined();
  });

  it("refuses a replace of a Production environment at diff; a sandbox replaces", async () => {
    const olds = { name: "production", type: "Production", countryCode: "US", environment: "production" };
    await expect(h.diff("production", olds, { ...olds, countryCode: "DK" })).rejects.toThrow(
      /Production environment and a change of countryCode would replace it.*protect: true/,
    );
    const sandbox = { ...olds, name: "sb", environment: "sb", type: "Sandbox" };
    expect((await h.diff("sb", sandbox, { ...sandbox, countryCode: "DK" })).replaces).toEqual(["countryCode"]);
  });
});

describe("Environment settings, updated in place", () => {
  const window = (name: string) => listed(name)?.admin?.settings?.updateWindow;
  const FINANCE = "0b6d4c2a-91e3-4f57-8a1d-3c5e7f9a1b2d";

  it("creates with an update window (BC's time zone kept) and changes it in place", async () => {
    const inputs = await checked({
      name: "uat-window",
      type: "Sandbox",
      countryCode: "DK",
      updateWindow: { startTime: "22:00", endTime: "5:00" },
    });
    const created = await h.create(inputs);
    expect(window("uat-window")).toEqual({ startTime: "22:00", endTime: "05:00", timeZoneId: "Romance Standard Time" });

    const news = await checked({
      name: "uat-window",
      type: "Sandbox",
      countryCode: "DK",
      updateWindow: { startTime: "23:00", endTime: "06:00", timeZoneId: "UTC" },
      securityGroupId: FINANCE.toUpperCase(),
      accessWithM365Licenses: true,
    });
    const diff = await h.diff("uat-window", created.outs, news);
    expect(diff.changes).toBe(true);
    expect(diff.replaces ?? []).toEqual([]);
    emu.clearRequests();
    const updated = await h.update("uat-window", created.outs, news);
    expect(window("uat-window")).toEqual({ startTime: "23:00", endTime: "06:00", timeZoneId: "UTC" });
    expect(listed("uat-window")?.admin?.settings?.securityGroup?.id).toBe(FINANCE);
    expect(listed("uat-window")?.admin?.settings?.accessWithM365Licenses).toBe(true);
    expect(writes().map((r) => r.method)).toEqual(["PUT", "POST", "POST"]);

    // Drift: someone widened the window in the admin center; refresh shows it.
    emu.mutate((s) => {
      const env = s.tenants[0]!.environments.find((e) => e.name === "uat-window")!;
      env.admin!.settings!.updateWindow!.startTime = "20:00";
      env.admin!.settings!.securityGroup = undefined;
    });
    const read = await h.read("uat-window", updated.outs!);
    expect(read.props).toMatchObject({
      updateWindow: { startTime: "20:00", endTime: "06:00", timeZoneId: "UTC" },
      securityGroupId: null,
    });

    // securityGroupId: null clears; an unset setting is left alone and is no change.
    const cleared = { ...news, securityGroupId: null };
    emu.mutate((s) => {
      s.tenants[0]!.environments.find((e) => e.name === "uat-window")!.admin!.settings!.securityGroup = {
        id: FINANCE,
        displayName: "Finance team",
      };
    });
    await h.update("uat-window", updated.outs!, cleared);
    expect(listed("uat-window")?.admin?.settings?.securityGroup).toBeUndefined();
    // From unmanaged to null is a change (clear it); null to null is none.
    const { securityGroupId: _group, ...withoutGroup } = created.outs;
    expect((await h.diff("uat-window", withoutGroup, { ...withoutGroup, securityGroupId: null })).changes).toBe(true);
    expect((await h.diff("uat-window", { ...withoutGroup, securityGroupId: null }, cleared)).changes).toBe(true);
    expect(
      (
        await h.diff(
          "uat-window",
          { ...withoutGroup, securityGroupId: null },
          { ...withoutGroup, securityGroupId: null },
        )
      ).changes,
    ).toBe(false);
    const { accessWithM365Licenses: _unset, ...unmanaged } = news;
    expect((await h.diff("uat-window", updated.outs!, unmanaged)).changes).toBe(false);
    await h.delete("uat-window", updated.outs!);
  });

  it("refuses an update window shorter than six hours at check", async () => {
    const result = await h.check(
      {},
      {
        __provider: "x",
        name: "w",
        type: "Sandbox",
        countryCode: "US",
        updateWindow: { startTime: "23:00", endTime: "04:00" },
      },
    );
    expect(result.failures?.find((f) => f.property === "updateWindow")?.reason).toMatch(/at least 6 hours/);
  });

  it("sets the Application Insights connection string and waits until the restarted environment is Active", async () => {
    const key = "InstrumentationKey=00000000-0000-0000-0000-000000000002";
    const base = { name: "uat-insights", type: "Sandbox", copyFrom: { environment: "production" } };
    const created = await h.create(await checked(base));
    const news = await checked({ ...base, applicationInsightsConnectionString: key });
    const diff = await h.diff("uat-insights", created.outs, news);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const lines = progressLines();
    const updated = await h.update("uat-insights", created.outs, news);
    expect(updated.outs).toMatchObject({ status: "Active" });
    expect(listed("uat-insights")?.admin?.appInsightsKey).toBe(key);
    const text = lines.join("");
    expect(text).toMatch(/BC restarts the environment to apply it/);
    expect(text).toMatch(/becoming Active: Restarting/);
    expect(text).not.toContain(key);
    await h.delete("uat-insights", updated.outs!);
  });
});

describe("Environment restoreFrom", () => {
  const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");

  it("checks the point in time and the other inputs at check", async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const old = new Date(Date.now() - 30 * 24 * 3_600_000).toISOString();
    const failures = async (news: Record<string, unknown>) =>
      (await h.check({}, { __provider: "x", name: "r", type: "Sandbox", ...news })).failures ?? [];
    expect(await failures({ restoreFrom: { environment: "production", pointInTime: future } })).toEqual([
      { property: "restoreFrom.pointInTime", reason: "must be in the past" },
    ]);
    expect((await failures({ restoreFrom: { environment: "production", pointInTime: old } }))[0]?.reason).toMatch(
      /28 days/,
    );
    expect(
      (await failures({ restoreFrom: { environment: "production", pointInTime: "2026-01-01T10:00:00+02:00" } }))[0]
        ?.property,
    ).toBe("restoreFrom.pointInTime");
    const both = await failures({
      restoreFrom: { environment: "production", pointInTime: hourAgo() },
      copyFrom: { environment: "production" },
      countryCode: "US",
    });
    expect(both.map((f) => f.property).sort()).toEqual(["countryCode", "restoreFrom"]);
    // A recorded restore is history: an old pointInTime is no failure after creation.
    const recorded = await h.check(
      { environmentId: "t/r" },
      { __provider: "x", name: "r", type: "Sandbox", restoreFrom: { environment: "production", pointInTime: old } },
    );
    expect(recorded.failures ?? []).toEqual([]);
  });

  it("checks the source at preview: a sandbox restores only into a sandbox", async () => {
    const result = await h.check(
      {},
      {
        __provider: "x",
        name: "r-prod",
        type: "Production",
        restoreFrom: { environment: "sandbox-24", pointInTime: hourAgo() },
      },
    );
    expect(result.failures).toEqual([{ property: "type", reason: expect.stringMatching(/only into a sandbox/) }]);
  });

  it("restores production into a new sandbox and waits until it is Active", async () => {
    const lines = progressLines();
    const created = await h.create(
      await checked({
        name: "uat-restored",
        type: "Sandbox",
        restoreFrom: { environment: "production", pointInTime: hourAgo() },
      }),
    );
    expect(created.outs).toMatchObject({ status: "Active", type: "Sandbox" });
    expect(lines.join("")).toMatch(
      /restoring environment 'production' as of .* into sandbox environment 'uat-restored'/,
    );
    expect(lines.join("")).not.toMatch(/not registered in it yet/);
    expect(listed("uat-restored")?.entraApplications.map((a) => a.clientId)).toContain(emu.clientId);
    await h.delete("uat-restored", created.outs);
  });
});
