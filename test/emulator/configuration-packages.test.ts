import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPackageXml, packRapidStart } from "../../formats/rapidstart";
import { startEmulatorHarness, type TestEmulator, waitFor } from "../helpers/emulator";

/**
 * Configuration packages (RapidStart; https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis,
 * https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/developer/methods-auto/webserviceactionresultcode/webserviceactionresultcode-option). Black-box over HTTPS; packages
 * are generated from the readable examples in examples/data with the emulator's own packer.
 */

const example = (name: string) => readFileSync(join(__dirname, "../../examples/data", name), "utf8");
const CRONUS = packRapidStart(example("cronus-setup.xml"));
const WITH_ERRORS = packRapidStart(example("setup-with-errors.xml"));
const APPLY_FAILURE = packRapidStart(example("apply-failure.xml"));
const PENDING = ["Scheduled", "InProgress"];

let t: TestEmulator;
let cid: string;

beforeAll(async () => {
  t = await startEmulatorHarness();
  cid = await t.companyId();
});
afterAll(() => t.stop());

const packages = (company = cid) => `companies(${company})/configurationPackages`;

async function create(body: Record<string, unknown>, em: TestEmulator = t, company = cid) {
  const res = await em.call("POST", packages(company), { body });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

async function upload(pkg: { id: string; code: string }, bytes: Buffer, em: TestEmulator = t) {
  return em.call("PATCH", `${packages()}(${pkg.id})/file('${pkg.code}')/content`, {
    raw: bytes,
    headers: { "content-type": "application/octet-stream", "if-match": "*" },
  });
}

const action = (id: string, name: "import" | "apply", em: TestEmulator = t) =>
  em.call("POST", `${packages()}(${id})/Microsoft.NAV.${name}`);

/** Polls the package until the given status is no longer pending (what BCCH and Microsoft's test do). */
async function settled(id: string, status: "importStatus" | "applyStatus", em: TestEmulator = t, company = cid) {
  return waitFor(async () => {
    const res = await em.call("GET", `${packages(company)}(${id})`);
    return PENDING.includes(res.json[status]) ? undefined : res.json;
  });
}

async function importFile(code: string, bytes: Buffer) {
  const pkg = await create({ code, packageName: code });
  expect((await upload(pkg, bytes)).status).toBe(204);
  const res = await action(pkg.id, "import");
  expect(res.status, res.text).toBe(200);
  return settled(pkg.id, "importStatus");
}

describe("configurationPackages entity", () => {
  it("creates a package: 201, Code upper-cased, statuses No, counts 0", async () => {
    const res = await t.call("POST", packages(), { body: { code: "basic.setup", packageName: "Basic setup" } });
    expect(res.status).toBe(201);
    expect(res.headers.etag).toBe(res.json["@odata.etag"]);
    expect(res.json).toMatchObject({
      code: "BASIC.SETUP",
      packageName: "Basic setup",
      languageId: 0,
      productVersion: "",
      processingOrder: 0,
      excludeConfigurationTables: false,
      numberOfTables: 0,
      numberOfRecords: 0,
      numberOfErrors: 0,
      importStatus: "No",
      importError: "",
      applyStatus: "No",
      applyError: "",
    });
    expect(res.json.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(String(res.json["@odata.context"])).toMatch(
      /\/\$metadata#companies\([^)]+\)\/configurationPackages\/\$entity$/,
    );
  });

  it("inserts an empty file row with the same code", async () => {
    const pkg = await create({ code: "WITHFILE" });
    const file = await t.call("GET", `${packages()}(${pkg.id})/file('WITHFILE')`);
    expect(file.status).toBe(200);
    expect(file.json.code).toBe("WITHFILE");
    const content = await t.call("GET", `${packages()}(${pkg.id})/file('WITHFILE')/content`);
    expect(content.status).toBe(200);
    expect(content.text).toBe("");
  });

  it("lists packages in Code order and gets one by id", async () => {
    await create({ code: "ZZ.LAST" });
    await create({ code: "AA.FIRST" });
    const list = await t.call("GET", packages());
    expect(list.status).toBe(200);
    const codes: string[] = list.json.value.map((p: { code: string }) => p.code);
    expect(codes).toEqual([...codes].sort());
    expect(codes).toContain("AA.FIRST");
    const one = list.json.value.find((p: { code: string }) => p.code === "AA.FIRST");
    const got = await t.call("GET", `${packages()}(${one.id})`);
    expect(got.status).toBe(200);
    expect(got.json.code).toBe("AA.FIRST");
    expect(got.json["@odata.etag"]).toBe(one["@odata.etag"]);
    const missing = await t.call("GET", `${packages()}(00000000-0000-0000-0000-0000000000aa)`);
    expect(missing.status).toBe(404);
  });

  it("refuses a Code over 20 characters, a blank or missing Code, and a name over 50", async () => {
    const long = await t.call("POST", packages(), { body: { code: "A".repeat(21) } });
    expect(long.status).toBe(400);
    expect(long.json.error.code).toBe("Application_StringExceededLength");
    expect(long.json.error.message).toContain("must be less than or equal to 20 characters");
    expect((await t.call("POST", packages(), { body: { code: "A".repeat(20) } })).status).toBe(201);
    for (const body of [{ code: "" }, { packageName: "no code" }]) {
      const res = await t.call("POST", packages(), { body });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("BadRequest_RequiredParamNotProvided");
    }
    const name = await t.call("POST", packages(), { body: { code: "LONGNAME", packageName: "n".repeat(51) } });
    expect(name.json.error.code).toBe("Application_StringExceededLength");
  });

  it("refuses read-only and unknown properties", async () => {
    const ro = await t.call("POST", packages(), { body: { code: "RO", importStatus: "Completed" } });
    expect(ro.status).toBe(400);
    expect(ro.json.error.code).toBe("BadRequest_InvalidOperation");
    const unknown = await t.call("POST", packages(), { body: { code: "UNK", colour: "blue" } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe("BadRequest");
  });

  it("refuses a duplicate Code in the same company with BC's duplicate-key error", async () => {
    await create({ code: "DUP" });
    const res = await t.call("POST", packages(), { body: { code: "dup" } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("Internal_EntityWithSameKeyExists");
    expect(res.json.error.message).toMatch(
      /^The record in table Config\. Package already exists\. Identification fields and values: Code='DUP'\. {2}CorrelationId: {2}[0-9a-f-]{36}\.$/,
    );
  });

  it("keeps packages per company (the same Code may exist in two companies)", async () => {
    const companies = (await t.call("GET", "companies")).json.value;
    const other = companies[1].id as string;
    await create({ code: "PERCOMPANY" });
    await create({ code: "PERCOMPANY" }, t, other);
    const inOther = await t.call("GET", packages(other));
    expect(inOther.json.value.filter((p: { code: string }) => p.code === "PERCOMPANY")).toHaveLength(1);
  });

  it("patches editable fields (200) and a new Code takes the file row along", async () => {
    const pkg = await create({ code: "OLD.CODE" });
    const res = await t.call("PATCH", `${packages()}(${pkg.id})`, {
      body: {
        code: "new.code",
        packageName: "Renamed",
        languageId: 1033,
        productVersion: "W1_29.1",
        processingOrder: 3,
        excludeConfigurationTables: true,
      },
      headers: { "if-match": pkg["@odata.etag"] },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      code: "NEW.CODE",
      packageName: "Renamed",
      languageId: 1033,
      productVersion: "W1_29.1",
      processingOrder: 3,
      excludeConfigurationTables: true,
    });
    expect(res.json["@odata.etag"]).not.toBe(pkg["@odata.etag"]);
    expect((await t.call("GET", `${packages()}(${pkg.id})/file('NEW.CODE')`)).status).toBe(200);
    expect((await t.call("GET", `${packages()}(${pkg.id})/file('OLD.CODE')`)).status).toBe(404);
    await create({ code: "TAKEN" });
    const clash = await t.call("PATCH", `${packages()}(${pkg.id})`, {
      body: { code: "TAKEN" },
      headers: { "if-match": "*" },
    });
    expect(clash.status).toBe(400);
    expect(clash.json.error.code).toBe("Internal_EntityWithSameKeyExists");
  });

  it("requires If-Match on PATCH and DELETE (missing ⇒ 400, stale ⇒ 409)", async () => {
    const pkg = await create({ code: "ETAGS" });
    const patchNone = await t.call("PATCH", `${packages()}(${pkg.id})`, { body: { packageName: "x" } });
    expect(patchNone.status).toBe(400);
    expect(patchNone.json.error.code).toBe("BadRequest_InvalidToken");
    const fresh = await t.call("PATCH", `${packages()}(${pkg.id})`, {
      body: { packageName: "x" },
      headers: { "if-match": pkg["@odata.etag"] },
    });
    expect(fresh.status).toBe(200);
    const stale = await t.call("PATCH", `${packages()}(${pkg.id})`, {
      body: { packageName: "y" },
      headers: { "if-match": pkg["@odata.etag"] },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe("Request_EntityChanged");
    const delNone = await t.call("DELETE", `${packages()}(${pkg.id})`);
    expect(delNone.status).toBe(400);
    expect(delNone.json.error.code).toBe("BadRequest_InvalidToken");
    const delStale = await t.call("DELETE", `${packages()}(${pkg.id})`, {
      headers: { "if-match": pkg["@odata.etag"] },
    });
    expect(delStale.status).toBe(409);
  });

  it("deletes a package (204) and its file with it", async () => {
    const pkg = await create({ code: "GONE" });
    expect((await upload(pkg, CRONUS)).status).toBe(204);
    const del = await t.call("DELETE", `${packages()}(${pkg.id})`, { headers: { "if-match": pkg["@odata.etag"] } });
    expect(del.status).toBe(204);
    expect(del.text).toBe("");
    expect((await t.call("GET", `${packages()}(${pkg.id})`)).status).toBe(404);
    expect((await t.call("GET", `${packages()}(${pkg.id})/file('GONE')/content`)).status).toBe(404);
    const again = await create({ code: "GONE" });
    expect((await t.call("GET", `${packages()}(${again.id})/file('GONE')/content`)).text).toBe("");
  });

  it("serves the ?company= form", async () => {
    const post = await t.call("POST", `configurationPackages?company=${cid}`, { body: { code: "QUERYFORM" } });
    expect(post.status).toBe(201);
    const list = await t.call("GET", `configurationPackages?company=${cid}`);
    expect(list.json.value.map((p: { code: string }) => p.code)).toContain("QUERYFORM");
    const one = await t.call("GET", `configurationPackages(${post.json.id})?company=${cid}`);
    expect(one.json.code).toBe("QUERYFORM");
    const imp = await t.call("POST", `configurationPackages(${post.json.id})/Microsoft.NAV.import?company=${cid}`);
    expect(imp.json.error.message).toContain("Please upload a Rapid Start File, before running the import.");
  });
});

describe("file part and its content", () => {
  it("uploads with If-Match * (204, empty) and reads the same bytes back", async () => {
    const pkg = await create({ code: "UPLOAD" });
    const res = await upload(pkg, CRONUS);
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    const back = await t.call("GET", `${packages()}(${pkg.id})/file('UPLOAD')/content`);
    expect(back.status).toBe(200);
    expect(back.headers["content-type"]).toBe("application/octet-stream");
    const raw = await fetchBytes(`${packages()}(${pkg.id})/file('UPLOAD')/content`);
    expect(raw.equals(CRONUS)).toBe(true);
  });

  it("requires If-Match on the content PATCH; the file row has its own ETag", async () => {
    const pkg = await create({ code: "UPLOAD.ETAG" });
    const path = `${packages()}(${pkg.id})/file('UPLOAD.ETAG')`;
    const none = await t.call("PATCH", `${path}/content`, {
      raw: CRONUS,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(none.status).toBe(400);
    expect(none.json.error.code).toBe("BadRequest_InvalidToken");
    const before = (await t.call("GET", path)).json["@odata.etag"];
    const ok = await t.call("PATCH", `${path}/content`, {
      raw: CRONUS,
      headers: { "content-type": "application/octet-stream", "if-match": before },
    });
    expect(ok.status).toBe(204);
    const stale = await t.call("PATCH", `${path}/content`, {
      raw: CRONUS,
      headers: { "content-type": "application/octet-stream", "if-match": before },
    });
    expect(stale.status).toBe(409);
    // The upload writes the file table, not the package: the package's ETag is unchanged.
    expect((await t.call("GET", `${packages()}(${pkg.id})`)).json["@odata.etag"]).toBe(pkg["@odata.etag"]);
  });

  it("refuses to list the file part without a Code", async () => {
    const pkg = await create({ code: "NOCODE" });
    const res = await t.call("GET", `${packages()}(${pkg.id})/file`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("Application_DialogException");
    expect(res.json.error.message).toMatch(
      /^You must specify a Configuration Package Code before uploading a Configuration Package File\. {2}CorrelationId/,
    );
    const filtered = await t.call("GET", `${packages()}(${pkg.id})/file?$filter=code eq 'NOCODE'`);
    expect(filtered.status).toBe(200);
    expect(filtered.json.value).toEqual([expect.objectContaining({ code: "NOCODE" })]);
  });

  it("answers 404 for a Code that is not the package's", async () => {
    const pkg = await create({ code: "MINE" });
    await create({ code: "THEIRS" });
    const res = await t.call("GET", `${packages()}(${pkg.id})/file('THEIRS')`);
    expect(res.status).toBe(404);
    const put = await t.call("PATCH", `${packages()}(${pkg.id})/file('THEIRS')/content`, {
      raw: CRONUS,
      headers: { "content-type": "application/octet-stream", "if-match": "*" },
    });
    expect(put.status).toBe(404);
  });
});

describe("import and apply", () => {
  it("refuses import before a file is uploaded", async () => {
    const pkg = await create({ code: "NOFILE" });
    const res = await action(pkg.id, "import");
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("Application_DialogException");
    expect(res.json.error.message).toMatch(/^Please upload a Rapid Start File, before running the import\. {2}Corr/);
  });

  it("refuses apply before the package is imported", async () => {
    const pkg = await create({ code: "NOTIMPORTED" });
    const res = await action(pkg.id, "apply");
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(
      /^Import Status is not completed\. You must import the package before you apply it\. {2}Corr/,
    );
  });

  it("imports and applies the example package: counts follow the file, applied records leave the package", async () => {
    const pkg = await create({ code: "CRONUS.SETUP", packageName: "set by the client" });
    expect((await upload(pkg, CRONUS)).status).toBe(204);
    const imp = await action(pkg.id, "import");
    expect(imp.status).toBe(200);
    expect(imp.text).toBe("");
    const imported = await settled(pkg.id, "importStatus");
    expect(imported).toMatchObject({
      importStatus: "Completed",
      importError: "",
      applyStatus: "No",
      numberOfTables: 4,
      numberOfRecords: 13,
      numberOfErrors: 0,
      // The import overwrites these from the DataList attributes.
      packageName: "CRONUS basic finance setup",
      productVersion: "W1_29.1",
      languageId: 1033,
      excludeConfigurationTables: true,
    });
    const app = await action(pkg.id, "apply");
    expect(app.status).toBe(200);
    expect(app.text).toBe("");
    const applied = await settled(pkg.id, "applyStatus");
    expect(applied).toMatchObject({
      importStatus: "Completed",
      applyStatus: "Completed",
      applyError: "",
      numberOfTables: 4,
      numberOfRecords: 0,
      numberOfErrors: 0,
    });
    // Re-apply and re-import are allowed once nothing is pending; records are appended, not replaced.
    expect((await action(pkg.id, "import")).status).toBe(200);
    expect((await settled(pkg.id, "importStatus")).numberOfRecords).toBe(13);
    expect((await action(pkg.id, "import")).status).toBe(200);
    expect((await settled(pkg.id, "importStatus")).numberOfRecords).toBe(26);
  });

  it("sets importStatus Error with the reason for files that are not packages", async () => {
    const cases: [string, Buffer, string][] = [
      [
        "NOT.GZIP",
        Buffer.from("d5b7e2c4-6f0a-4a55-9d8e-6f1b1f0c2a11"),
        "The archive entry was compressed using an unsupported compression method.",
      ],
      ["NOT.XML", gzipSync("this is not XML"), "Data at the root level is invalid. Line 1, position 1."],
      ["EMPTY.XML", gzipSync(""), "Root element is missing."],
      ["BROKEN.XML", gzipSync("<DataList Code='BROKEN.XML'><a></DataList>"), "Line 1"],
      [
        "WRONG.ROOT",
        packRapidStart('<Package Code="WRONG.ROOT"/>'),
        "The specified file could not be imported because it is not a valid RapidStart package file.",
      ],
    ];
    for (const [code, bytes, message] of cases) {
      const result = await importFile(code, bytes);
      expect(result.importStatus, code).toBe("Error");
      expect(result.importError, code).toContain(message);
      expect(result.importError.length).toBeLessThanOrEqual(2048);
      expect(result.numberOfTables).toBe(0);
    }
  });

  it("refuses a file whose package code differs from the package's (default switch)", async () => {
    const result = await importFile("NOT.CRONUS", CRONUS);
    expect(result.importStatus).toBe("Error");
    expect(result.importError).toBe(
      "The package code specified on the configuration package must be the same as the package name in the imported package.",
    );
  });

  it("completes with errors: bad rows count in numberOfErrors, import and apply stay Completed", async () => {
    const imported = await importFile("SETUP.ERRORS", WITH_ERRORS);
    expect(imported).toMatchObject({
      importStatus: "Completed",
      numberOfTables: 3,
      numberOfRecords: 6,
      numberOfErrors: 3,
    });
    expect((await action(imported.id, "apply")).status).toBe(200);
    const applied = await settled(imported.id, "applyStatus");
    expect(applied).toMatchObject({ applyStatus: "Completed", applyError: "", numberOfRecords: 4, numberOfErrors: 4 });
    const state = t.emu
      .state()
      .tenants[0].environments[0].companies[0].configurationPackages.find((p) => p.code === "SETUP.ERRORS");
    expect(state?.importedTables.flatMap((table) => table.errorMessages ?? [])).toContain(
      "Field Code in table Payment Terms can only contain 10 characters (NET-FIFTEEN-DAYS).",
    );
  });

  it("fails the apply when a table's parent table is not in the package", async () => {
    const imported = await importFile("APPLY.FAILURE", APPLY_FAILURE);
    expect(imported).toMatchObject({
      importStatus: "Completed",
      numberOfTables: 2,
      numberOfRecords: 3,
      numberOfErrors: 0,
    });
    expect((await action(imported.id, "apply")).status).toBe(200);
    const applied = await settled(imported.id, "applyStatus");
    expect(applied.applyStatus).toBe("Error");
    expect(applied.applyError).toBe(
      "The Config. Package Table does not exist. Identification fields and values: Package Code='APPLY.FAILURE',Table ID='308'",
    );
    expect(applied.numberOfRecords).toBe(3);
    // A failed apply can be retried (it fails the same way).
    expect((await action(imported.id, "apply")).status).toBe(200);
    expect((await settled(imported.id, "applyStatus")).applyStatus).toBe("Error");
  });

  it("applies a generated package with a child table whose parent is present", async () => {
    const xml = buildPackageXml({
      code: "GENERATED",
      tables: [
        { tableId: 308, tableName: "No. Series", records: [{ Code: "CUST", Description: "Customers" }] },
        {
          tableId: 309,
          tableName: "No. Series Line",
          parentTableId: 308,
          primaryKey: ["Series Code", "Line No."],
          records: [{ "Series Code": "CUST", "Line No.": "10000", "Starting No.": "C0001" }],
        },
      ],
    });
    const imported = await importFile("GENERATED", packRapidStart(xml));
    expect(imported).toMatchObject({ importStatus: "Completed", numberOfTables: 2, numberOfRecords: 2 });
    await action(imported.id, "apply");
    expect(await settled(imported.id, "applyStatus")).toMatchObject({ applyStatus: "Completed", numberOfRecords: 0 });
  });

  it("answers 404 for actions on a package that does not exist", async () => {
    const res = await t.call("POST", `${packages()}(00000000-0000-0000-0000-0000000000ab)/Microsoft.NAV.import`);
    expect(res.status).toBe(404);
  });
});

describe("async state machine (slow delays)", () => {
  let slow: TestEmulator;
  beforeAll(async () => {
    // 2 s Scheduled, 2 s InProgress (× timeScale 0.01): long enough to observe every state and to be refused while
    // pending even when the machine is busy running the rest of the suite in parallel.
    slow = await startEmulatorHarness({ asyncDelays: { rapidStartScheduledMs: 200_000, rapidStartRunMs: 200_000 } });
  });
  afterAll(() => slow.stop());

  it("goes Scheduled → InProgress → Completed, refusing import/apply while pending, with a new ETag each step", async () => {
    const company = await slow.companyId();
    const base = `companies(${company})/configurationPackages`;
    const pkg = (await slow.call("POST", base, { body: { code: "CRONUS.SETUP" } })).json;
    await slow.call("PATCH", `${base}(${pkg.id})/file('CRONUS.SETUP')/content`, {
      raw: CRONUS,
      headers: { "content-type": "application/octet-stream", "if-match": "*" },
    });
    expect((await slow.call("POST", `${base}(${pkg.id})/Microsoft.NAV.import`)).status).toBe(200);
    const etags: Record<string, string> = {};
    const seen: string[] = [];
    await waitFor(
      async () => {
        const res = await slow.call("GET", `${base}(${pkg.id})`);
        const status = res.json.importStatus as string;
        const firstSight = !seen.includes(status);
        if (firstSight) seen.push(status);
        etags[status] ??= res.json["@odata.etag"];
        // Probe once per pending state, when it is first seen (near its start): probing on every poll would
        // eventually race the state's end and see the next state.
        if (firstSight && (status === "Scheduled" || status === "InProgress")) {
          const again = await slow.call("POST", `${base}(${pkg.id})/Microsoft.NAV.import`);
          expect(again.status).toBe(400);
          expect(again.json.error.message).toMatch(/^Cannot import a package while import or apply is in progress\./);
          const apply = await slow.call("POST", `${base}(${pkg.id})/Microsoft.NAV.apply`);
          expect(apply.json.error.message).toMatch(/^Cannot apply a package while import or apply is in progress\./);
        }
        return status === "Completed" ? status : undefined;
      },
      20_000,
      25,
    );
    expect(seen).toEqual(["Scheduled", "InProgress", "Completed"]);
    expect(new Set(Object.values(etags)).size).toBe(3);

    // Apply walks the same states; the package ETag changes again.
    expect((await slow.call("POST", `${base}(${pkg.id})/Microsoft.NAV.apply`)).status).toBe(200);
    const scheduled = (await slow.call("GET", `${base}(${pkg.id})`)).json;
    expect(scheduled.applyStatus).toBe("Scheduled");
    const done = await waitFor(async () => {
      const res = await slow.call("GET", `${base}(${pkg.id})`);
      return res.json.applyStatus === "Completed" ? res.json : undefined;
    });
    expect(done["@odata.etag"]).not.toBe(scheduled["@odata.etag"]);
    expect(done["@odata.etag"]).not.toBe(etags.Completed);
  });

  it("keeps the previous importError while Scheduled and clears it when the new import starts", async () => {
    const company = await slow.companyId();
    const base = `companies(${company})/configurationPackages`;
    const pkg = (await slow.call("POST", base, { body: { code: "RETRY" } })).json;
    const put = (bytes: Buffer) =>
      slow.call("PATCH", `${base}(${pkg.id})/file('RETRY')/content`, {
        raw: bytes,
        headers: { "content-type": "application/octet-stream", "if-match": "*" },
      });
    await put(Buffer.from("garbage"));
    await slow.call("POST", `${base}(${pkg.id})/Microsoft.NAV.import`);
    const failed = await settled(pkg.id, "importStatus", slow, company);
    expect(failed.importStatus).toBe("Error");
    await put(packRapidStart(buildPackageXml({ code: "RETRY", tables: [] })));
    await slow.call("POST", `${base}(${pkg.id})/Microsoft.NAV.import`);
    const scheduled = (await slow.call("GET", `${base}(${pkg.id})`)).json;
    expect(scheduled).toMatchObject({ importStatus: "Scheduled", importError: failed.importError });
    const inProgress = await waitFor(async () => {
      const res = await slow.call("GET", `${base}(${pkg.id})`);
      return res.json.importStatus === "Scheduled" ? undefined : res.json;
    });
    expect(inProgress.importError).toBe("");
  });
});

describe("behaviour switches", () => {
  let docs: TestEmulator;
  beforeAll(async () => {
    docs = await startEmulatorHarness({
      behaviour: { actionResponses: "docs", rapidStartCodeMismatch: "force", duplicateKeyStatus: 409 },
    });
  });
  afterAll(() => docs.stop());

  it("docs mode answers import and apply with 204", async () => {
    const company = await docs.companyId();
    const base = `companies(${company})/configurationPackages`;
    const pkg = (await docs.call("POST", base, { body: { code: "DOCS" } })).json;
    await docs.call("PATCH", `${base}(${pkg.id})/file('DOCS')/content`, {
      raw: CRONUS,
      headers: { "content-type": "application/octet-stream", "if-match": "*" },
    });
    const imp = await docs.call("POST", `${base}(${pkg.id})/Microsoft.NAV.import`);
    expect(imp.status).toBe(204);
    // rapidStartCodeMismatch "force": the file's CRONUS.SETUP code is imported under DOCS.
    const imported = await settled(pkg.id, "importStatus", docs, company);
    expect(imported).toMatchObject({ code: "DOCS", importStatus: "Completed", numberOfRecords: 13 });
    expect((await docs.call("POST", `${base}(${pkg.id})/Microsoft.NAV.apply`)).status).toBe(204);
    expect((await settled(pkg.id, "applyStatus", docs, company)).applyStatus).toBe("Completed");
  });

  it("answers duplicates with the configured status", async () => {
    const company = await docs.companyId();
    await docs.call("POST", `companies(${company})/configurationPackages`, { body: { code: "TWICE" } });
    const res = await docs.call("POST", `companies(${company})/configurationPackages`, { body: { code: "TWICE" } });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("Internal_EntityWithSameKeyExists");
  });
});

/** Raw bytes of a GET (the helper decodes text). */
async function fetchBytes(path: string): Promise<Buffer> {
  const { request } = await import("undici");
  const res = await request(`${t.apiRoot()}/${path}`, {
    dispatcher: t.agent,
    headers: { authorization: `Bearer ${await t.token()}` },
  });
  return Buffer.from(await res.body.arrayBuffer());
}
