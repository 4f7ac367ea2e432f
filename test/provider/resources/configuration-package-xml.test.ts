/**
 * ConfigurationPackage with RapidStart XML as its `file` (UTF-8 or UTF-16, told apart by content), against the
 * emulator over HTTPS: check hashes the given bytes and refuses XML BC could not import, create packs, uploads,
 * imports and applies it, unchanged XML is no diff, changed XML updates.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator";
import { unpackRapidStart } from "../../../formats/rapidstart";
import { configurationPackageHandler } from "../../../provider/resources/configuration-package";
import { emulatorStackConfig, resetProviderCaches, testRuntime, useRuntime } from "../helpers/emu";

const h = configurationPackageHandler.withRuntime(testRuntime);

const xml = readFileSync(join(__dirname, "../../../examples/data/cronus-setup.xml"), "utf8");

let emu: RunningEmulator;
let dir: string;
let companyId: string;

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  resetProviderCaches();
  useRuntime(emulatorStackConfig(emu));
  dir = mkdtempSync(join(tmpdir(), "cfgpkg-xml-"));
  companyId = environment().companies[0].id;
});

afterAll(async () => {
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function environment(state = emu.state()) {
  return state.tenants.flatMap((t) => t.environments).find((e) => e.name === emu.environment)!;
}

function write(name: string, bytes: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

async function check(filePath: string, code = "CRONUS.SETUP") {
  return h.check({}, { __provider: "x", companyId, code, packageName: "Cronus setup", filePath });
}

describe("ConfigurationPackage from RapidStart XML", () => {
  it("check hashes the given file's bytes, for UTF-8 and UTF-16 XML alike", async () => {
    const utf8 = write("setup.xml", xml);
    const utf16 = write("setup-utf16.xml", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, "utf16le")]));
    for (const file of [utf8, utf16]) {
      const result = await check(file);
      expect(result.failures ?? []).toEqual([]);
      expect(result.inputs.fileSha256).toBe(sha256(file));
    }
  });

  it("check refuses XML that is not a RapidStart package, naming file and the fix", async () => {
    const broken = write("broken.xml", '<?xml version="1.0"?>\n<DataList Code="X"><PaymentTermsList>');
    const wrongRoot = write("wrong-root.xml", "<Packages><Package/></Packages>");
    for (const file of [broken, wrongRoot]) {
      const result = await check(file);
      const failure = result.failures?.find((f) => f.property === "file");
      expect(failure?.reason).toContain(`the package file '${file}' is XML but not a RapidStart package`);
      expect(failure?.reason).toContain("Fix the XML");
    }
  });

  let id: string;
  let outs: Record<string, unknown>;
  const file = () => join(dir, "setup.xml");

  it("create packs the XML, imports and applies it", async () => {
    const { inputs } = await check(file());
    const created = await h.create(inputs);
    id = created.id;
    outs = created.outs as Record<string, unknown>;
    expect(outs).toMatchObject({
      numberOfTables: 4,
      numberOfErrors: 0,
      importStatus: "Completed",
      applyStatus: "Completed",
      fileSha256: sha256(file()),
    });
    // What reached BC is a .rapidstart (GZip of UTF-16 XML) holding the same package.
    const pkg = environment()
      .companies.flatMap((c) => c.configurationPackages)
      .find((p) => p.id === id)!;
    const uploaded = Buffer.from(pkg.fileContentBase64, "base64");
    expect([uploaded[0], uploaded[1]]).toEqual([0x1f, 0x8b]);
    expect(unpackRapidStart(uploaded)).toContain('Code="CRONUS.SETUP"');
  });

  it("unchanged XML is no diff; changed XML is an update that imports again", async () => {
    expect((await h.diff(id, outs, (await check(file())).inputs)).changes).toBe(false);
    write("setup.xml", xml.replace("</DataList>", "<!-- v2 --></DataList>"));
    const { inputs } = await check(file());
    const diff = await h.diff(id, outs, inputs);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const before = emu.requests().filter((r) => r.method === "PATCH" && r.path.endsWith("/content")).length;
    const updated = (await h.update(id, outs, inputs)).outs as Record<string, unknown>;
    expect(updated).toMatchObject({ fileSha256: sha256(file()), importStatus: "Completed", applyStatus: "Completed" });
    const after = emu.requests().filter((r) => r.method === "PATCH" && r.path.endsWith("/content")).length;
    expect(after).toBe(before + 1);
    await h.delete(id, updated);
  });
});
