/**
 * Reading RapidStart package XML, the format `Config. XML Exchange` (codeunit 8614) writes:
 *
 * - the root element is `<DataList>` with the package as attributes: `Code`, `PackageName`, `ProductVersion`,
 *   `LanguageID`, `ProcessingOrder`, `ExcludeConfigTables`, `MinCountForAsyncImport`;
 * - one child element per table, named after the table plus `List` (`<PaymentTermsList>`), whose first child is
 *   `<TableID>`, followed by optional metadata (`<PageID>`, `<ParentTableID>`, `<SkipTableTriggers>`, …) and one
 *   element per record named after the table (`<PaymentTerms>`), holding one element per field
 *   (`<DueDateCalculation>`); the first record's field elements carry `PrimaryKey="1"`, `ValidateField="1"`, … .
 *
 * Any failure is a `RapidStartFileError` whose message is what BC reports.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { elementName, TABLE_METADATA_ELEMENTS } from "./element-names";
import { RapidStartFileError, unpackRapidStart } from "./file";

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

/** What the reader needs from the environment's table metadata. */
export interface ReadPackageOptions {
  /**
   * BC's name of a table ("Payment Terms"): BC selects a table's records by the element name of that name. When
   * unknown, the table element's name without `List` is used, else its first non-metadata child.
   */
  tableName?: (tableId: number) => string | undefined;
}

/** Parses package XML text (as BC's XmlDocument.ReadFrom would, with .NET's messages for malformed XML). */
export function readPackageXml(text: string, options: ReadPackageOptions = {}): ParsedPackage {
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
      const table = parseTable(node, options);
      return table ? [table] : [];
    }),
  };
}

/** A table element whose first child is a table number; anything else is skipped (as BC skips it). */
function parseTable(node: XmlNode, options: ReadPackageOptions): ParsedTable | undefined {
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
  const recordName = recordElementName(options.tableName?.(tableId), name, elements);
  return {
    tableId,
    elementName: name,
    parentTableId: parentText ? (optionalInteger(innerText(parentText)) ?? 0) : 0,
    records: elements
      .filter((e) => tagOf(e) === recordName && significantChildren(e).length > 0)
      .map((e) => ({ fields: childElements(e).map((f) => ({ name: tagOf(f)!, value: innerText(f) })) })),
  };
}

function recordElementName(
  tableName: string | undefined,
  tableElement: string,
  elements: XmlNode[],
): string | undefined {
  if (tableName !== undefined) return elementName(tableName);
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

/** Unpacks and reads `.rapidstart` bytes. Throws RapidStartFileError for anything that is not a package. */
export function readRapidStart(bytes: Buffer, options: ReadPackageOptions = {}): ParsedPackage {
  return readPackageXml(unpackRapidStart(bytes), options);
}
