import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { z } from "zod";
import type { ConfigurationPackage } from "../automation/schemas";
import { isNotFound } from "../errors";
import { OperationFailedError } from "../polling";
import { connectionFor, progress } from "./context";
import { type ChangeKind, diffByTable } from "./diff";
import { PartialFailure, type ResourceHandler } from "./handler";
import {
  checkInputs,
  code,
  connectionFields,
  containsUnknown,
  guid,
  parseDuration,
  UNKNOWN,
  userInputs,
} from "./inputs";

const RESOURCE = "ConfigurationPackage";
const DEFAULT_TIMEOUT_MS = 30 * 60_000;
const PENDING = ["Scheduled", "InProgress"];

const shape = {
  ...connectionFields,
  companyId: guid("id of the company the package belongs to (e.g. company.companyId)"),
  code: code(20),
  packageName: z.string().trim().min(1, "must not be empty").max(50, "must be at most 50 characters (BC Text[50])"),
  languageId: z
    .number()
    .int("must be a whole number")
    .min(0, "must be 0 or a Windows language id like 1033")
    .optional(),
  filePath: z.string().min(1, "is required"),
  apply: z.boolean().optional(),
  allowRowErrors: z.boolean().optional(),
};

/**
 * How each input change is applied (docs/resources/configuration-package.md). `fileSha256` is computed by check
 * from the file, so the content (not the path) decides; `filePath` itself never causes a diff.
 */
export const CONFIGURATION_PACKAGE_DIFF: Record<string, ChangeKind> = {
  companyId: "replace",
  code: "replace",
  environment: "replace",
  fileSha256: "update",
  apply: "update",
  packageName: "update",
  languageId: "update",
  filePath: "ignore",
  allowRowErrors: "ignore",
  adopt: "ignore",
  timeouts: "ignore",
};

/** The outputs that are not inputs (stripped again when read returns the inputs). */
const OUTPUT_ONLY = [
  "packageId",
  "numberOfTables",
  "numberOfRecords",
  "numberOfErrors",
  "importStatus",
  "applyStatus",
  "importError",
  "applyError",
] as const;

function outputs(inputs: Record<string, unknown>, pkg: ConfigurationPackage, environment: string) {
  return {
    ...inputs,
    packageId: pkg.id,
    code: pkg.code,
    numberOfTables: pkg.numberOfTables,
    numberOfRecords: pkg.numberOfRecords,
    numberOfErrors: pkg.numberOfErrors,
    importStatus: pkg.importStatus,
    applyStatus: pkg.applyStatus,
    importError: pkg.importError ?? "",
    applyError: pkg.applyError ?? "",
    environment,
  };
}

/** SHA-256 (hex) of the package file, or a check failure on `file` naming the path. */
function hashFile(filePath: string): { sha: string } | { reason: string } {
  if (!isAbsolute(filePath)) {
    return { reason: `must resolve to an absolute path (got '${filePath}'); pass a path or a pulumi.asset.FileAsset` };
  }
  try {
    return { sha: createHash("sha256").update(readFileSync(filePath)).digest("hex") };
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === "ENOENT"
        ? "does not exist"
        : `cannot be read (${(err as Error).message})`;
    return { reason: `the package file '${filePath}' ${why}; point file at an existing .rapidstart file` };
  }
}

function timeoutOf(inputs: Record<string, unknown>, op: "create" | "update"): number {
  const value = (inputs.timeouts as Record<string, string> | undefined)?.[op];
  return (value ? parseDuration(value) : undefined) ?? DEFAULT_TIMEOUT_MS;
}

interface Run {
  automation: ReturnType<typeof connectionFor>["automation"];
  companyId: string;
  id: string;
  code: string;
  inputs: Record<string, unknown>;
  deadline: number;
}

const remaining = (run: Run) => Math.max(1_000, run.deadline - Date.now());

async function waitPhase(run: Run, phase: "import" | "apply"): Promise<ConfigurationPackage> {
  try {
    return await run.automation.configurationPackages.waitFor(run.companyId, run.id, phase, {
      timeoutMs: remaining(run),
      onProgress: (line) => progress(RESOURCE, line),
    });
  } catch (err) {
    if (err instanceof OperationFailedError && err.last) {
      const pkg = err.last as ConfigurationPackage;
      const reported = phase === "import" ? pkg.importError : pkg.applyError;
      throw new StepFailed(
        `The ${phase} of configuration package ${run.code} ended with status Error. Business Central reported: ${reported || "(no message)"}`,
        pkg,
      );
    }
    throw err;
  }
}

/** A step failed after the package record exists: becomes a PartialFailure carrying the package state. */
class StepFailed extends Error {
  constructor(
    message: string,
    readonly pkg?: ConfigurationPackage,
  ) {
    super(message);
  }
}

