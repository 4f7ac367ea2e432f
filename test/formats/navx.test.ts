import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strToU8, zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import {
  AppFileError,
  type BuildAppInput,
  buildApp,
  guidFromDotNetBytes,
  guidToDotNetBytes,
  NAVX_MAGIC,
  NotAnExtensionFileError,
  readApp,
  readAppFile,
  readAppFileManifest,
  readAppManifest,
  readManifestFrom,
  writeNavx,
} from "../../formats/navx";
import { parseMakeAppArgs } from "../../scripts/make-app";

/** `.app` packages: NAVX header + zip with NavxManifest.xml and SymbolReference.json (formats/navx). */

const BASE_APP_ID = "437dbf0e-84ff-417a-965d-ed2bb9650972";
const PTE_ID = "5b1c9f0e-2d3a-4b5c-8d7e-6f8091a2b3c4";

function pte(overrides: Partial<BuildAppInput> = {}): Buffer {
  return buildApp({ id: PTE_ID, name: "Contoso Tools", publisher: "Contoso", version: "1.0.0.0", ...overrides });
}

/** A package whose zip holds exactly the given manifest text. */
function withManifest(xml: string): Buffer {
  return writeNavx(randomUUID(), zipSync({ "NavxManifest.xml": strToU8(xml) }));
}

describe(".app packages (moved from the emulator tests)", () => {
  it("builds the real header layout and reads identity and dependencies back", () => {
    const packageId = randomUUID();
    const dep = { id: BASE_APP_ID, name: "Base Application", publisher: "Microsoft", version: "24.0.0.0" };
    const bytes = pte({ packageId, dependencies: [dep], version: "2.3.4.5" });
    expect(bytes.readUInt32LE(0)).toBe(NAVX_MAGIC);
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("NAVX");
    expect(bytes.readUInt32LE(4)).toBe(40);
    expect(bytes.readUInt32LE(8)).toBe(2);
    expect(bytes.subarray(12, 28).equals(guidToDotNetBytes(packageId))).toBe(true);
    expect(Number(bytes.readBigUInt64LE(28))).toBe(bytes.length - 40);
    expect(bytes.subarray(36, 42).toString("latin1")).toBe("NAVXPK");
    expect(readApp(bytes)).toMatchObject({
      packageId,
      id: PTE_ID,
      name: "Contoso Tools",
      publisher: "Contoso",
      version: "2.3.4.5",
      dependencies: [dep],
      tables: [],
    });
  });

  it("round-trips .NET GUID byte order", () => {
    expect(guidToDotNetBytes("00112233-4455-6677-8899-aabbccddeeff").toString("hex")).toBe(
      "33221100554477668899aabbccddeeff",
    );
  });

  it("refuses anything that is not an extension with BC's message", () => {
    const manifestless = writeNavx(randomUUID(), zipSync({ "readme.txt": new Uint8Array([1]) }));
    const badManifest = writeNavx(
      randomUUID(),
      zipSync({ "NavxManifest.xml": Buffer.from("<Package><App Id='x'/></Package>") }),
    );
    const cases = [
      Buffer.from("hello"),
      Buffer.alloc(100),
      zipSync({ "NavxManifest.xml": new Uint8Array([60]) }) as unknown as Buffer,
      writeNavx(randomUUID(), Buffer.from("not a zip")),
      manifestless,
      badManifest,
      pte().subarray(0, 60),
    ];
    for (const bytes of cases) {
      expect(() => readApp(Buffer.from(bytes))).toThrow(NotAnExtensionFileError);
      expect(() => readApp(Buffer.from(bytes))).toThrow("The specified file is not an extension file.");
    }
  });

  it("parses make-app arguments", () => {
    const args = parseMakeAppArgs([
      "--id",
      PTE_ID,
      "--name",
      "X",
      "--publisher",
      "P",
      "--version",
      "1.2.3.4",
      "--out",
      "x.app",
      "--dependency",
      `${BASE_APP_ID},Base Application,Microsoft,24.0.0.0`,
      "--table",
      "50100:Thing:1=Code,2=Description",
    ]);
    expect(args).toMatchObject({
      id: PTE_ID,
      version: "1.2.3.4",
      out: "x.app",
      dependencies: [{ id: BASE_APP_ID, version: "24.0.0.0" }],
      tables: [
        {
          id: 50100,
          name: "Thing",
          fields: [
            { id: 1, name: "Code" },
            { id: 2, name: "Description" },
          ],
        },
      ],
    });
    expect(() => parseMakeAppArgs(["--id", "nope"])).toThrow();
  });
});

