import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator";
import { packRapidStart } from "../../../formats/rapidstart";
import type { ConfigurationPackageState } from "../../../emulator/state/model";
import { configurationPackageHandler as configurationPackageHandlerDefinition } from "../../../provider/resources/configuration-package";
import type { InitializationFailure } from "../../../provider/resources/framework/define";
import { IntentJournal } from "../../../provider/resources/framework/intents";
import { UNKNOWN } from "../../../provider/resources/framework/inputs";
import { resetProviderCaches, emulatorStackConfig, testRuntime, useRuntime } from "../helpers/emu";
import { expectInitializationFailure } from "../helpers/partial";

const configurationPackageHandler = configurationPackageHandlerDefinition.withRuntime(testRuntime);

/**
 * ConfigurationPackage handler against the emulator over HTTPS. Package files are packed from the readable
 * examples in examples/data with the emulator's own packer, into a temp dir.
 */

const h = configurationPackageHandler;
const example = (name: string) => readFileSync(join(__dirname, "../../../examples/data", name), "utf8");

let emu: RunningEmulator;
let dir: string;
let companyId: string;
const files: Record<string, string> = {};

function write(name: string, xml: string) {
  const path = join(dir, name);
  writeFileSync(path, packRapidStart(xml));
  return path;
}

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  resetProviderCaches();
  useRuntime(emulatorStackConfig(emu));
  dir = mkdtempSync(join(tmpdir(), "cfgpkg-test-"));
  const cronus = example("cronus-setup.xml");
  files.cronus = write("cronus-setup.rapidstart", cronus);
  // Same package code, different content (one more payment-terms description changed).
  files.cronus2 = write(
    "cronus-setup-v2.rapidstart",
    cronus.replace(/PackageName="[^"]*"/, 'PackageName="CRONUS v2"').replace("</DataList>", "<!-- v2 --></DataList>"),
  );
  files.errors = write("setup-with-errors.rapidstart", example("setup-with-errors.xml"));
  files.applyFailure = write("apply-failure.rapidstart", example("apply-failure.xml"));
  companyId = envState().companies[0].id;
});