/** Upload the file, import it, restore the input name/language (import overwrites them from the file). */
async function uploadAndImport(run: Run): Promise<ConfigurationPackage> {
  const filePath = String(run.inputs.filePath);
  const bytes = readFileSync(filePath);
  progress(RESOURCE, `uploading ${filePath} (${bytes.length} bytes) to package ${run.code}`);
  await run.automation.configurationPackages.uploadFile(run.companyId, run.id, run.code, bytes);
  progress(RESOURCE, `importing package ${run.code}`);
  await run.automation.configurationPackages.import(run.companyId, run.id);
  let pkg = await waitPhase(run, "import");
  progress(
    RESOURCE,
    `imported ${run.code}: ${pkg.numberOfTables} tables, ${pkg.numberOfRecords} records, ${pkg.numberOfErrors} errors`,
  );
  const patch = inputPatch(pkg, run.inputs);
  if (patch) pkg = await run.automation.configurationPackages.update(run.companyId, run.id, patch, "*");
  return pkg;
}

async function applyPackage(run: Run): Promise<ConfigurationPackage> {
  progress(RESOURCE, `applying package ${run.code}`);
  await run.automation.configurationPackages.apply(run.companyId, run.id);
  const pkg = await waitPhase(run, "apply");
  progress(RESOURCE, `applied ${run.code}: ${pkg.numberOfRecords} records left, ${pkg.numberOfErrors} errors`);
  if (pkg.numberOfErrors > 0 && !run.inputs.allowRowErrors) {
    throw new StepFailed(
      `Configuration package ${run.code} was applied (applyStatus Completed) but Business Central reported ` +
        `${pkg.numberOfErrors} row error(s) (${pkg.numberOfTables} tables, ${pkg.numberOfRecords} records left in the package). ` +
        "Inspect them on the Config. Package Errors page of the package in Business Central and fix the file, " +
        "or set allowRowErrors: true to accept them.",
      pkg,
    );
  }
  return pkg;
}

