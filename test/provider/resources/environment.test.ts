import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator";
import { environmentHandler } from "../../../provider/resources/environment";
import { environmentPolling } from "../../../provider/resources/environment/operations";
import { UNKNOWN } from "../../../provider/resources/framework/inputs";
import { emulatorStackConfig, resetProviderCaches, testRuntime, useRuntime } from "../helpers/emu";
import { expectInitializationFailure } from "../helpers/partial";

const h = environmentHandler.withRuntime(testRuntime);

/** Environment handler against the emulator's Admin Center over HTTPS. */

let emu: RunningEmulator;
const WRITE = /^(POST|PATCH|PUT|DELETE)$/;
const writes = () => emu.requests().filter((r) => WRITE.test(r.method) && !r.path.includes("/oauth2/"));
const listed = (name: string) => {
  const t = emu.state().tenants[0]!;
  return [...t.environments, ...(t.adminCenter?.inactiveEnvironments ?? [])].find((e) => e.name === name);
};

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
  it("creates a sandbox with progress lines, reads it, and deletes it (soft delete, said so)", async () => {
    const lines = progressLines();
    const inputs = await checked({ name: "uat-new", type: "Sandbox", countryCode: "GB" });
    const created = await h.create(inputs);
    expect(created.id).toBe("uat-new");
    expect(created.outs).toMatchObject({ status: "Active", environment: "uat-new", countryCode: "GB" });
    expect(String(created.outs.webClientUrl)).toContain("uat-new");
    expect(lines.join("")).toMatch(/create of environment 'uat-new'.*running/);
    // A new environment has no Entra app registration: the resource says what to do.
    expect(lines.join("")).toMatch(/Microsoft Entra applications/);

    const read = await h.read("uat-new", created.outs);
    expect(read.id).toBe("uat-new");
    expect(read.props).toMatchObject({ type: "Sandbox", countryCode: "GB", status: "Active" });

    await h.delete("uat-new", created.outs);
    expect(listed("uat-new")?.admin?.status).toBe("SoftDeleted");
    expect(lines.join("")).toMatch(/recoverable until .*name stays taken/);
    expect((await h.read("uat-new", created.outs)).id).toBe("");
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
