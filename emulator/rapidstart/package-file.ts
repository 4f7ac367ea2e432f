import { gunzipSync } from "fflate";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { elementName, TABLE_METADATA_ELEMENTS } from "./element-names";
import { knownTable } from "./tables";

/**
 * Reading `.rapidstart` files. The format, as `Config. XML Exchange` (codeunit 8614) writes it:
 *
 * - the file is the package XML compressed with GZip (`Config. Pckg. Compression Mgt.`), the XML itself being
 *   UTF-16 with `<?xml version="1.0" encoding="UTF-16" standalone="yes"?>`;
 * - the root element is `<DataList>` with the package as attributes: `Code`, `PackageName`, `ProductVersion`,
 *   `LanguageID`, `ProcessingOrder`, `ExcludeConfigTables`, `MinCountForAsyncImport`;
 * - one child element per table, named after the table plus `List` (`<PaymentTermsList>`), whose first child is
 *   `<TableID>`, followed by optional metadata (`<PageID>`, `<ParentTableID>`, `<SkipTableTriggers>`, …) and one
 *   element per record named after the table (`<PaymentTerms>`), holding one element per field
 *   (`<DueDateCalculation>`); the first record's field elements carry `PrimaryKey="1"`, `ValidateField="1"`, … .
 *
 * Any failure is a `RapidStartFileError` whose message becomes the package's `importError`.
 */
export class RapidStartFileError extends Error {}

export interface ParsedPackage {
  /** Package code from the root's `Code` attribute, upper-cased and cut to Code[20] as BC's GetPackageCode does. */
  code: string;
  /** Root attributes (absent attributes are undefined, as BC skips them). */
  packageName?: string;
  productVersion?: string;
  languageId?: number;
  processingOrder?: number;
  excludeConfigTables?: boolean;
  tables: ParsedTable[];
}

export interface ParsedTable {
  tableId: number;
  /** The table element's name, e.g. `PaymentTermsList`. */
  elementName: string;
  /** `ParentTableID` metadata (0 = none). */
  parentTableId: number;
  records: ParsedRecord[];
}

/** One record element: its field elements in document order (name ⇒ inner text). */
export interface ParsedRecord {
  fields: { name: string; value: string }[];
}

/** Largest decompressed package the emulator accepts (BC's file limit is 350 MB of compressed upload). */
const MAX_XML_BYTES = 512 * 1024 * 1024;

/** Decompresses and parses a `.rapidstart` file. Throws `RapidStartFileError` for anything that is not a package. */
export function parseRapidStart(bytes: Buffer): ParsedPackage {
  return parsePackageXml(decodeXmlText(gunzip(bytes)));
}

/** GZip decompression with .NET's GZipStream messages (BC decompresses with it). */
export function gunzip(bytes: Buffer): Buffer {
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b || bytes[2] !== 8) {
    throw new RapidStartFileError("The archive entry was compressed using an unsupported compression method.");
  }
  if (bytes.readUInt32LE(bytes.length - 4) > MAX_XML_BYTES) throw new RapidStartFileError("Stream was too long.");
  try {
    return Buffer.from(gunzipSync(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)));
  } catch {
    throw new RapidStartFileError("Found invalid data while decoding.");
  }
}

/** Decodes XML bytes by their byte-order mark (BC writes UTF-16LE with a BOM); without one, UTF-16 is sniffed. */
export function decodeXmlText(xml: Buffer): string {
  if (xml[0] === 0xff && xml[1] === 0xfe) return xml.subarray(2).toString("utf16le");
  if (xml[0] === 0xfe && xml[1] === 0xff) return Buffer.from(xml.subarray(2)).swap16().toString("utf16le");
  if (xml[0] === 0xef && xml[1] === 0xbb && xml[2] === 0xbf) return xml.subarray(3).toString("utf8");
  if (xml.length >= 2 && xml.length % 2 === 0 && xml[0] === 0x3c && xml[1] === 0) return xml.toString("utf16le");
  if (xml.length >= 2 && xml.length % 2 === 0 && xml[0] === 0 && xml[1] === 0x3c) {
    return Buffer.from(xml).swap16().toString("utf16le");
  }
  return xml.toString("utf8");
}

// fast-xml-parser's `preserveOrder` output: each node is `{ <tag>: children, ":@"?: attributes }` or `{ "#text": … }`.
type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
});

