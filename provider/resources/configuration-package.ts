/**
 * ConfigurationPackage: a RapidStart package uploaded, imported and applied in one company
 * (docs/resources/configuration-package.md).
 */
import { z } from "zod";
import type { ConfigurationPackage } from "../automation/schemas";
import { OperationFailedError } from "../polling";
import { inspectPackageFile, packageUploadBody } from "./configuration-package-file";
import { defineResource, type InputsOf, type OperationContext } from "./framework/define";
import { OUTPUT_NAMES } from "./output-names";
import { behaviourRule, environmentRule, upperCasedKeyRule } from "./framework/diff";
import { code, containsUnknown, guid, UNKNOWN } from "./framework/inputs";

const PENDING = ["Scheduled", "InProgress"];

const inputs = {
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
  // Derived at check from the file's content: the content, not the path, decides updates.
  fileSha256: z.string().optional(),
};
type Inputs = InputsOf<typeof inputs>;

function outputsOf(pkg: ConfigurationPackage) {
  return {
    packageId: pkg.id,
    code: pkg.code,
    numberOfTables: pkg.numberOfTables,
    numberOfRecords: pkg.numberOfRecords,
    numberOfErrors: pkg.numberOfErrors,
    importStatus: pkg.importStatus,
    applyStatus: pkg.applyStatus,
    importError: pkg.importError ?? "",
    applyError: pkg.applyError ?? "",
  };
}
type Outputs = ReturnType<typeof outputsOf>;

export const configurationPackageHandler = defineResource({
  kind: "ConfigurationPackage",
  inputs,
  derived: ["fileSha256"],
  userNames: { filePath: "file" },
  outputs: OUTPUT_NAMES.ConfigurationPackage,
  changes: [
    upperCasedKeyRule("code", "The package is identified by its code (and the file must carry the same code)."),
    { keys: ["companyId"], change: "replace", why: "A package belongs to one company." },
    environmentRule,
    {
      keys: ["fileSha256"],
      label: "`fileSha256` (from `file`)",
      change: "update",
      why: "The content changed: upload, import and apply again on the same package.",
    },
    {
      keys: ["apply"],
      change: "update",
      why: "`false → true` applies the imported package; `true → false` records the choice only.",
      value: (side) => side.apply ?? true,
    },
    { keys: ["packageName"], change: "update", why: "PATCH of the package record." },
    { keys: ["languageId"], change: "update", why: "PATCH of the package record." },
    {
      keys: ["filePath"],
      label: "`file`",
      change: "none",
      why: "Only the content counts: a moved checkout or another file with the same bytes is no change.",
    },
    {
      keys: ["allowRowErrors"],
      change: "none",
      why: "Only decides whether the next apply's row errors fail the operation.",
    },
    behaviourRule,
  ],
  replaceOrder: "create-first",
  timeouts: { create: 30 * 60_000, update: 30 * 60_000, delete: 5 * 60_000 },

  async verify(ctx, values) {
    const id = values.companyId;
    if (containsUnknown(id)) return [];
    const companies = await ctx.automation.snapshots.companies("settled");
    if (companies.some((c) => c.id.toLowerCase() === id.toLowerCase())) return [];
    return [
      {
        property: "companyId",
        reason: `no company with id ${id} in environment '${ctx.environment}' (companies: ${companies.map((c) => `'${c.name}' ${c.id}`).join(", ")}). Use the id of a company there, e.g. company.companyId of a Company resource.`,
      },
    ];
  },

  prepare(values) {
    values.apply ??= true;
    values.allowRowErrors ??= false;
    if (values.filePath === UNKNOWN) {
      values.fileSha256 = UNKNOWN;
      return undefined;
    }
    const hashed = inspectPackageFile(values.filePath);
    if ("reason" in hashed) return [{ property: "file", reason: hashed.reason }];
    values.fileSha256 = hashed.sha;
    return undefined;
  },

  async create(ctx, inputs) {
    const existing = await ctx.automation.configurationPackages.findByCode(inputs.companyId, inputs.code);
    let id: string;
    const key = `${inputs.companyId}|${inputs.code}`.toLowerCase();
    if (existing) {
      ctx.claimExisting({
        what: `Configuration package '${inputs.code}' in company ${inputs.companyId}`,
        id: existing.id,
        key,
        otherwise: "choose another code (an adopted package's file is uploaded, imported and applied again)",
      });
      id = existing.id;
    } else {
      ctx.intendCreate(key);
      ctx.progress(`creating configuration package '${inputs.code}' in company ${inputs.companyId}`);
      const created = await ctx.automation.configurationPackages.create(inputs.companyId, {
        code: inputs.code,
        packageName: inputs.packageName,
        ...(inputs.languageId !== undefined ? { languageId: inputs.languageId } : {}),
      });
      id = created.id;
    }
    const run = newRun(ctx, id, inputs, "create");
    const outputs = await converge(run, async () => {
      const imported = await uploadAndImport(run);
      return inputs.apply === false ? imported : applyPackage(run);
    });
    return { id, outputs };
  },

  async read(ctx, id, state) {
    const pkg = await ctx.automation.configurationPackages.get(state.inputs.companyId, id);
    return {
      inputs: {
        ...state.inputs,
        code: pkg.code,
        packageName: pkg.packageName,
        ...(state.inputs.languageId !== undefined ? { languageId: pkg.languageId } : {}),
      },
      outputs: outputsOf(pkg),
    };
  },

  async update(ctx, id, olds, news) {
    const run = newRun(ctx, id, news, "update");
    const packages = ctx.automation.configurationPackages;
    return converge(run, async () => {
      let pkg = await packages.get(news.companyId, id);
      // Work still running from an earlier (failed or ambiguous) operation: let it finish first.
      for (const phase of ["import", "apply"] as const) {
        if (!PENDING.includes(phase === "import" ? pkg.importStatus : pkg.applyStatus)) continue;
        ctx.progress(`waiting for the running ${phase} of ${news.code}`);
        pkg = await waitPhase(run, phase).catch(() => packages.get(news.companyId, id));
      }
      const contentChanged = olds.inputs.fileSha256 !== news.fileSha256;
      if (contentChanged || pkg.importStatus !== "Completed") {
        ctx.progress(contentChanged ? `package file of ${news.code} changed` : `package ${news.code} is not imported`);
        pkg = await uploadAndImport(run);
        return news.apply === false ? pkg : applyPackage(run);
      }
      const patch = inputPatch(pkg, news);
      if (patch) {
        ctx.progress(`updating package ${news.code}: ${Object.keys(patch).join(", ")}`);
        pkg = await packages.update(news.companyId, id, patch, "*");
      }
      const applyPending = pkg.applyStatus !== "Completed" || (pkg.numberOfErrors > 0 && !news.allowRowErrors);
      return news.apply !== false && applyPending ? applyPackage(run) : pkg;
    });
  },

  async delete(ctx, id, state) {
    ctx.progress(`deleting configuration package ${state.inputs.code ?? id} (applied data stays in the company)`);
    await ctx.automation.configurationPackages.delete(state.inputs.companyId, id, "*");
  },
});

