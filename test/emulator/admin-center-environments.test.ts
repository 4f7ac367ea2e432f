/**
 * Admin Center environments as Business Central runs them (issue 19), with the emulator's defaults: soft delete
 * renames and frees the name, a new environment is Preparing for a while after its operation, one create per
 * tenant at a time, the environment-scoped operation route, settings, and point-in-time restore. Black-box over HTTPS.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CallInit, type CallResult, startEmulatorHarness, type TestEmulator, waitFor } from "../helpers/emulator";

let t: TestEmulator;

beforeAll(async () => {
  t = await startEmulatorHarness();
});
afterAll(() => t.stop());

const adminUrl = (path: string, version = "v2.29") => `${t.emu.baseUrl}/admin/${version}/${path.replace(/^\//, "")}`;
const admin = (method: string, path: string, init: CallInit & { version?: string } = {}) =>
  t.call(method, adminUrl(path, init.version), init);
const envPath = (name: string, rest = "") => `applications/BusinessCentral/environments/${name}${rest}`;
const FINANCE_GROUP = "0b6d4c2a-91e3-4f57-8a1d-3c5e7f9a1b2d";

function expectAdminError(res: CallResult, status: number, code: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.json.code).toBe(code);
}

async function operationDone(id: string) {
  return waitFor(async () => {
    const op = (await admin("GET", `environments/operations/${id}`)).json;
    expect(op.status).not.toBe("failed");
    return op.status === "succeeded" ? op : undefined;
  });
}

async function activeEnvironment(name: string) {
  return waitFor(async () => {
    const env = (await admin("GET", envPath(name))).json;
    return env.status === "Active" ? env : undefined;
  });
}

/** Creates a sandbox and waits until it is Active (one create at a time). */
async function createActive(name: string, countryCode = "US") {
  const res = await admin("PUT", envPath(name), { body: { environmentType: "Sandbox", countryCode } });
  expect(res.status, res.text).toBe(202);
  await operationDone(res.json.id);
  return activeEnvironment(name);
}

describe("readiness: Preparing after the operation, then Active", () => {
  it("a copy stays Preparing for preparingLagMs after its operation succeeds; Automation answers 503 meanwhile", async () => {
    const res = await admin("POST", envPath("production", "/copy"), {
      body: { environmentName: "lag-copy", type: "Sandbox" },
    });
    expect(res.status).toBe(202);
    const done = await operationDone(res.json.id);
    expect(done.type).toBe("copy");
    expect((await admin("GET", envPath("lag-copy"))).json.status).toBe("Preparing");
    const early = await t.call("GET", "companies", { environment: "lag-copy" });
    expect(early.status).toBe(503);
    expect(early.headers["retry-after"]).toBeTruthy();
    await activeEnvironment("lag-copy");
    expect((await t.call("GET", "companies", { environment: "lag-copy" })).status).toBe(200);
  });
});

describe("one create per tenant at a time (tenantAlreadyProvisioning)", () => {
  it("refuses a second create, copy or restore until the first environment is Active", async () => {
    const first = await admin("PUT", envPath("lock-a"), { body: { environmentType: "Sandbox", countryCode: "US" } });
    expect(first.status).toBe(202);
    expectAdminError(
      await admin("PUT", envPath("lock-b"), { body: { environmentType: "Sandbox", countryCode: "US" } }),
      400,
      "tenantAlreadyProvisioning",
    );
    expectAdminError(
      await admin("POST", envPath("production", "/copy"), { body: { environmentName: "lock-c", type: "Sandbox" } }),
      400,
      "tenantAlreadyProvisioning",
    );
    expectAdminError(
      await admin("POST", envPath("production", "/restore"), {
        body: {
          EnvironmentName: "lock-d",
          EnvironmentType: "Sandbox",
          PointInTime: new Date(Date.now() - 3_600_000).toISOString(),
        },
      }),
      400,
      "tenantAlreadyProvisioning",
    );
    await operationDone(first.json.id);
    // Still Preparing after the operation: still refused.
    if ((await admin("GET", envPath("lock-a"))).json.status === "Preparing") {
      expectAdminError(
        await admin("PUT", envPath("lock-b"), { body: { environmentType: "Sandbox", countryCode: "US" } }),
        400,
        "tenantAlreadyProvisioning",
      );
    }
    await activeEnvironment("lock-a");
    const second = await admin("PUT", envPath("lock-b"), { body: { environmentType: "Sandbox", countryCode: "US" } });
    expect(second.status).toBe(202);
    await operationDone(second.json.id);
    await activeEnvironment("lock-b");
  });
});

