import { BcError, dialog } from "../../errors";
import { applyPackage, importIntoPackage } from "../../rapidstart";
import type { CompanyState, ConfigurationPackageState, RapidStartStatus } from "../../state/model";
import type { AutomationContext, EntitySetDef, Parent } from "../entity";
import type { ClockStep, EnvironmentTicker } from "../../domain/clock-step";
import { uniqueKey } from "./unique-key";

/**
 * Page 30000 "APIV2 - Aut. Config. Packages" (table 8623 "Config. Package") and its part page 30057
 * "APIV2 - Aut. Conf. Pack. File" (table 5433 "Tenant Config. Package File");
 * https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis.
 *
 * import/apply only schedule work, as BC's TaskScheduler does (`NotBefore = now + 200 ms`): the status goes
 * Scheduled → InProgress → Completed | Error. BC advances in the background; the emulator advances lazily in a
 * clock step that runs before every request, comparing the clock to the timeline stored on the row. A client cannot
 * tell the difference. A row whose status is Scheduled/InProgress without a timeline (e.g. set through the
 * control plane) stays pending forever, like a stuck task. What import and apply do lives in ../../rapidstart.
 */

const STATUSES: readonly RapidStartStatus[] = ["No", "Scheduled", "InProgress", "Completed", "Error"];

const ERR_IMPORT_PENDING = "Cannot import a package while import or apply is in progress.";
const ERR_APPLY_PENDING = "Cannot apply a package while import or apply is in progress.";
const ERR_NOT_IMPORTED = "Import Status is not completed. You must import the package before you apply it.";
const ERR_NO_FILE = "Please upload a Rapid Start File, before running the import.";
const ERR_NO_CODE_FILTER =
  "You must specify a Configuration Package Code before uploading a Configuration Package File.";

/** A row of the `file` part: the package's Tenant Config. Package File (same code; content kept on the package). */
interface PackageFileRow {
  pkg: ConfigurationPackageState;
}

/** Page 30057: keyed by `code`; listing it needs a code filter (its OnFindRecord raises otherwise). */
export const configurationPackageFileSet: EntitySetDef<PackageFileRow> = {
  entitySet: "file",
  entityType: "file",
  page: "APIV2 - Aut. Conf. Pack. File",
  keys: [{ name: "code", type: "string" }],
  fields: { code: { type: "string" } },
  list(_ctx, parent, filterText) {
    // Key lookups arrive as `code eq '…'`; a `$filter` on code counts too (the router applies it afterwards).
    if (!filterText || !/\bcode\b/i.test(filterText)) throw dialog(ERR_NO_CODE_FILTER);
    return [{ pkg: packageOf(parent) }];
  },
  keyOf: (row) => ({ code: row.pkg.code }),
  rev: (row) => row.pkg.fileRev ?? 1,
  toWire: (row) => ({ code: row.pkg.code }),
  media: {
    content: {
      read: (_ctx, row) => Buffer.from(row.pkg.fileContentBase64, "base64"),
      write(_ctx, row, bytes) {
        row.pkg.fileContentBase64 = bytes.toString("base64");
        row.pkg.fileRev = (row.pkg.fileRev ?? 1) + 1;
      },
    },
  },
};