afterAll(async () => {
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function envState(state = emu.state()) {
  const env = state.tenants.flatMap((t) => t.environments).find((e) => e.name === emu.environment);
  if (!env) throw new Error("no environment");
  return env;
}

function pkgState(id: string): ConfigurationPackageState | undefined {
  return envState()
    .companies.flatMap((c) => c.configurationPackages)
    .find((p) => p.id === id);
}

async function checked(news: Record<string, unknown>) {
  const result = await h.check({}, { __provider: "x", ...news });
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Record<string, unknown>;
}

const base = (overrides: Record<string, unknown> = {}) => ({
  companyId,
  code: "cronus.setup",
  packageName: "Cronus setup",
  filePath: files.cronus,
  ...overrides,
});

describe("ConfigurationPackage check", () => {
  it("upper-cases the code, computes fileSha256 and fills defaults", async () => {
    const inputs = await checked(base());
    expect(inputs.code).toBe("CRONUS.SETUP");
    expect(inputs.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(inputs.apply).toBe(true);
    expect(inputs.allowRowErrors).toBe(false);
    expect(inputs.__provider).toBe("x");
  });

  it("passes unknown (preview) values and marks the hash unknown", async () => {
    const inputs = await checked(base({ filePath: UNKNOWN, companyId: UNKNOWN }));
    expect(inputs.fileSha256).toBe(UNKNOWN);
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["companyId not a GUID", { companyId: "cronus" }, "companyId", /GUID/],
    ["code too long", { code: "A".repeat(21) }, "code", /20 characters/],
    ["code empty", { code: "  " }, "code", /empty/],
    ["packageName too long", { packageName: "n".repeat(51) }, "packageName", /50 characters/],
    ["packageName missing", { packageName: undefined }, "packageName", /required/],
    ["languageId negative", { languageId: -1 }, "languageId", /language id/],
    ["languageId fractional", { languageId: 10.5 }, "languageId", /whole number/],
    ["apply not boolean", { apply: "yes" }, "apply", /boolean/],
    ["environment invalid", { environment: "1 bad env" }, "environment", /environment name/],
    ["timeouts invalid", { timeouts: { create: "soon" } }, "timeouts.create", /duration/],
    ["unknown input", { colour: "blue" }, "colour", /not an input/],
    ["file missing", { filePath: undefined }, "file", /required/],
    [
      "file does not exist",
      { filePath: "/nonexistent/dir/pkg.rapidstart" },
      "file",
      /\/nonexistent\/dir\/pkg\.rapidstart' does not exist/,
    ],
    ["file path relative", { filePath: "pkg.rapidstart" }, "file", /absolute/],
  ];
  for (const [name, overrides, property, reason] of bad) {
    it(`rejects ${name}, naming ${property}`, async () => {
      const result = await h.check({}, { __provider: "x", ...base(overrides) });
      const failure = result.failures?.find((f) => f.property === property);
      expect(failure, JSON.stringify(result.failures)).toBeDefined();
      expect(failure?.reason).toMatch(reason);
    });
  }
});

describe("ConfigurationPackage diff", () => {
  const olds = {
    __provider: "x",
    companyId: "11111111-1111-1111-1111-111111111111",
    code: "CRONUS.SETUP",
    packageName: "Cronus setup",
    languageId: 1033,
    filePath: "/a/pkg.rapidstart",
    fileSha256: "aa",
    apply: true,
    allowRowErrors: false,
    environment: "Production",
    packageId: "p",
    numberOfRecords: 0,
  };
  const rows: [string, unknown, "update" | "replace" | "none"][] = [
    ["code", "OTHER", "replace"],
    ["companyId", "22222222-2222-2222-2222-222222222222", "replace"],
    ["environment", "Sandbox", "replace"],
    ["fileSha256", "bb", "update"],
    ["apply", false, "update"],
    ["packageName", "Renamed", "update"],
    ["languageId", 1030, "update"],
    ["filePath", "/b/moved.rapidstart", "none"],
    ["allowRowErrors", true, "none"],
    ["adopt", true, "none"],
    ["timeouts", { create: "1h" }, "none"],
  ];
  for (const [key, value, kind] of rows) {
    it(`${key} change ⇒ ${kind}`, async () => {
      const { packageId: _p, numberOfRecords: _n, ...inputs } = olds;
      const result = await h.diff("p", olds, { ...inputs, [key]: value });
      expect(result.changes).toBe(kind !== "none");
      expect(result.replaces).toEqual(kind === "replace" ? [key] : []);
    });
  }

  it("no diff for a missing environment (stack default) or a missing apply (default true)", async () => {
    const { environment: _e, apply: _a, packageId: _p, numberOfRecords: _n, ...inputs } = olds;
    expect((await h.diff("p", olds, inputs)).changes).toBe(false);
  });

  it("an unknown file hash during preview shows an update", async () => {
    const result = await h.diff("p", olds, { ...olds, fileSha256: UNKNOWN });
    expect(result.changes).toBe(true);
    expect(result.replaces).toEqual([]);
  });
});

describe("ConfigurationPackage lifecycle", () => {
  let id: string;
  let outs: Record<string, unknown>;

  it("creates: record, upload, import, apply; outputs counts and statuses", async () => {
    const inputs = await checked(base());
    const result = await h.create(inputs);
    id = result.id;
    outs = result.outs as Record<string, unknown>;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(outs).toMatchObject({
      packageId: id,
      code: "CRONUS.SETUP",
      packageName: "Cronus setup",
      numberOfTables: 4,
      numberOfRecords: 0,
      numberOfErrors: 0,
      importStatus: "Completed",
      applyStatus: "Completed",
      environment: emu.environment,
      fileSha256: inputs.fileSha256,
    });
    // Import overwrote the name from the file; the handler put the input back.
    expect(pkgState(id)?.packageName).toBe("Cronus setup");
    expect((await h.diff(id, outs, inputs)).changes).toBe(false);
  });

  it("read refreshes and returns inputs; no diff afterwards", async () => {
    const read = await h.read(id, outs);
    expect(read.id).toBe(id);
    expect(read.inputs).toMatchObject({ code: "CRONUS.SETUP", packageName: "Cronus setup", companyId });
    expect(read.inputs).not.toHaveProperty("packageId");
    expect((read.props as Record<string, unknown>).applyStatus).toBe("Completed");
    expect((await h.diff(id, read.props as Record<string, unknown>, await checked(base()))).changes).toBe(false);
  });

  it("read detects drift of packageName (changed in BC)", async () => {
    emu.mutate((s) => {
      const p = envState(s)
        .companies.flatMap((c) => c.configurationPackages)
        .find((x) => x.id === id)!;
      p.packageName = "Changed in BC";
      p.rev += 1;
    });
    const read = await h.read(id, outs);
    expect(read.inputs?.packageName).toBe("Changed in BC");
    const diff = await h.diff(id, read.props as Record<string, unknown>, await checked(base()));
    expect(diff.changes).toBe(true);
    expect(diff.replaces).toEqual([]);
  });

  it("update of packageName/languageId PATCHes only (no re-import)", async () => {
    const news = await checked(base({ packageName: "Renamed", languageId: 1030 }));
    const before = pkgState(id)!.rev;
    const result = await h.update(id, outs, news);
    outs = result.outs as Record<string, unknown>;
    expect(outs).toMatchObject({ packageName: "Renamed", languageId: 1030, importStatus: "Completed" });
    expect(pkgState(id)).toMatchObject({ packageName: "Renamed", languageId: 1030 });
    expect(pkgState(id)!.rev).toBe(before + 1);
  });

  it("a content change re-uploads, re-imports and re-applies; the input name survives the import", async () => {
    const news = await checked(base({ packageName: "Renamed", languageId: 1030, filePath: files.cronus2 }));
    expect(news.fileSha256).not.toBe(outs.fileSha256);
    const diff = await h.diff(id, outs, news);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const result = await h.update(id, outs, news);
    outs = result.outs as Record<string, unknown>;
    expect(outs).toMatchObject({
      fileSha256: news.fileSha256,
      applyStatus: "Completed",
      numberOfErrors: 0,
      packageName: "Renamed",
    });
    const state = pkgState(id)!;
    expect(state.packageName).toBe("Renamed");
    expect(state.languageId).toBe(1030);
    expect(Buffer.from(state.fileContentBase64, "base64").equals(readFileSync(files.cronus2))).toBe(true);
  });

  it("a moved file with the same content is no diff", async () => {
    const copy = join(dir, "moved.rapidstart");
    writeFileSync(copy, readFileSync(files.cronus2));
    const news = await checked(base({ packageName: "Renamed", languageId: 1030, filePath: copy }));
    expect((await h.diff(id, outs, news)).changes).toBe(false);
  });

  it("deletes the record (applied data stays); a second delete is fine; read reports deletion", async () => {
    await h.delete(id, outs);
    expect(pkgState(id)).toBeUndefined();
    await h.delete(id, outs);
    expect(await h.read(id, outs)).toEqual({ id: "", props: {} });
  });
});

describe("ConfigurationPackage import only, adopt, already exists", () => {
  it("apply: false imports only; switching apply on applies without re-importing", async () => {
    const inputs = await checked(base({ code: "CRONUS.SETUP", apply: false }));
    const { id, outs } = await h.create(inputs);
    expect(outs).toMatchObject({ importStatus: "Completed", applyStatus: "No", numberOfRecords: 13 });
    const news = await checked(base({ apply: true }));
    expect((await h.diff(id, outs, news)).changes).toBe(true);
    const updated = (await h.update(id, outs, news)).outs as Record<string, unknown>;
    expect(updated).toMatchObject({ applyStatus: "Completed", numberOfRecords: 0 });
    await h.delete(id, updated);
  });

  it("an existing code without adopt is a clear error naming adopt; adopt takes it over", async () => {
    const existing = await h.create(await checked(base({ apply: false })));
    await expect(h.create(await checked(base()))).rejects.toThrow(/already exists.*adopt: true/);
    const adopted = await h.create(await checked(base({ adopt: true })));
    expect(adopted.id).toBe(existing.id);
    expect(adopted.outs).toMatchObject({ applyStatus: "Completed", packageName: "Cronus setup", adopted: true });
    await h.delete(adopted.id, { ...adopted.outs, deleteAdopted: true });
  });

  it("recovers an ambiguous create of the record by code (connection dropped after POST)", async () => {
    const rule = emu.faults.add({ method: "POST", path: "*/configurationPackages", drop: "after", count: 1 });
    const { id, outs } = await h.create(await checked(base({ apply: false })));
    expect(emu.faults.list().find((f) => f.id === rule.id)?.fired).toBe(1);
    const same = envState()
      .companies.flatMap((c) => c.configurationPackages)
      .filter((p) => p.code === "CRONUS.SETUP");
    expect(same.map((p) => p.id)).toEqual([id]);
    expect(outs).toMatchObject({ importStatus: "Completed" });
    await h.delete(id, outs as Record<string, unknown>);
    emu.faults.clear();
  });
});

describe("ConfigurationPackage partial failures", () => {
  async function partial(promise: Promise<unknown>): Promise<InitializationFailure> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    return expectInitializationFailure(err);
  }

  it("row errors after apply fail with counts and the hint, recorded with the package id", async () => {
    const inputs = await checked(
      base({ code: "SETUP.ERRORS", packageName: "Setup with errors", filePath: files.errors }),
    );
    const err = await partial(h.create(inputs));
    expect(err.message).toMatch(/SETUP\.ERRORS.*4 row error\(s\).*3 tables, 4 records/);
    expect(err.message).toMatch(/Config\. Package Errors/);
    expect(err.message).toMatch(/allowRowErrors: true/);
    expect(err.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(err.properties).toMatchObject({
      __provider: "x",
      packageId: err.id,
      code: "SETUP.ERRORS",
      applyStatus: "Completed",
      numberOfErrors: 4,
    });
    // Next up (init errors ⇒ update with no diff) still fails while row errors are not allowed…
    const props = err.properties as Record<string, unknown>;
    await partial(h.update(err.id, props, inputs));
    // …and passes once they are allowed (no diff from allowRowErrors itself: the retry comes from the init error).
    const allowed = await checked({
      ...base({ code: "SETUP.ERRORS", packageName: "Setup with errors", filePath: files.errors }),
      allowRowErrors: true,
    });
    expect((await h.diff(err.id, props, allowed)).changes).toBe(false);
    const outs = (await h.update(err.id, props, allowed)).outs as Record<string, unknown>;
    expect(outs).toMatchObject({ applyStatus: "Completed", numberOfErrors: 4 });
    await h.delete(err.id, outs);
  });

  it("is recorded through the framework: checked inputs, outputs so far, __provider and connection; the intent gets its id", async () => {
    const journal = new IntentJournal(join(dir, "intents"));
    useRuntime(emulatorStackConfig(emu), { journal });
    try {
      const owner = "proj/dev/ConfigurationPackage/apply-failure";
      const connection = { environment: emu.environment, propagationTimeout: "1m" };
      const inputs = await checked(
        base({ code: "apply.failure", packageName: "Apply failure", filePath: files.applyFailure, owner, connection }),
      );
      const err = await partial(h.create(inputs));
      const state = err.properties;
      // What record() stores on success, and nothing else: no raw input beyond __provider and the connection.
      const outputs = ["packageId", "code", "numberOfTables", "numberOfRecords", "numberOfErrors", "importStatus"];
      outputs.push("applyStatus", "importError", "applyError");
      const recordable = new Set([
        ...configurationPackageHandlerDefinition.inputNames,
        "fileSha256",
        "tenantId",
        "adopted",
        "__provider",
        ...outputs,
      ]);
      expect(Object.keys(state).filter((key) => !recordable.has(key))).toEqual([]);
      expect(state).toMatchObject({
        __provider: "x",
        connection,
        owner,
        code: "APPLY.FAILURE",
        adopted: false,
        environment: emu.environment,
        tenantId: emu.tenantId.toLowerCase(),
        packageId: err.id,
        applyStatus: "Error",
      });
      // The create intent is completed with the package id: an interrupted next run recovers only this package.
      const scope = `${emu.tenantId.toLowerCase()}/${emu.environment}`;
      const key = `${companyId}|APPLY.FAILURE`.toLowerCase();
      expect(journal.created(owner, "ConfigurationPackage", scope, key, err.id)).toBe(true);
      expect(journal.created(owner, "ConfigurationPackage", scope, key, "00000000-0000-0000-0000-000000000001")).toBe(
        false,
      );
      // The recorded state is enough for refresh and destroy.
      const read = await h.read(err.id, state);
      expect(read).toMatchObject({ id: err.id, props: { applyStatus: "Error", code: "APPLY.FAILURE" } });
      await h.delete(err.id, state);
      expect(pkgState(err.id)).toBeUndefined();
      expect(journal.created(owner, "ConfigurationPackage", scope, key, err.id)).toBe(false);
    } finally {
      useRuntime(emulatorStackConfig(emu));
    }
  });

  it("allowRowErrors: true accepts a Completed apply with row errors at create", async () => {
    const inputs = await checked(
      base({ code: "SETUP.ERRORS", packageName: "Setup with errors", filePath: files.errors, allowRowErrors: true }),
    );
    const { id, outs } = await h.create(inputs);
    expect(outs).toMatchObject({ applyStatus: "Completed", numberOfErrors: 4 });
    await h.delete(id, outs as Record<string, unknown>);
  });

  it("an apply ending in Error is a partial failure quoting applyError", async () => {
    const inputs = await checked(
      base({ code: "APPLY.FAILURE", packageName: "Apply failure", filePath: files.applyFailure }),
    );
    const err = await partial(h.create(inputs));
    expect(err.message).toMatch(/apply of configuration package APPLY\.FAILURE ended with status Error/);
    expect(err.message).toMatch(/Config\. Package Table does not exist.*Table ID='308'/);
    expect(err.properties).toMatchObject({ packageId: err.id, applyStatus: "Error", importStatus: "Completed" });
    await h.delete(err.id, err.properties as Record<string, unknown>);
  });

  it("an import ending in Error (file code differs from the package code) quotes importError", async () => {
    const inputs = await checked(base({ code: "OTHER.CODE", packageName: "Mismatch" }));
    const err = await partial(h.create(inputs));
    expect(err.message).toMatch(/import of configuration package OTHER\.CODE ended with status Error/);
    expect(err.message).toMatch(/package code specified on the configuration package must be the same/);
    expect(err.properties).toMatchObject({ packageId: err.id, importStatus: "Error" });
    await h.delete(err.id, err.properties as Record<string, unknown>);
  });

  it("an ambiguous import start (connection dropped after the POST) is a partial failure the next up completes", async () => {
    const rule = emu.faults.add({ method: "POST", path: "*/Microsoft.NAV.import", drop: "after", count: 1 });
    const inputs = await checked(base());
    const err = await partial(h.create(inputs));
    expect(emu.faults.list().find((f) => f.id === rule.id)?.fired).toBe(1);
    expect(err.properties).toMatchObject({ packageId: err.id, code: "CRONUS.SETUP" });
    // Next up: update with no diff (init errors). The import BC did start is awaited, not started twice.
    const outs = (await h.update(err.id, err.properties as Record<string, unknown>, inputs)).outs as Record<
      string,
      unknown
    >;
    expect(outs).toMatchObject({ importStatus: "Completed", applyStatus: "Completed", numberOfErrors: 0 });
    expect(pkgState(err.id)?.packageName).toBe("Cronus setup");
    await h.delete(err.id, outs);
    emu.faults.clear();
  });

  it("a deleted company makes read report the package deleted", async () => {
    const { id, outs } = await h.create(await checked(base({ apply: false })));
    const props = { ...(outs as Record<string, unknown>), companyId: "00000000-0000-0000-0000-0000000000ab" };
    expect(await h.read(id, props)).toEqual({ id: "", props: {} });
    await h.delete(id, outs as Record<string, unknown>);
  });
});