describe(".app round trip", () => {
  it("reads back identity, dependencies and tables, and the manifest alone without them", () => {
    const packageId = randomUUID();
    const tables = [{ id: 50100, name: "Thing & <Co>", fields: [{ id: 1, name: "Code" }] }];
    const dependencies = [{ id: BASE_APP_ID, name: "Base Application", publisher: "Microsoft", version: "24.1.0.0" }];
    const bytes = pte({ packageId, name: 'Tools "Plus"', version: "7.8.9.10", tables, dependencies });
    expect(readApp(bytes)).toEqual({
      id: PTE_ID,
      name: 'Tools "Plus"',
      publisher: "Contoso",
      version: "7.8.9.10",
      packageId,
      dependencies,
      tables,
    });
    expect(readAppManifest(bytes)).toEqual({
      id: PTE_ID,
      name: 'Tools "Plus"',
      publisher: "Contoso",
      version: "7.8.9.10",
      packageId,
    });
  });

  it("converts GUIDs to .NET byte order and back", () => {
    const guid = randomUUID();
    expect(guidFromDotNetBytes(guidToDotNetBytes(guid))).toBe(guid);
    expect(() => guidToDotNetBytes("not-a-guid")).toThrow("not a GUID");
  });

  it("normalises short versions, upper-case braced ids and a byte-order mark in the manifest", () => {
    const xml = `\uFEFF<Package><App Id="{${PTE_ID.toUpperCase()}}" Name="N" Publisher="" Version="2.1"/></Package>`;
    expect(readAppManifest(withManifest(xml))).toMatchObject({ id: PTE_ID, publisher: "", version: "2.1.0.0" });
  });

  it("leaves tables undefined when the package has no symbols, and when they are not JSON", () => {
    const manifest = `<Package><App Id="${PTE_ID}" Name="N" Publisher="P" Version="1.0.0.0"/></Package>`;
    expect(readApp(withManifest(manifest)).tables).toBeUndefined();
    const broken = writeNavx(
      randomUUID(),
      zipSync({ "NavxManifest.xml": strToU8(manifest), "SymbolReference.json": strToU8("{ not json") }),
    );
    expect(readApp(broken).tables).toBeUndefined();
  });
});

describe(".app partial reads", () => {
  /** A package with a large incompressible entry besides the manifest, as real apps carry compiled code. */
  function bigApp(): Buffer {
    const manifest = `<Package><App Id="${PTE_ID}" Name="Big" Publisher="P" Version="1.0.0.0"/></Package>`;
    const payload = new Uint8Array(4 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24);
    return writeNavx(
      randomUUID(),
      zipSync({ "src/code.bin": [payload, { level: 0 }], "NavxManifest.xml": strToU8(manifest) }),
    );
  }

  it("reads the manifest through the central directory, not the whole package", () => {
    const bytes = bigApp();
    let bytesRead = 0;
    const manifest = readManifestFrom({
      size: bytes.length,
      read: (offset, length) => {
        const part = bytes.subarray(offset, offset + length);
        bytesRead += part.length;
        return part;
      },
    });
    expect(manifest).toMatchObject({ id: PTE_ID, name: "Big" });
    expect(bytesRead).toBeLessThan(100 * 1024);
    expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024);
  });

  it("ignores what follows the content (a signature block)", () => {
    const signed = Buffer.concat([pte({ version: "3.0.0.0" }), Buffer.alloc(300, 0x50)]);
    expect(readApp(signed).version).toBe("3.0.0.0");
  });

  it("refuses a manifest larger than 1 MB before inflating it", () => {
    const huge = `<Package><App Id="${PTE_ID}" Name="N" Publisher="P" Version="1.0.0.0"/>${" ".repeat(1024 * 1024)}</Package>`;
    expect(() => readAppManifest(withManifest(huge))).toThrow(NotAnExtensionFileError);
  });
});