export const configurationPackagesSet: EntitySetDef<ConfigurationPackageState> = {
  entitySet: "configurationPackages",
  entityType: "configurationPackage",
  page: "APIV2 - Aut. Config. Packages",
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    code: { type: "string", editable: true, code: true, maxLength: 20, notBlank: true },
    packageName: { type: "string", editable: true, maxLength: 50 },
    languageId: { type: "int", editable: true },
    productVersion: { type: "string", editable: true, maxLength: 248 },
    processingOrder: { type: "int", editable: true },
    excludeConfigurationTables: { type: "bool", editable: true },
    numberOfTables: { type: "int" },
    numberOfRecords: { type: "int" },
    numberOfErrors: { type: "int" },
    importStatus: { type: "enum", enumValues: STATUSES },
    importError: { type: "string" },
    applyStatus: { type: "enum", enumValues: STATUSES },
    applyError: { type: "string" },
  },
  navigations: { file: configurationPackageFileSet },
  // The table's primary key is Code, so that is the page's natural order.
  list: (ctx) => [...companyOf(ctx).configurationPackages].sort((a, b) => compareCodes(a.code, b.code)),
  keyOf: (row) => ({ id: row.id }),
  rev: (row) => row.rev,
  toWire: (row) => ({
    id: row.id,
    code: row.code,
    packageName: row.packageName,
    languageId: row.languageId,
    productVersion: row.productVersion,
    processingOrder: row.processingOrder,
    excludeConfigurationTables: row.excludeConfigurationTables,
    numberOfTables: row.numberOfTables,
    numberOfRecords: row.numberOfRecords,
    numberOfErrors: row.numberOfErrors,
    importStatus: row.importStatus,
    importError: row.importError,
    applyStatus: row.applyStatus,
    applyError: row.applyError,
  }),
  insert(ctx, body) {
    const company = companyOf(ctx);
    const code = String(body.code);
    ensureCodeFree(ctx, company, code);
    // OnInsertRecord: both statuses No, and an empty Tenant Config. Package File row with the same code.
    const pkg: ConfigurationPackageState = {
      rev: 1,
      id: ctx.newGuid(),
      code,
      packageName: String(body.packageName ?? ""),
      languageId: Number(body.languageId ?? 0),
      productVersion: String(body.productVersion ?? ""),
      processingOrder: Number(body.processingOrder ?? 0),
      excludeConfigurationTables: Boolean(body.excludeConfigurationTables ?? false),
      numberOfTables: 0,
      numberOfRecords: 0,
      numberOfErrors: 0,
      importStatus: "No",
      importError: "",
      applyStatus: "No",
      applyError: "",
      fileContentBase64: "",
      fileRev: 1,
      importedTables: [],
    };
    company.configurationPackages.push(pkg);
    return pkg;
  },
  modify(ctx, row, body) {
    if (body.code !== undefined && body.code !== row.code) {
      // Renaming the record: the file row and the imported package data follow the new code.
      ensureCodeFree(ctx, companyOf(ctx), String(body.code));
      row.code = String(body.code);
    }
    if (body.packageName !== undefined) row.packageName = String(body.packageName);
    if (body.languageId !== undefined) row.languageId = Number(body.languageId);
    if (body.productVersion !== undefined) row.productVersion = String(body.productVersion);
    if (body.processingOrder !== undefined) row.processingOrder = Number(body.processingOrder);
    if (body.excludeConfigurationTables !== undefined) {
      row.excludeConfigurationTables = Boolean(body.excludeConfigurationTables);
    }
    row.rev += 1;
  },
  remove(ctx, row) {
    // Table OnDelete removes the package tables, records, errors and the package file with it.
    const packages = companyOf(ctx).configurationPackages;
    packages.splice(packages.indexOf(row), 1);
  },
  actions: {
    import(ctx, row) {
      if (isPending(row)) throw dialog(ERR_IMPORT_PENDING);
      if (row.fileContentBase64 === "") throw dialog(ERR_NO_FILE);
      row.importStatus = "Scheduled";
      row.importTimeline = timeline(ctx);
      row.rev += 1;
      return { kind: "Updated" };
    },
    apply(ctx, row) {
      if (isPending(row)) throw dialog(ERR_APPLY_PENDING);
      if (row.importStatus !== "Completed") throw dialog(ERR_NOT_IMPORTED);
      row.applyStatus = "Scheduled";
      row.applyTimeline = timeline(ctx);
      row.rev += 1;
      return { kind: "Updated" };
    },
  },
};