/** The PATCH that brings packageName/languageId back to the inputs, or undefined when they already match. */
function inputPatch(pkg: ConfigurationPackage, inputs: Record<string, unknown>) {
  const patch: { packageName?: string; languageId?: number } = {};
  if (pkg.packageName !== inputs.packageName) patch.packageName = String(inputs.packageName);
  if (typeof inputs.languageId === "number" && pkg.languageId !== inputs.languageId)
    patch.languageId = inputs.languageId;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** Runs the steps after the record exists; failures become a PartialFailure with the package id. */
async function converge(
  run: Run,
  environment: string,
  steps: (run: Run) => Promise<ConfigurationPackage>,
): Promise<Record<string, unknown>> {
  try {
    const pkg = await steps(run);
    return outputs(userInputs(run.inputs), pkg, environment);
  } catch (err) {
    let pkg = err instanceof StepFailed ? err.pkg : undefined;
    if (!pkg) {
      try {
        pkg = await run.automation.configurationPackages.get(run.companyId, run.id);
      } catch {
        // keep what we know
      }
    }
    const properties = {
      ...run.inputs,
      ...(pkg ? outputs(userInputs(run.inputs), pkg, environment) : { packageId: run.id, code: run.code, environment }),
    };
    const message = err instanceof Error ? err.message : String(err);
    throw new PartialFailure(message, run.id, properties);
  }
}

export const configurationPackageHandler: ResourceHandler = {
  async check(_olds, news) {
    const { fileSha256: _ignored, ...rest } = news;
    for (const key of OUTPUT_ONLY) delete rest[key];
    const { file, ...withoutFile } = rest as Record<string, unknown>;
    // Handler-level callers may pass `file` (a path) instead of the SDK's `filePath`.
    if (withoutFile.filePath === undefined && typeof file === "string") withoutFile.filePath = file;
    const result = checkInputs(shape, withoutFile);
    const failures = (result.failures ?? []).map((f) =>
      f.property === "filePath" ? { property: "file", reason: f.reason } : f,
    );
    if (failures.length > 0) return { inputs: news, failures };
    const inputs = { ...result.inputs } as Record<string, unknown>;
    if (containsUnknown(inputs.filePath)) {
      inputs.fileSha256 = UNKNOWN;
    } else {
      const hashed = hashFile(String(inputs.filePath));
      if ("reason" in hashed) return { inputs: news, failures: [{ property: "file", reason: hashed.reason }] };
      inputs.fileSha256 = hashed.sha;
    }
    inputs.apply ??= true;
    inputs.allowRowErrors ??= false;
    return { inputs };
  },

  async diff(_id, olds, news) {
    return diffByTable(CONFIGURATION_PACKAGE_DIFF, olds, news, normaliser(olds));
  },

  async create(inputs) {
    const { automation, environment } = connectionFor(inputs);
    const companyId = String(inputs.companyId);
    const pkgCode = String(inputs.code).toUpperCase();
    const deadline = Date.now() + timeoutOf(inputs, "create");
    const existing = await automation.configurationPackages.findByCode(companyId, pkgCode);
    let id: string;
    if (existing) {
      if (!inputs.adopt) {
        throw new Error(
          `Configuration package '${pkgCode}' already exists in company ${companyId} (environment '${environment}', id ${existing.id}). ` +
            "Set adopt: true to manage it with this resource (its file is uploaded, imported and applied again), or choose another code.",
        );
      }
      progress(RESOURCE, `adopting existing configuration package '${pkgCode}' (${existing.id})`);
      id = existing.id;
    } else {
      progress(RESOURCE, `creating configuration package '${pkgCode}' in company ${companyId}`);
      const created = await automation.configurationPackages.create(companyId, {
        code: pkgCode,
        packageName: String(inputs.packageName),
        ...(typeof inputs.languageId === "number" ? { languageId: inputs.languageId } : {}),
      });
      id = created.id;
    }
    const run: Run = { automation, companyId, id, code: pkgCode, inputs, deadline };
    const outs = await converge(run, environment, async (r) => {
      const imported = await uploadAndImport(r);
      return r.inputs.apply === false ? imported : applyPackage(r);
    });
    return { id, outs };
  },

  async read(id, props) {
    const { automation, environment } = connectionFor(props);
    try {
      const pkg = await automation.configurationPackages.get(String(props.companyId), id);
      const inputs: Record<string, unknown> = {
        ...pickInputs(props),
        code: pkg.code,
        packageName: pkg.packageName,
        ...(typeof props.languageId === "number" ? { languageId: pkg.languageId } : {}),
      };
      return { id, props: outputs(inputs, pkg, environment), inputs };
    } catch (err) {
      if (isNotFound(err)) return { id: "", props: {} };
      throw err;
    }
  },

  async update(id, olds, news) {
    const { automation, environment } = connectionFor(news);
    const companyId = String(news.companyId);
    const pkgCode = String(news.code).toUpperCase();
    const run: Run = {
      automation,
      companyId,
      id,
      code: pkgCode,
      inputs: news,
      deadline: Date.now() + timeoutOf(news, "update"),
    };
    const outs = await converge(run, environment, async (r) => {
      let pkg = await automation.configurationPackages.get(companyId, id);
      // Work still running from an earlier (failed or ambiguous) operation: let it finish first.
      if (PENDING.includes(pkg.importStatus)) {
        progress(RESOURCE, `waiting for the running import of ${pkgCode}`);
        pkg = await waitPhase(r, "import").catch(() => automation.configurationPackages.get(companyId, id));
      }
      if (PENDING.includes(pkg.applyStatus)) {
        progress(RESOURCE, `waiting for the running apply of ${pkgCode}`);
        pkg = await waitPhase(r, "apply").catch(() => automation.configurationPackages.get(companyId, id));
      }
      const contentChanged = olds.fileSha256 !== news.fileSha256;
      if (contentChanged || pkg.importStatus !== "Completed") {
        progress(
          RESOURCE,
          contentChanged ? `package file of ${pkgCode} changed` : `package ${pkgCode} is not imported`,
        );
        pkg = await uploadAndImport(r);
        return news.apply === false ? pkg : applyPackage(r);
      }
      const patch = inputPatch(pkg, news);
      if (patch) {
        progress(RESOURCE, `updating package ${pkgCode}: ${Object.keys(patch).join(", ")}`);
        pkg = await automation.configurationPackages.update(companyId, id, patch, "*");
      }
      const applyPending = pkg.applyStatus !== "Completed" || (pkg.numberOfErrors > 0 && !news.allowRowErrors);
      if (news.apply !== false && applyPending) return applyPackage(r);
      return pkg;
    });
    return { outs };
  },

  async delete(id, props) {
    const { automation } = connectionFor(props);
    try {
      progress(
        RESOURCE,
        `deleting configuration package ${String(props.code ?? id)} (applied data stays in the company)`,
      );
      await automation.configurationPackages.delete(String(props.companyId), id, "*");
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  },
};

function normaliser(olds: Record<string, unknown>) {
  return (key: string, value: unknown) => {
    if (key === "environment" && (value === undefined || value === "")) return olds.environment;
    if (key === "apply" && value === undefined) return true;
    if (key === "code" && typeof value === "string") return value.toUpperCase();
    return value;
  };
}

/** The inputs part of stored outputs (so refresh can return them for the next diff). */
function pickInputs(props: Record<string, unknown>): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...props };
  for (const key of OUTPUT_ONLY) delete rest[key];
  return rest;
}
