/** RapidStart XML as a package file: told apart from `.rapidstart` by content, and packed as BC exports packages. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import {
  packageFileFormat,
  packRapidStart,
  packRapidStartXml,
  RapidStartFileError,
  readRapidStart,
  unpackRapidStart,
} from "../../formats/rapidstart";

const xml = readFileSync(join(__dirname, "../../examples/data/cronus-setup.xml"), "utf8");
const utf16le = (text: string, bom = true) =>
  Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), Buffer.from(text, "utf16le")]);
const utf16be = (text: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16le(text, false).swap16()]);

describe("packageFileFormat", () => {
  const cases: [string, Buffer, string][] = [
    [".rapidstart (GZip)", packRapidStart(xml), "rapidstart"],
    ["UTF-8 XML", Buffer.from(xml), "xml"],
    ["UTF-8 XML with a byte-order mark", Buffer.from(`\uFEFF${xml}`), "xml"],
    ["UTF-8 XML after blank lines", Buffer.from(`\n\n  ${xml}`), "xml"],
    ["UTF-16LE XML with a byte-order mark", utf16le(xml), "xml"],
    ["UTF-16LE XML without one", utf16le(xml, false), "xml"],
    ["UTF-16BE XML", utf16be(xml), "xml"],
    ["a zip (an .app by mistake)", Buffer.from("PK\u0003\u0004rest"), "unknown"],
    ["plain text", Buffer.from("Code;Name\n"), "unknown"],
    ["an empty file", Buffer.alloc(0), "unknown"],
  ];
  for (const [name, bytes, format] of cases) {
    it(`${name} ⇒ ${format}`, () => {
      expect(packageFileFormat(bytes)).toBe(format);
      // Only the head is read: the answer does not change for the first 512 bytes.
      expect(packageFileFormat(bytes.subarray(0, 512))).toBe(format);
    });
  }
});

describe("packRapidStartXml", () => {
  it("packs UTF-8 and UTF-16 XML into the same .rapidstart, readable as BC reads it", () => {
    const packed = [Buffer.from(xml), utf16le(xml), utf16be(xml)].map((b) => packRapidStartXml(b).bytes);
    for (const bytes of packed) expect(bytes.equals(packed[0])).toBe(true);
    const pkg = readRapidStart(packed[0]);
    expect(pkg.code).toBe("CRONUS.SETUP");
    expect(pkg.tables).toHaveLength(4);
    expect(pkg.tables.reduce((n, t) => n + t.records.length, 0)).toBe(13);
    expect(unpackRapidStart(packed[0])).toMatch(/^<\?xml version="1.0" encoding="UTF-16"/);
  });

  it("packs the same XML into the same bytes at any time (the gzip header's MTIME is 0, as .NET writes it)", () => {
    const first = packRapidStart(xml);
    expect(first.readUInt32LE(4)).toBe(0);
    vi.useFakeTimers({ now: Date.now() + 3_600_000 });
    try {
      expect(packRapidStart(xml).equals(first)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses what BC could not import, with BC's message", () => {
    expect(() => packRapidStartXml(Buffer.from("<DataList Code='X'><Open>"))).toThrow(RapidStartFileError);
    expect(() => packRapidStartXml(Buffer.from("<Other/>"))).toThrow(RapidStartFileError);
  });
});
