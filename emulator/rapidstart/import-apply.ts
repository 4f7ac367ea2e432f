import type { ConfigurationPackageState, ImportedTableState } from "../state/model";
import { elementName, type ParsedPackage, type ParsedTable, RapidStartFileError } from "../../formats/rapidstart";
import { blankKeyError, checkFieldValue } from "./field-values";
import { parseRapidStart } from "./package-file";
import { isSystemTable, knownTable, tableExists } from "./tables";

/**
 * What the background codeunits 5432 "Automation - Import RSPackage" and 5433 "Automation - Apply RSPackage" do to
 * a configuration package, reduced to the counts the API shows (numberOfTables/Records/Errors;
 * https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis).
 *
 * Import (ImportPackageXMLDocument with the package's code):
 * - the file must gunzip to a `<DataList>` package; otherwise importStatus `Error` with the reason in importError;
 * - the code in the file must equal the package's code (switch `rapidStartCodeMismatch`, default "error");
 * - PackageName and ProductVersion are overwritten from the file, LanguageID/ProcessingOrder/ExcludeConfigTables
 *   when present;
 * - tables are added (a table already in the package keeps its metadata) and records are appended: BC numbers new
 *   records after the last one, so importing the same file twice doubles numberOfRecords;
 * - value errors found while importing (a Code/Text value longer than the field, a value that is not a valid
 *   Decimal/Integer/Boolean/Date/DateFormula/option) become Config. Package Errors, one per value; a table that does
 *   not exist gets one record and one error (see ./tables.ts). Import still ends `Completed`.
 *
 * Apply (Config. Package Management.ApplyPackage):
 * - nothing to do when the package has no tables or no records (stays as it is, `Completed`);
 * - package errors are cleared, then each record is applied: records with a bad value, a blank NotBlank key or a
 *   missing table fail and get one error each, every other record is applied and **removed from the package**, so
 *   after a clean apply numberOfRecords is 0 and numberOfErrors 0; `Completed` even when errors were recorded;
 * - a table whose `ParentTableID` names a table that is not in the package makes the whole apply fail
 *   (`Error`, applyError "The Config. Package Table does not exist. Identification fields and values: …"), after
 *   the independent tables recorded their errors — this is the documented way to force an apply failure.
 */

const MAX_ERROR_TEXT = 2048;
const MAX_PACKAGE_ERROR_TEXT = 250;
const KEPT_MESSAGES = 10;

export type ImportResult = { ok: true } | { ok: false; message: string };

/** Runs an import of `bytes` into `pkg` (counts and package fields); returns the error that stopped it, if any. */
export function importIntoPackage(
  pkg: ConfigurationPackageState,
  bytes: Buffer,
  codeMismatch: "error" | "force",
): ImportResult {
  let parsed: ParsedPackage;
  try {
    parsed = parseRapidStart(bytes);
    if (codeMismatch === "error" && parsed.code !== pkg.code) {
      throw new RapidStartFileError(
        "The package code specified on the configuration package must be the same as the package name in the imported package.",
      );
    }
  } catch (err) {
    // Like failure codeunit 5434: whatever stopped the import becomes importError (Text[2048]).
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, message: message.slice(0, MAX_ERROR_TEXT) };
  }
  pkg.packageName = (parsed.packageName ?? "").slice(0, 50);
  pkg.productVersion = (parsed.productVersion ?? "").slice(0, 248);
  if (parsed.languageId !== undefined) pkg.languageId = parsed.languageId;
  if (parsed.processingOrder !== undefined) pkg.processingOrder = parsed.processingOrder;
  if (parsed.excludeConfigTables !== undefined) pkg.excludeConfigurationTables = parsed.excludeConfigTables;
  for (const table of parsed.tables) importTable(pkg, table);
  recount(pkg);
  return { ok: true };
}

