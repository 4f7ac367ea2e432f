import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  buildPackageXml,
  decodeXmlText,
  elementName,
  packRapidStart,
  RapidStartFileError,
  readPackageXml,
  readRapidStart,
  unpackRapidStart,
} from "../../formats/rapidstart";

/** RapidStart `.rapidstart` files: GZip-compressed UTF-16 package XML (formats/rapidstart). */

const example = (name: string) => readFileSync(join(__dirname, "../../examples/data", name), "utf8");

describe("RapidStart files (moved from the emulator tests)", () => {
  it("derives element names like BC's GetElementName", () => {
    expect(elementName("Due Date Calculation")).toBe("DueDateCalculation");
    expect(elementName("Discount %")).toBe("Discount");
    expect(elementName("Calc. Pmt. Disc. on Cr. Memos")).toBe("CalcPmtDisconCrMemos");
    expect(elementName("E-Mail")).toBe("E_Mail");
    expect(elementName("Country/Region")).toBe("CountryRegion");
    expect(elementName("1099 Code")).toBe("_1099Code");
  });

  it("reads BC's compact UTF-16 output, with or without a byte-order mark", () => {
    const compact =
      '<?xml version="1.0" encoding="UTF-16" standalone="yes"?><DataList Code="c1" PackageName="P"><PaymentTermsList><TableID>3</TableID><PaymentTerms><Code PrimaryKey="1">7D</Code></PaymentTerms></PaymentTermsList></DataList>';
    for (const bytes of [gzipSync(Buffer.from(compact, "utf16le")), packRapidStart(compact)]) {
      const parsed = readRapidStart(bytes);
      expect(parsed).toMatchObject({ code: "C1", packageName: "P" });
      expect(parsed.tables).toEqual([
        {
          tableId: 3,
          elementName: "PaymentTermsList",
          parentTableId: 0,
          records: [{ fields: [{ name: "Code", value: "7D" }] }],
        },
      ]);
    }
  });

  it("throws RapidStartFileError for bytes that are not a package", () => {
    expect(() => readRapidStart(Buffer.from("x"))).toThrow(RapidStartFileError);
    const truncated = packRapidStart(example("cronus-setup.xml")).subarray(0, 100);
    expect(() => readRapidStart(truncated)).toThrow(RapidStartFileError);
  });
});

describe("RapidStart round trip", () => {
  const spec = {
    code: "rt.pkg",
    packageName: 'Round <trip> & "quotes"',
    languageId: 1033,
    tables: [
      {
        tableId: 3,
        tableName: "Payment Terms",
        records: [
          { Code: "7D", "Due Date Calculation": "7D", Description: "Net 7 & more" },
          { Code: "14D", "Due Date Calculation": "14D", Description: "" },
        ],
      },
      { tableId: 4, tableName: "Currency", parentTableId: 3, records: [] },
    ],
  };

  it("reads back what it writes: package attributes, tables, records and escaped text", () => {
    const bytes = packRapidStart(buildPackageXml(spec));
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(unpackRapidStart(bytes).startsWith('<?xml version="1.0" encoding="UTF-16"')).toBe(true);
    const parsed = readRapidStart(bytes);
    expect(parsed).toMatchObject({ code: "RT.PKG", packageName: spec.packageName, languageId: 1033 });
    expect(parsed.tables.map((t) => [t.tableId, t.elementName, t.parentTableId, t.records.length])).toEqual([
      [3, "PaymentTermsList", 0, 2],
      [4, "CurrencyList", 3, 0],
    ]);
    expect(parsed.tables[0].records[0].fields).toEqual([
      { name: "Code", value: "7D" },
      { name: "DueDateCalculation", value: "7D" },
      { name: "Description", value: "Net 7 & more" },
    ]);
  });

  it("selects records by the table name the caller's metadata gives, as BC does", () => {
    const xml =
      "<DataList Code='X'><Odd><TableID>3</TableID><PaymentTerms><Code>A</Code></PaymentTerms><Other><Code>B</Code></Other></Odd></DataList>";
    const byMetadata = readPackageXml(xml, { tableName: (id) => (id === 3 ? "Payment Terms" : undefined) });
    expect(byMetadata.tables[0].records).toEqual([{ fields: [{ name: "Code", value: "A" }] }]);
    // Without metadata and without a `…List` name, the first non-metadata child names the records.
    expect(readPackageXml(xml).tables[0].records).toEqual([{ fields: [{ name: "Code", value: "A" }] }]);
  });
});

describe("RapidStart malformed input", () => {
  it.each([
    ["not gzip", Buffer.from("plain text, long enough"), "unsupported compression method"],
    [
      "gzip with a damaged body",
      Buffer.concat([gzipSync("<DataList/>").subarray(0, 12), Buffer.alloc(20, 7)]),
      "Found invalid data while decoding.",
    ],
    ["not XML", gzipSync("this is not XML"), "Data at the root level is invalid. Line 1, position 1."],
    ["empty XML", gzipSync(""), "Root element is missing."],
    ["another root element", packRapidStart('<Package Code="WRONG"/>'), "not a valid RapidStart package file"],
    [
      "a root attribute that is not an integer",
      packRapidStart('<DataList Code="X" LanguageID="abc"/>'),
      'The value "abc" can\'t be evaluated into type Integer.',
    ],
  ])("%s ⇒ RapidStartFileError with BC's message", (_what, bytes, message) => {
    expect(() => readRapidStart(bytes)).toThrow(RapidStartFileError);
    expect(() => readRapidStart(bytes)).toThrow(message);
  });

  it("refuses a package whose declared size is absurd before inflating it", () => {
    const bytes = Buffer.from(gzipSync("<DataList/>"));
    bytes.writeUInt32LE(0xffffffff, bytes.length - 4);
    expect(() => readRapidStart(bytes)).toThrow("Stream was too long.");
  });

  it("decodes every byte-order mark, and big-endian text of odd length without throwing", () => {
    const text = "<DataList/>";
    expect(decodeXmlText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]))).toBe(text);
    const be = Buffer.from(text, "utf16le").swap16();
    expect(decodeXmlText(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe(text);
    expect(decodeXmlText(Buffer.concat([Buffer.from([0xfe, 0xff]), be, Buffer.from([0x3e])]))).toBe(text);
    expect(decodeXmlText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toBe(text);
    expect(decodeXmlText(be)).toBe(text);
  });
});