describe("soft delete renames the environment and frees its name", () => {
  it("renames with -yyMMddHHmmssff at once; the name can be reused; recover keeps the suffixed name", async () => {
    const del = await admin("DELETE", envPath("lock-a"));
    expect(del.status).toBe(202);
    expect(del.json).toMatchObject({ type: "softDelete", environmentName: "lock-a" });
    expectAdminError(await admin("GET", envPath("lock-a")), 404, "environmentNotFound");
    const listed = (await admin("GET", "applications/BusinessCentral/environments")).json.value as {
      name: string;
      status: string;
    }[];
    const renamed = listed.find((e) => /^lock-a-\d{14}$/.test(e.name));
    expect(renamed, JSON.stringify(listed.map((e) => e.name))).toBeDefined();
    // The environment-scoped operation route answers for the new name; the old name is gone.
    expectAdminError(await admin("GET", envPath("lock-a", `/operations/${del.json.id}`)), 404, "environmentNotFound");
    await operationDone(del.json.id);
    const scoped = await admin("GET", envPath(renamed!.name, `/operations/${del.json.id}`));
    expect(scoped.status).toBe(200);
    expect(scoped.json).toMatchObject({ id: del.json.id, type: "softDelete", status: "succeeded" });
    expect((await admin("GET", envPath(renamed!.name))).json.status).toBe("SoftDeleted");
    const underNewName = await admin("GET", envPath(renamed!.name, "/operations"));
    expect(underNewName.json.value.map((o: { id: string }) => o.id)).toContain(del.json.id);

    // The name is free at once.
    const again = await createActive("lock-a");
    expect(again.name).toBe("lock-a");

    const recover = await admin("POST", envPath(renamed!.name, "/recover"));
    expect(recover.status).toBe(202);
    await operationDone(recover.json.id);
    expect((await admin("GET", envPath(renamed!.name))).json.status).toBe("Active");
    expect((await admin("GET", envPath("lock-a"))).json.status).toBe("Active");
  });

  it("truncates long names to stay under 30 characters", async () => {
    await createActive("a-rather-long-sandbox-name");
    const del = await admin("DELETE", envPath("a-rather-long-sandbox-name"));
    expect(del.status).toBe(202);
    const names = (await admin("GET", "applications/BusinessCentral/environments")).json.value.map(
      (e: { name: string }) => e.name,
    ) as string[];
    const renamed = names.find((n) => n.startsWith("a-rather-long-"))!;
    // 14 characters of the name are kept: "a-rather-long-" plus the suffix "-yyMMddHHmmssff".
    expect(renamed).toMatch(/^a-rather-long--\d{14}$/);
    expect(renamed.length).toBeLessThan(30);
    await operationDone(del.json.id);
  });

  it("does not count soft-deleted environments toward the quota", async () => {
    const sandboxes = () =>
      admin("GET", "applications/BusinessCentral/environments").then(
        (r) =>
          r.json.value.filter(
            (e: { type: string; status: string }) => e.type === "Sandbox" && !e.status.startsWith("SoftDelet"),
          ).length as number,
      );
    const count = await sandboxes();
    t.emu.mutate((s) => {
      s.tenants[0]!.adminCenter!.quotas.sandbox = count;
    });
    expectAdminError(
      await admin("PUT", envPath("quota-x"), { body: { environmentType: "Sandbox", countryCode: "US" } }),
      400,
      "maximumNumberOfEnvironmentsAllowedReached",
    );
    const del = await admin("DELETE", envPath("lock-b"));
    expect(del.status).toBe(202);
    await createActive("quota-x");
    t.emu.mutate((s) => {
      s.tenants[0]!.adminCenter!.quotas.sandbox = 50;
    });
  });
});