function importTable(pkg: ConfigurationPackageState, parsed: ParsedTable) {
  let table = pkg.importedTables.find((t) => t.tableId === parsed.tableId);
  if (!table) {
    table = {
      tableId: parsed.tableId,
      tableName: knownTable(parsed.tableId)?.name ?? parsed.elementName.replace(/List$/, ""),
      records: 0,
      errors: 0,
      parentTableId: parsed.parentTableId,
      failingRecords: 0,
      errorMessages: [],
    };
    pkg.importedTables.push(table);
  }
  if (!tableExists(parsed.tableId)) {
    const message = `An error occurred while importing the ${parsed.tableId} table. The table does not exist in the database.`;
    table.records += 1;
    table.errors += 1;
    addFailure(table, message);
    keep(table, message);
    return;
  }
  if (isSystemTable(parsed.tableId) || !hasData(parsed)) return;
  // BC includes the fields present in the first record element.
  const included = new Set(parsed.records[0]?.fields.map((f) => f.name) ?? []);
  const known = knownTable(parsed.tableId);
  for (const record of parsed.records) {
    table.records += 1;
    const values = new Map(record.fields.filter((f) => included.has(f.name)).map((f) => [f.name, f.value]));
    const problems: string[] = [];
    for (const field of known?.fields ?? []) {
      const value = values.get(elementName(field.name));
      if (value === undefined) continue;
      const problem = checkFieldValue(known!, field, value);
      if (problem) problems.push(problem.slice(0, MAX_PACKAGE_ERROR_TEXT));
    }
    table.errors += problems.length;
    for (const problem of problems) keep(table, problem);
    const blankKey = known?.fields.find((f) => f.notBlank && (values.get(elementName(f.name)) ?? "") === "");
    if (problems.length > 0) addFailure(table, problems[0]);
    else if (blankKey) addFailure(table, blankKeyError(known!, blankKey));
  }
}

/** BC imports a table's records only when some record has a non-empty value. */
function hasData(table: ParsedTable): boolean {
  return table.records.some((r) => r.fields.some((f) => f.value !== ""));
}

export type ApplyResult = { ok: true } | { ok: false; message: string };

/** Applies the imported records of `pkg` (see the module comment). */
export function applyPackage(pkg: ConfigurationPackageState): ApplyResult {
  const totalRecords = pkg.importedTables.reduce((n, t) => n + t.records, 0);
  if (pkg.importedTables.length === 0 || totalRecords === 0) return { ok: true };
  for (const table of pkg.importedTables) {
    table.errors = 0;
    table.errorMessages = [];
  }
  const independent = pkg.importedTables.filter((t) => !t.parentTableId);
  const recordsBefore = new Map(independent.map((t) => [t, t.records]));
  for (const table of independent) applyTable(table);
  const orphan = pkg.importedTables.find(
    (t) => t.parentTableId && !pkg.importedTables.some((p) => p.tableId === t.parentTableId),
  );
  if (orphan) {
    // The independent tables' errors were committed; removing their applied records is rolled back with the failure.
    for (const table of independent) table.records = recordsBefore.get(table) ?? table.records;
    recount(pkg);
    return {
      ok: false,
      message: `The Config. Package Table does not exist. Identification fields and values: Package Code='${pkg.code}',Table ID='${orphan.parentTableId}'`,
    };
  }
  for (const table of pkg.importedTables.filter((t) => t.parentTableId)) applyTable(table);
  recount(pkg);
  return { ok: true };
}

/** Failing records stay with one error each; the others are applied and removed from the package. */
function applyTable(table: ImportedTableState) {
  const failing = Math.min(table.failingRecords ?? 0, table.records);
  const messages = table.failureMessages ?? [];
  table.errors = failing;
  table.errorMessages = messages.slice(0, Math.min(failing, KEPT_MESSAGES));
  table.records = failing;
  table.failingRecords = failing;
}

function addFailure(table: ImportedTableState, message: string) {
  table.failingRecords = (table.failingRecords ?? 0) + 1;
  table.failureMessages ??= [];
  if (table.failureMessages.length < KEPT_MESSAGES) table.failureMessages.push(message);
}

function keep(table: ImportedTableState, message: string) {
  table.errorMessages ??= [];
  if (table.errorMessages.length < KEPT_MESSAGES) table.errorMessages.push(message);
}

/** The FlowFields No. of Tables / No. of Records / No. of Errors. */
export function recount(pkg: ConfigurationPackageState) {
  pkg.numberOfTables = pkg.importedTables.length;
  pkg.numberOfRecords = pkg.importedTables.reduce((n, t) => n + t.records, 0);
  pkg.numberOfErrors = pkg.importedTables.reduce((n, t) => n + t.errors, 0);
}
