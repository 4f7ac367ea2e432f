/**
 * Writing RapidStart package XML from a description as data, in the shape `Config. XML Exchange` exports (pack it
 * with `packRapidStart` for a `.rapidstart` file). Used by `scripts/make-rapidstart.ts` and by tests that need
 * packages (generated on the fly rather than committed as binaries).
 */
import { escapeXml } from "../xml-text";
import { elementName } from "./element-names";
import { UTF16_DECLARATION } from "./file";

/** A package described as data; names are BC's table and field names ("Due Date Calculation"). */
export interface PackageSpec {
  code: string;
  packageName?: string;
  productVersion?: string;
  languageId?: number;
  excludeConfigTables?: boolean;
  tables: TableSpec[];
}

export interface TableSpec {
  tableId: number;
  /** BC table name: gives the `<…List>` and record element names. */
  tableName: string;
  pageId?: number;
  /** `ParentTableID` metadata; a parent missing from the package makes apply fail. */
  parentTableId?: number;
  /** Records as field name ⇒ value; the first record's fields are marked as in BC exports. */
  records: Record<string, string>[];
  /** Fields of the table's primary key (marked `PrimaryKey="1"`). Default: the first field. */
  primaryKey?: string[];
}

/** Renders a package as BC-style XML (pretty-printed, which BC accepts: whitespace-only text is ignored). */
export function buildPackageXml(spec: PackageSpec): string {
  const attrs: [string, string | undefined][] = [
    ["Min. Count For Async Import", "5"],
    ["Exclude Config. Tables", spec.excludeConfigTables === false ? undefined : "1"],
    ["Language ID", spec.languageId === undefined ? undefined : String(spec.languageId)],
    ["Product Version", spec.productVersion ?? ""],
    ["Package Name", spec.packageName ?? spec.code],
    ["Code", spec.code],
  ];
  const rootAttrs = attrs
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${elementName(k)}="${escapeXml(v!)}"`)
    .join("");
  const lines = [UTF16_DECLARATION, `<DataList${rootAttrs}>`];
  for (const table of spec.tables) {
    const listName = elementName(`${table.tableName}List`);
    const recordName = elementName(table.tableName);
    lines.push(`  <${listName}>`, `    <TableID>${table.tableId}</TableID>`);
    if (table.pageId !== undefined) lines.push(`    <PageID>${table.pageId}</PageID>`);
    if (table.parentTableId !== undefined) lines.push(`    <ParentTableID>${table.parentTableId}</ParentTableID>`);
    table.records.forEach((record, index) => {
      const keys = table.primaryKey ?? Object.keys(record).slice(0, 1);
      lines.push(`    <${recordName}>`);
      for (const [field, value] of Object.entries(record)) {
        const name = elementName(field);
        const marks = index === 0 && keys.includes(field) ? ' PrimaryKey="1"' : "";
        lines.push(`      <${name}${marks}>${escapeXml(value)}</${name}>`);
      }
      lines.push(`    </${recordName}>`);
    });
    lines.push(`  </${listName}>`);
  }
  lines.push("</DataList>", "");
  return lines.join("\n");
}