function isPending(row: ConfigurationPackageState): boolean {
  const pending = (s: RapidStartStatus) => s === "Scheduled" || s === "InProgress";
  return pending(row.importStatus) || pending(row.applyStatus);
}

/** Scheduled until `startAt` (the task's NotBefore), InProgress until `finishAt`. */
function timeline(ctx: AutomationContext) {
  const startAt = ctx.now() + ctx.delays.rapidStartScheduledMs * ctx.timeScale;
  return { startAt, finishAt: startAt + ctx.delays.rapidStartRunMs * ctx.timeScale };
}

/** Advances the background import/apply of one package; true when the row changed. */
function advance(pkg: ConfigurationPackageState, step: ClockStep): boolean {
  const now = step.now;
  let changed = false;
  if (pkg.importTimeline) {
    if (pkg.importStatus === "Scheduled" && now >= pkg.importTimeline.startAt) {
      pkg.importStatus = "InProgress";
      pkg.importError = "";
      changed = true;
    }
    if (pkg.importStatus === "InProgress" && now >= pkg.importTimeline.finishAt) {
      const bytes = Buffer.from(pkg.fileContentBase64, "base64");
      const result = importIntoPackage(pkg, bytes, step.behaviour.rapidStartCodeMismatch);
      pkg.importStatus = result.ok ? "Completed" : "Error";
      pkg.importError = result.ok ? "" : result.message;
      pkg.importTimeline = undefined;
      changed = true;
    }
  }
  if (pkg.applyTimeline) {
    if (pkg.applyStatus === "Scheduled" && now >= pkg.applyTimeline.startAt) {
      pkg.applyStatus = "InProgress";
      pkg.applyError = "";
      changed = true;
    }
    if (pkg.applyStatus === "InProgress" && now >= pkg.applyTimeline.finishAt) {
      const result = applyPackage(pkg);
      pkg.applyStatus = result.ok ? "Completed" : "Error";
      // Failure codeunit 5434: the last error text, or its own text when there is none.
      pkg.applyError = result.ok ? "" : result.message.slice(0, 2048) || "Applying configuration package failed.";
      pkg.applyTimeline = undefined;
      changed = true;
    }
  }
  if (changed) pkg.rev += 1;
  return changed;
}

function failPending(pkg: ConfigurationPackageState, message: string) {
  if (pkg.importTimeline) {
    pkg.importStatus = "Error";
    pkg.importError = message.slice(0, 2048);
    pkg.importTimeline = undefined;
  } else if (pkg.applyTimeline) {
    pkg.applyStatus = "Error";
    pkg.applyError = message.slice(0, 2048) || "Applying configuration package failed.";
    pkg.applyTimeline = undefined;
  }
  pkg.rev += 1;
}

function companyOf(ctx: AutomationContext): CompanyState {
  if (!ctx.company) throw new BcError(404, "BadRequest_NotFound", "Bad Request - Error in query syntax.");
  return ctx.company;
}

function packageOf(parent: Parent | undefined): ConfigurationPackageState {
  return parent!.row as ConfigurationPackageState;
}

const checkPackageUnique = uniqueKey<Pick<ConfigurationPackageState, "code">>("Config. Package", [
  { caption: "Code", value: (p) => p.code },
]);

function ensureCodeFree(ctx: AutomationContext, company: CompanyState, code: string) {
  checkPackageUnique(ctx, company.configurationPackages, { code });
}

function compareCodes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The background import/apply tasks of every package in the environment. */
export const advancePackageTasks: EnvironmentTicker = (env, step) => {
  let changed = false;
  for (const company of env.companies) {
    for (const pkg of company.configurationPackages) {
      try {
        changed = advance(pkg, step) || changed;
      } catch (err) {
        // A background task that breaks ends in Error (as BC's failure codeunit does); requests keep working.
        failPending(pkg, err instanceof Error ? err.message : String(err));
        changed = true;
      }
    }
  }
  return changed;
};