describe("settings (update window, Application Insights, security group, Microsoft 365 licences)", () => {
  it("serves BC's default update window and sets one that wraps midnight", async () => {
    const initial = await admin("GET", envPath("production", "/settings/upgrade"));
    expect(initial.status).toBe(200);
    expect(initial.json).toMatchObject({ preferredStartTime: "20:00", preferredEndTime: "06:00" });
    expect(typeof initial.json.timeZoneId).toBe("string");
    expect(initial.json.preferredStartTimeUtc).toMatch(/Z$/);

    const put = await admin("PUT", envPath("production", "/settings/upgrade"), {
      body: { preferredStartTime: "22:00", preferredEndTime: "05:30", timeZoneId: "Romance Standard Time" },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({
      preferredStartTime: "22:00",
      preferredEndTime: "05:30",
      timeZoneId: "Romance Standard Time",
    });
    const from = Date.parse(put.json.preferredStartTimeUtc);
    const to = Date.parse(put.json.preferredEndTimeUtc);
    expect(to - from).toBe(7.5 * 3_600_000);
    expect(to).toBeGreaterThan(Date.now() - 60_000);

    // Without timeZoneId the time zone is kept.
    const kept = await admin("PUT", envPath("production", "/settings/upgrade"), {
      body: { preferredStartTime: "01:00", preferredEndTime: "07:00" },
    });
    expect(kept.json).toMatchObject({ preferredStartTime: "01:00", timeZoneId: "Romance Standard Time" });
    // Before 2.13 only the UTC pair exists.
    const old = await admin("GET", envPath("production", "/settings/upgrade"), { version: "v2.12" });
    expect(Object.keys(old.json).sort()).toEqual(["preferredEndTimeUtc", "preferredStartTimeUtc"]);
  });

  it("validates the update window: at least six hours, HH:mm, a known time zone, not both forms", async () => {
    const put = (body: unknown) => admin("PUT", envPath("production", "/settings/upgrade"), { body });
    const tooShort = await put({ preferredStartTime: "23:00", preferredEndTime: "04:59" });
    expectAdminError(tooShort, 400, "InvalidRange");
    expect(tooShort.json.target).toBe("Preferred Upgrade Window");
    expectAdminError(await put({ preferredStartTime: "25:00", preferredEndTime: "07:00" }), 400, "invalidInput");
    expectAdminError(
      await put({ preferredStartTime: "20:00", preferredEndTime: "06:00", timeZoneId: "Mars Standard Time" }),
      400,
      "invalidInput",
    );
    expectAdminError(
      await put({
        preferredStartTime: "20:00",
        preferredEndTime: "06:00",
        preferredStartTimeUtc: "2000-01-01T02:00:00Z",
      }),
      400,
      "invalidInput",
    );
    // The UTC pair: the date is ignored, the time zone resets to the environment's default.
    const utc = await put({
      preferredStartTimeUtc: "2000-01-01T02:00:00Z",
      preferredEndTimeUtc: "2000-01-01T09:00:00Z",
    });
    expect(utc.status, utc.text).toBe(200);
    expect(utc.json.timeZoneId).not.toBe("Romance Standard Time");
    const zones = await admin("GET", "applications/settings/timezones");
    expect(zones.json.value.map((z: { id: string }) => z.id)).toContain(utc.json.timeZoneId);
  });

  it("sets the Application Insights key only when Active; the environment restarts to apply it", async () => {
    const copy = await admin("POST", envPath("production", "/copy"), {
      body: { environmentName: "insights", type: "Sandbox" },
    });
    expectAdminError(
      await admin("POST", envPath("insights", "/settings/appinsightskey"), { body: { key: "InstrumentationKey=1" } }),
      400,
      "cannotSetAppInsightsKey",
    );
    await operationDone(copy.json.id);
    await activeEnvironment("insights");
    const key = "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://example.invalid/";
    const set = await admin("POST", envPath("insights", "/settings/appinsightskey"), { body: { key } });
    expect(set.status).toBe(202);
    expect(set.text).toBe("");
    expect((await admin("GET", envPath("insights"))).json.status).toBe("Restarting");
    expect((await t.call("GET", "companies", { environment: "insights" })).status).toBe(503);
    const active = await activeEnvironment("insights");
    expect(active.appInsightsKey).toBe(key);
    const clear = await admin("PUT", envPath("insights", "/settings/appinsightskey"), { body: { key: "" } });
    expect(clear.status).toBe(202);
    expect((await activeEnvironment("insights")).appInsightsKey).toBe("");
  });

  it("restricts access to a security group, reads it back and clears it", async () => {
    expect((await admin("GET", envPath("production", "/settings/securitygroupaccess"))).status).toBe(204);
    const set = await admin("POST", envPath("production", "/settings/securitygroupaccess"), {
      body: { Value: FINANCE_GROUP },
    });
    expect(set.status).toBe(200);
    const get = await admin("GET", envPath("production", "/settings/securitygroupaccess"));
    expect(get.json).toEqual({ id: FINANCE_GROUP, displayName: "Finance team" });
    expect(
      (
        await admin("POST", envPath("production", "/settings/securitygroupaccess"), {
          body: { Value: "11111111-2222-4333-8444-555555555555" },
        })
      ).status,
    ).toBe(404);
    expect((await admin("DELETE", envPath("production", "/settings/securitygroupaccess"))).status).toBe(200);
    expect((await admin("GET", envPath("production", "/settings/securitygroupaccess"))).status).toBe(204);
    expect(
      (await admin("GET", envPath("production", "/settings/securitygroupaccess"), { version: "v2.7" })).status,
    ).toBe(404);
  });

  it("switches access with Microsoft 365 licences (string or boolean)", async () => {
    const path = envPath("production", "/settings/accesswithm365licenses");
    expect((await admin("GET", path)).json).toEqual({ enabled: false });
    expect((await admin("POST", path, { body: { enabled: "true" } })).status).toBe(200);
    expect((await admin("GET", path)).json).toEqual({ enabled: true });
    expect((await admin("POST", path, { body: { enabled: false } })).status).toBe(200);
    expect((await admin("GET", path)).json).toEqual({ enabled: false });
  });
});

describe("point-in-time restore (pitRestore)", () => {
  const restore = (source: string, body: Record<string, unknown>) =>
    admin("POST", envPath(source, "/restore"), { body });
  const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();

  it("validates the point in time, the name and the type", async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const old = new Date(Date.now() - 29 * 24 * 3_600_000).toISOString();
    for (const PointInTime of [future, old, "yesterday", "2026-01-01T10:00:00+02:00"]) {
      expectAdminError(
        await restore("production", { EnvironmentName: "r1", EnvironmentType: "Sandbox", PointInTime }),
        400,
        "invalidInput",
      );
    }
    expectAdminError(
      await restore("sandbox-24", { EnvironmentName: "r1", EnvironmentType: "Production", PointInTime: hourAgo() }),
      400,
      "invalidInput",
    );
    expectAdminError(
      await restore("nope", { EnvironmentName: "r1", EnvironmentType: "Sandbox", PointInTime: hourAgo() }),
      404,
      "environmentNotFound",
    );
    expectAdminError(
      await restore("production", {
        EnvironmentName: "production",
        EnvironmentType: "Sandbox",
        PointInTime: hourAgo(),
      }),
      409,
      "resourceExists",
    );
  });

  it("restores into a new environment: 202 with a pitRestore operation, Preparing, then Active with the data", async () => {
    const pointInTime = hourAgo();
    const res = await admin("POST", envPath("production", "/restore"), {
      body: { environmentName: "restored", environmentType: "Sandbox", pointInTime },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.json).toMatchObject({
      type: "pitRestore",
      environmentName: "restored",
      parameters: { environmentName: "restored", environmentType: "Sandbox", restorePointInTime: pointInTime },
    });
    expect((await admin("GET", envPath("restored"))).json.status).toBe("Preparing");
    await operationDone(res.json.id);
    await activeEnvironment("restored");
    const companies = await t.call("GET", "companies", { environment: "restored" });
    expect(companies.status).toBe(200);
    expect(companies.json.value.length).toBeGreaterThan(0);
  });
});

describe("switch wrappedEnvironmentGet", () => {
  it("answers a single environment as {value:[…]} as the current docs show", async () => {
    const wrapped = await startEmulatorHarness({ behaviour: { wrappedEnvironmentGet: true } });
    try {
      const res = await wrapped.call(
        "GET",
        `${wrapped.emu.baseUrl}/admin/v2.28/applications/BusinessCentral/environments/production`,
      );
      expect(res.status).toBe(200);
      expect(res.json.value).toHaveLength(1);
      expect(res.json.value[0]).toMatchObject({ name: "production", status: "Active" });
    } finally {
      await wrapped.stop();
    }
  });
});