describe(".app malformed input: the reason names what is wrong", () => {
  const app = (attrs: string) => `<Package><App ${attrs}/></Package>`;
  const valid = `Id="${PTE_ID}" Name="N" Publisher="P" Version="1.0.0.0"`;
  const runtime = writeNavx(randomUUID(), Buffer.from(".NEA runtime package"));
  const header = pte();
  const futureHeader = Buffer.from(header);
  futureHeader.writeUInt32LE(3, 8);
  it.each([
    ["no NAVX header", Buffer.from("PK definitely not an extension"), "no NAVX header"],
    ["a newer header version", futureHeader, "unsupported NAVX header"],
    ["a cut-off file", header.subarray(0, header.length - 1), "the file is truncated"],
    ["a runtime package", runtime, "runtime package"],
    ["content that is not a zip", writeNavx(randomUUID(), Buffer.from("not a zip")), "not a zip"],
    ["no manifest", writeNavx(randomUUID(), zipSync({ "a.txt": new Uint8Array([1]) })), "NavxManifest.xml is missing"],
    ["a DOCTYPE", withManifest(`<!DOCTYPE x [<!ENTITY a "b">]>${app(valid)}`), "DOCTYPE"],
    ["no App element", withManifest("<Package/>"), "no Package/App element"],
    ["two App elements", withManifest(`<Package><App ${valid}/><App ${valid}/></Package>`), "no Package/App element"],
    ["an id that is not a GUID", withManifest(app(valid.replace(PTE_ID, "x"))), "valid Id"],
    ["a version that is not one", withManifest(app(valid.replace("1.0.0.0", "1.x"))), "Version"],
    [
      "a dependency without an id",
      withManifest(`<Package><App ${valid}/><Dependencies><Dependency Name="D"/></Dependencies></Package>`),
      "Dependency",
    ],
  ])("%s", (_what, bytes, reason) => {
    let caught: unknown;
    try {
      readApp(bytes);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NotAnExtensionFileError);
    expect((caught as NotAnExtensionFileError).reason).toContain(reason);
  });
});

describe("readAppFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "navx-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("returns the bytes, their SHA-256 and the manifest", () => {
    const path = join(dir, "ok.app");
    const bytes = pte({ version: "1.2.0.0" });
    writeFileSync(path, bytes);
    const read = readAppFile(path);
    expect(read.bytes.equals(bytes)).toBe(true);
    expect(read.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(read.manifest).toMatchObject({ id: PTE_ID, version: "1.2.0.0" });
  });

  it("hashes and reads the manifest without holding the file, agreeing with readAppFile", () => {
    const path = join(dir, "streamed.app");
    writeFileSync(path, pte({ version: "4.5.6.7" }));
    const whole = readAppFile(path);
    expect(readAppFileManifest(path)).toEqual({
      sha256: whole.sha256,
      size: whole.bytes.length,
      manifest: whole.manifest,
    });
    expect(() => readAppFileManifest(join(dir, "missing.app"))).toThrow(/missing\.app does not exist/);
    const notApp = join(dir, "not-streamed.app");
    writeFileSync(notApp, "hello");
    expect(() => readAppFileManifest(notApp)).toThrow(
      `${notApp} is not a Business Central extension package (.app): no NAVX header`,
    );
  });

  it("hashes a package of several chunks through its reused buffer like readAppFile", () => {
    const path = join(dir, "large.app");
    writeFileSync(path, pte({ version: "4.5.6.8", padding: 2.5 * 1024 * 1024 + 17 }));
    const whole = readAppFile(path);
    expect(whole.bytes.length).toBeGreaterThan(2.5 * 1024 * 1024);
    const streamed = readAppFileManifest(path);
    expect(streamed.sha256).toBe(whole.sha256);
    expect(streamed.size).toBe(whole.bytes.length);
  });

  it("names the file in its errors", () => {
    const notApp = join(dir, "not.app");
    writeFileSync(notApp, "hello");
    expect(() => readAppFile(notApp)).toThrow(AppFileError);
    expect(() => readAppFile(notApp)).toThrow(
      `${notApp} is not a Business Central extension package (.app): no NAVX header`,
    );
    expect(() => readAppFile(join(dir, "missing.app"))).toThrow(/missing\.app does not exist/);
    expect(() => readAppFile(dir)).toThrow(/cannot be read \(EISDIR\)/);
  });
});
