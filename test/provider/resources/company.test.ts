import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator";
import { companyHandler as companyHandlerDefinition } from "../../../provider/resources/company";
import { UNKNOWN } from "../../../provider/resources/framework/inputs";
import { resetProviderCaches, emulatorStackConfig, testRuntime, useRuntime } from "../helpers/emu";

const companyHandler = companyHandlerDefinition.withRuntime(testRuntime);

/** Company handler against the emulator over HTTPS. */

const h = companyHandler;

let emu: RunningEmulator;

function useEmulator(e: RunningEmulator) {
  resetProviderCaches();
  useRuntime(emulatorStackConfig(e));
}

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  useEmulator(emu);
});

afterAll(async () => {
  await emu?.stop();
});

function companies(e: RunningEmulator = emu, state = e.state()) {
  const env = state.tenants.flatMap((t) => t.environments).find((x) => x.name === e.environment);
  if (!env) throw new Error("no environment");
  return env.companies;
}

async function checked(news: Record<string, unknown>) {
  const result = await h.check({}, { __provider: "x", ...news });
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Record<string, unknown>;
}

describe("Company check", () => {
  it("accepts a display name and trims it", async () => {
    expect((await checked({ displayName: "  Contoso Ltd. " })).displayName).toBe("Contoso Ltd.");
  });

  it("skips unknown (preview) values", async () => {
    await checked({ displayName: UNKNOWN });
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["missing displayName", {}, "displayName", /required/],
    ["blank displayName", { displayName: "   " }, "displayName", /empty/],
    ["displayName over 250", { displayName: "x".repeat(251) }, "displayName", /250 characters/],
    [
      "businessProfileId over 250",
      { displayName: "A", businessProfileId: "p".repeat(251) },
      "businessProfileId",
      /250/,
    ],
    ["displayName not a string", { displayName: 42 }, "displayName", /string/],
    ["invalid environment", { displayName: "A", environment: "has space" }, "environment", /environment name/],
    ["adopt not boolean", { displayName: "A", adopt: "yes" }, "adopt", /boolean/],
    ["bad delete timeout", { displayName: "A", timeouts: { delete: "5 minutes" } }, "timeouts.delete", /duration/],
    ["unknown timeout key", { displayName: "A", timeouts: { destroy: "5m" } }, "timeouts", /destroy|unrecognized/i],
    // `name` is derived by BC (and carried as a computed input), so a typo-like extra input is the unknown one here.
    ["unknown input", { displayName: "A", colour: "red" }, "colour", /not an input/],
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

describe("Company diff", () => {
  const olds = {
    displayName: "Contoso",
    businessProfileId: "",
    environment: "Production",
    companyId: "11111111-1111-1111-1111-111111111111",
    name: "Contoso",
    evaluationCompany: false,
  };
  const inputs = { __provider: "x", displayName: "Contoso", environment: "Production" };
  const rows: [string, unknown, "update" | "replace" | "none"][] = [
    ["displayName", "Contoso Renamed", "update"],
    ["businessProfileId", "profile-1", "update"],
    ["environment", "Sandbox", "replace"],
    ["adopt", true, "none"],
    ["timeouts", { delete: "10m" }, "none"],
  ];
  for (const [key, value, kind] of rows) {
    it(`${key} change ⇒ ${kind}`, async () => {
      const result = await h.diff("c", olds, { ...inputs, [key]: value });
      expect(result.changes).toBe(kind !== "none");
      expect(result.replaces).toEqual(kind === "replace" ? [key] : []);
    });
  }

  it("a missing environment means the recorded default: no diff", async () => {
    expect((await h.diff("c", olds, { displayName: "Contoso" })).changes).toBe(false);
  });
});

describe("Company lifecycle", () => {
  let id: string;
  let outs: Record<string, unknown>;

  it("creates a company; name derived from the first 30 characters", async () => {
    const displayName = "Contoso Pulumi Test Company With A Long Name";
    const result = await h.create(await checked({ displayName }));
    id = result.id;
    outs = result.outs as Record<string, unknown>;
    expect(outs).toMatchObject({
      companyId: id,
      displayName,
      name: displayName.slice(0, 30),
      evaluationCompany: false,
      businessProfileId: "",
      environment: emu.environment,
    });
    expect(companies().some((c) => c.id === id)).toBe(true);
  });

  it("read returns outputs and inputs; no diff afterwards", async () => {
    const read = await h.read(id, outs);
    expect(read.id).toBe(id);
    expect(read.inputs).toMatchObject({ displayName: outs.displayName });
    expect(read.inputs).not.toHaveProperty("companyId");
    expect((await h.diff(id, read.props as Record<string, unknown>, { displayName: outs.displayName })).changes).toBe(
      false,
    );
  });

  it("update renames in place; name stays", async () => {
    const news = await checked({ displayName: "Contoso Renamed", businessProfileId: "profile-1" });
    const result = await h.update(id, outs, news);
    outs = result.outs as Record<string, unknown>;
    expect(outs).toMatchObject({
      companyId: id,
      displayName: "Contoso Renamed",
      businessProfileId: "profile-1",
      name: "Contoso Pulumi Test Company Wi",
    });
    expect(companies().find((c) => c.id === id)).toMatchObject({
      displayName: "Contoso Renamed",
      businessProfileId: "profile-1",
    });
  });

  it("read detects drift (renamed in BC) and returns the new displayName in inputs", async () => {
    emu.mutate((s) => {
      const c = companies(emu, s).find((x) => x.id === id)!;
      c.displayName = "Renamed In BC";
      c.rev += 1;
    });
    const read = await h.read(id, outs);
    expect(read.inputs?.displayName).toBe("Renamed In BC");
    expect((read.props as Record<string, unknown>).displayName).toBe("Renamed In BC");
    const diff = await h.diff(id, read.props as Record<string, unknown>, {
      displayName: "Contoso Renamed",
      businessProfileId: "profile-1",
    });
    expect(diff).toMatchObject({ changes: true, replaces: [] });
  });

  it("delete removes the company; read then reports it deleted; a second delete is fine", async () => {
    await h.delete(id, outs);
    expect(companies().some((c) => c.id === id)).toBe(false);
    expect(await h.read(id, outs)).toEqual({ id: "", props: {} });
    await h.delete(id, outs);
  });
});

describe("Company adopt and existing companies", () => {
  it("an existing name without adopt is a clear error naming adopt", async () => {
    const { id, outs } = await h.create(await checked({ displayName: "Fabrikam Existing" }));
    await expect(h.create(await checked({ displayName: "Fabrikam Existing" }))).rejects.toThrow(
      /Company 'Fabrikam Existing' already exists.*adopt: true/,
    );
    await h.delete(id, outs as Record<string, unknown>);
  });

  it("a name differing only in case is 'already exists' too (BC compares names case-insensitively)", async () => {
    const { id, outs } = await h.create(await checked({ displayName: "Case Co" }));
    await expect(h.create(await checked({ displayName: "CASE CO" }))).rejects.toThrow(
      /Company 'Case Co' already exists.*adopt: true/,
    );
    await h.delete(id, outs as Record<string, unknown>);
  });

  it("adopt takes over the existing company and brings businessProfileId to the inputs", async () => {
    const existing = await h.create(await checked({ displayName: "Adopt Me" }));
    const adopted = await h.create(
      await checked({ displayName: "Adopt Me", businessProfileId: "adopted", adopt: true }),
    );
    expect(adopted.id).toBe(existing.id);
    expect(adopted.outs).toMatchObject({ companyId: existing.id, businessProfileId: "adopted", adopted: true });
    expect(companies().filter((c) => c.name === "Adopt Me")).toHaveLength(1);
    // An adopted company was there before: delete leaves it unless deleteAdopted: true.
    await h.delete(adopted.id, adopted.outs as Record<string, unknown>);
    expect(companies().filter((c) => c.name === "Adopt Me")).toHaveLength(1);
    await h.delete(adopted.id, { ...adopted.outs, deleteAdopted: true });
    expect(companies().filter((c) => c.name === "Adopt Me")).toHaveLength(0);
  });

  it("recovers an ambiguous create (connection dropped after the POST) by name, without a duplicate", async () => {
    const rule = emu.faults.add({ method: "POST", path: "*/automationCompanies", drop: "after", count: 1 });
    const { id, outs } = await h.create(await checked({ displayName: "Ambiguous Co" }));
    expect(emu.faults.list().find((f) => f.id === rule.id)?.fired).toBe(1);
    const same = companies().filter((c) => c.name === "Ambiguous Co");
    expect(same.map((c) => c.id)).toEqual([id]);
    expect(outs).toMatchObject({ companyId: id, displayName: "Ambiguous Co" });
    emu.faults.clear();
    await h.delete(id, outs as Record<string, unknown>);
  });
});

describe("Company delete while 'currently in use'", () => {
  let busy: RunningEmulator;
  beforeAll(async () => {
    busy = await startEmulator({ timeScale: 0.01, behaviour: { companyInUseDeletes: 2 } });
    useEmulator(busy);
  });
  afterAll(async () => {
    useEmulator(emu);
    await busy?.stop();
  });

  it("retries until BC lets the company go", async () => {
    const { id, outs } = await h.create(await checked({ displayName: "Busy Co" }));
    busy.clearRequests();
    await h.delete(id, outs as Record<string, unknown>);
    const deletes = busy.requests().filter((r) => r.method === "DELETE" && r.path.includes("automationCompanies"));
    expect(deletes.map((r) => r.status)).toEqual([400, 400, 204]);
    expect(companies(busy).some((c) => c.id === id)).toBe(false);
  });

  it("gives up after timeouts.delete with a clear error naming retainOnDelete and timeouts.delete", async () => {
    const { id, outs } = await h.create(await checked({ displayName: "Still Busy Co" }));
    busy.faults.add({
      method: "DELETE",
      path: "*/automationCompanies*",
      status: 400,
      code: "Application_DialogException",
      message: "The company Still Busy Co is currently in use. Try again later.",
    });
    const props = { ...(outs as Record<string, unknown>), timeouts: { delete: "1s" } };
    await expect(h.delete(id, props)).rejects.toThrow(
      /still reported "currently in use".*timeouts\.delete.*retainOnDelete/,
    );
    expect(companies(busy).some((c) => c.id === id)).toBe(true);
    busy.faults.clear();
  });
});