/** One create or update of a package: the steps after the record exists share its id and deadline. */
interface Run {
  ctx: OperationContext<Outputs>;
  id: string;
  inputs: Inputs;
  deadline: number;
}

function newRun(ctx: OperationContext<Outputs>, id: string, inputs: Inputs, phase: "create" | "update"): Run {
  return { ctx, id, inputs, deadline: Date.now() + ctx.timeoutMs(phase) };
}

async function waitPhase(run: Run, phase: "import" | "apply"): Promise<ConfigurationPackage> {
  try {
    return await run.ctx.automation.configurationPackages.waitFor(run.inputs.companyId, run.id, phase, {
      timeoutMs: Math.max(1_000, run.deadline - Date.now()),
      onProgress: run.ctx.progress,
    });
  } catch (err) {
    if (err instanceof OperationFailedError && err.last) {
      const pkg = err.last as ConfigurationPackage;
      const reported = phase === "import" ? pkg.importError : pkg.applyError;
      throw new StepFailed(
        `The ${phase} of configuration package ${run.inputs.code} ended with status Error. Business Central reported: ${reported || "(no message)"}`,
        pkg,
      );
    }
    throw err;
  }
}

/** A step failed after the package record exists: the package is recorded as it was when the step failed. */
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
  const { ctx, inputs } = run;
  const packages = ctx.automation.configurationPackages;
  // A .rapidstart is streamed from disk (reopened for each retry); XML is packed first.
  const { body, size, what } = packageUploadBody(inputs.filePath);
  ctx.progress(`uploading ${what} (${size} bytes) to package ${inputs.code}`);
  await packages.uploadFile(inputs.companyId, run.id, inputs.code, body);
  ctx.progress(`importing package ${inputs.code}`);
  await packages.import(inputs.companyId, run.id);
  let pkg = await waitPhase(run, "import");
  ctx.progress(
    `imported ${inputs.code}: ${pkg.numberOfTables} tables, ${pkg.numberOfRecords} records, ${pkg.numberOfErrors} errors`,
  );
  const patch = inputPatch(pkg, inputs);
  if (patch) pkg = await packages.update(inputs.companyId, run.id, patch, "*");
  return pkg;
}

async function applyPackage(run: Run): Promise<ConfigurationPackage> {
  const { ctx, inputs } = run;
  ctx.progress(`applying package ${inputs.code}`);
  await ctx.automation.configurationPackages.apply(inputs.companyId, run.id);
  const pkg = await waitPhase(run, "apply");
  ctx.progress(`applied ${inputs.code}: ${pkg.numberOfRecords} records left, ${pkg.numberOfErrors} errors`);
  if (pkg.numberOfErrors > 0 && !inputs.allowRowErrors) {
    throw new StepFailed(
      `Configuration package ${inputs.code} was applied (applyStatus Completed) but Business Central reported ` +
        `${pkg.numberOfErrors} row error(s) (${pkg.numberOfTables} tables, ${pkg.numberOfRecords} records left in the package). ` +
        "Inspect them on the Config. Package Errors page of the package in Business Central and fix the file, " +
        "or set allowRowErrors: true to accept them.",
      pkg,
    );
  }
  return pkg;
}

/** The PATCH that brings packageName/languageId back to the inputs, or undefined when they already match. */
function inputPatch(pkg: ConfigurationPackage, inputs: Inputs) {
  const patch: { packageName?: string; languageId?: number } = {};
  if (pkg.packageName !== inputs.packageName) patch.packageName = inputs.packageName;
  if (inputs.languageId !== undefined && pkg.languageId !== inputs.languageId) patch.languageId = inputs.languageId;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** Runs the steps after the record exists; a failure records the package (id and state) as partly done. */
async function converge(run: Run, steps: () => Promise<ConfigurationPackage>): Promise<Outputs> {
  try {
    return outputsOf(await steps());
  } catch (err) {
    let pkg = err instanceof StepFailed ? err.pkg : undefined;
    pkg ??= await run.ctx.automation.configurationPackages.get(run.inputs.companyId, run.id).catch(() => undefined);
    const known = pkg ? outputsOf(pkg) : { packageId: run.id, code: run.inputs.code };
    return run.ctx.partial(run.id, known, err instanceof Error ? err.message : String(err));
  }
}