/** Parses package XML text (as BC's XmlDocument.ReadFrom would, with .NET's messages for malformed XML). */
export function parsePackageXml(text: string): ParsedPackage {
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") throw new RapidStartFileError("Root element is missing.");
  const verdict = XMLValidator.validate(body);
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    if (!body.trimStart().startsWith("<")) {
      throw new RapidStartFileError("Data at the root level is invalid. Line 1, position 1.");
    }
    throw new RapidStartFileError(`${msg} Line ${line ?? 1}, position ${col ?? 1}.`);
  }
  let nodes: XmlNode[];
  try {
    nodes = parser.parse(body) as XmlNode[];
  } catch (err) {
    throw new RapidStartFileError(err instanceof Error ? err.message : String(err));
  }
  const root = nodes.find((n) => tagOf(n) !== undefined && !tagOf(n)!.startsWith("?") && !tagOf(n)!.startsWith("!"));
  if (!root) throw new RapidStartFileError("Root element is missing.");
  if (tagOf(root) !== "DataList") {
    throw new RapidStartFileError(
      "The specified file could not be imported because it is not a valid RapidStart package file.",
    );
  }
  const attributes = (root[":@"] ?? {}) as Record<string, string>;
  const attr = (name: string) => attributes[elementName(name)];
  return {
    code: (attr("Code") ?? "").slice(0, 20).toUpperCase(),
    packageName: attr("Package Name"),
    productVersion: attr("Product Version"),
    languageId: optionalInteger(attr("Language ID")),
    processingOrder: optionalInteger(attr("Processing Order")),
    excludeConfigTables: optionalBoolean(attr("Exclude Config. Tables")),
    tables: childElements(root).flatMap((node) => {
      const table = parseTable(node);
      return table ? [table] : [];
    }),
  };
}

/** A table element whose first child is a table number; anything else is skipped (as BC skips it). */
function parseTable(node: XmlNode): ParsedTable | undefined {
  const children = significantChildren(node);
  const first = children[0];
  if (!first) return undefined;
  const tableIdText = innerText(first);
  if (!/^[+-]?\d+$/.test(tableIdText)) return undefined;
  const tableId = Number(tableIdText);
  if (tableId <= 0 || tableId > 2147483647) return undefined;
  const name = tagOf(node)!;
  const elements = childElements(node);
  const parentText = elements.find((e) => tagOf(e) === elementName("Parent Table ID"));
  const recordName = recordElementName(tableId, name, elements);
  return {
    tableId,
    elementName: name,
    parentTableId: parentText ? (optionalInteger(innerText(parentText)) ?? 0) : 0,
    records: elements
      .filter((e) => tagOf(e) === recordName && significantChildren(e).length > 0)
      .map((e) => ({ fields: childElements(e).map((f) => ({ name: tagOf(f)!, value: innerText(f) })) })),
  };
}

/**
 * BC selects records by the element name of the table's name from its metadata. For tables the emulator does
 * not know, the name is the table element's name without `List`, else the first non-metadata child.
 */
function recordElementName(tableId: number, tableElement: string, elements: XmlNode[]): string | undefined {
  const known = knownTable(tableId);
  if (known) return elementName(known.name);
  if (tableElement.endsWith("List") && tableElement.length > 4) return tableElement.slice(0, -4);
  return elements.map(tagOf).find((tag) => tag !== undefined && !TABLE_METADATA_ELEMENTS.has(tag));
}

function tagOf(node: XmlNode): string | undefined {
  return Object.keys(node).find((k) => k !== ":@");
}

function childrenOf(node: XmlNode): XmlNode[] {
  const tag = tagOf(node);
  const value = tag === undefined ? undefined : node[tag];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

/** Children without whitespace-only text, which BC removes before reading a package. */
function significantChildren(node: XmlNode): XmlNode[] {
  return childrenOf(node).filter((c) => !(tagOf(c) === "#text" && String(c["#text"]).trim() === ""));
}

function childElements(node: XmlNode): XmlNode[] {
  return childrenOf(node).filter((c) => {
    const tag = tagOf(c);
    return tag !== undefined && tag !== "#text" && !tag.startsWith("?") && !tag.startsWith("#");
  });
}

/** XmlElement.InnerText: all descendant text (whitespace-only text nodes dropped as BC does). */
function innerText(node: XmlNode): string {
  if (tagOf(node) === "#text") {
    const text = String(node["#text"]);
    return text.trim() === "" ? "" : text;
  }
  return childrenOf(node).map(innerText).join("");
}

/** AL `Evaluate(Integer, …)`; a failure stops the import with AL's evaluation message. */
function optionalInteger(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^[+-]?\d+$/.test(value.trim()) || Math.abs(Number(value)) > 2147483647) {
    throw new RapidStartFileError(`The value "${value}" can't be evaluated into type Integer.`);
  }
  return Number(value);
}

/** AL `Evaluate(Boolean, …)`. */
function optionalBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  if (/^(1|true|yes)$/i.test(value.trim())) return true;
  if (/^(0|false|no)$/i.test(value.trim())) return false;
  throw new RapidStartFileError(`The value "${value}" can't be evaluated into type Boolean.`);
}
