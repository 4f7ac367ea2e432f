/**
 * Environment: a Business Central environment through the Admin Center API (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments), created empty or as
 * a copy of another environment. See docs/resources/environment.md.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { AdminCenterApi, AdminEnvironment } from "../../admin";
import { isAuth } from "../../errors";
import { isFourPartVersion } from "../../../formats/version";
import { defineResource, type InputsOf, type OperationContext } from "../framework/define";
import { OUTPUT_NAMES } from "../output-names";
import { behaviourRule, environmentRule, type PropertyBag } from "../framework/diff";
import { containsUnknown } from "../framework/inputs";
import { environmentNames, explainAdminFailure } from "./errors";
import {
  DELETED_STATUSES,
  deleteOnce,
  environmentPolling,
  findEnvironment,
  pendingOperation,
  startOnce,
  startWhenTenantFree,
  waitForActive,
  waitForCreation,
} from "./operations";
import { refuseProductionDelete, refuseProductionReplace } from "./production-guard";
import {
  checkRestoreTiming,
  checkUpdateWindow,
  readManagedSettings,
  reconcileSettings,
  settingsInputs,
  settingsRules,
} from "./settings";

const TYPES = ["Sandbox", "Production"] as const;
const typeInput = z.enum(TYPES, { error: 'must be "Sandbox" or "Production"' });

/** Environment names (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments): fewer than 30 characters, a letter first, then letters, digits, `_` or `-`. */
export const ENVIRONMENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,28}$/;
const environmentName = z
  .string()
  .trim()
  .regex(
    ENVIRONMENT_NAME,
    "must be a BC environment name: a letter, then letters, digits, _ or -, fewer than 30 characters",
  );

const inputs = {
  name: environmentName,
  type: typeInput,
  countryCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, "must be a two-letter country/region code such as US, GB or DK")
    .transform((v) => v.toUpperCase())
    .optional(),
  ringName: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .transform((v) => v.toUpperCase())
    .optional(),
  applicationVersion: z
    .string()
    .trim()
    .refine(isFourPartVersion, "must be a version like 29.1.41238.0 (major.minor.build.revision)")
    .optional(),
  copyFrom: z.object({ environment: environmentName, type: typeInput.optional() }).strict().optional(),
  /** Point-in-time restore of an existing environment into this new one (BC's `pitRestore`). */
  restoreFrom: z
    .object({
      environment: environmentName,
      pointInTime: z
        .string()
        .trim()
        .regex(
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/,
          "must be an ISO 8601 date and time in UTC, e.g. 2026-04-22T20:00:00Z",
        ),
    })
    .strict()
    .optional(),
  ...settingsInputs,
  /** Recorded only: a Production environment is deleted only when the recorded state says so. */
  allowDelete: z.boolean().optional(),
};
type Inputs = InputsOf<typeof inputs>;
type Outputs = ReturnType<typeof outputsOf>;

function outputsOf(env: AdminEnvironment) {
  return {
    environmentId: `${env.aadTenantId ?? ""}/${env.name}`,
    aadTenantId: env.aadTenantId ?? "",
    status: env.status,
    version: env.versionDetails?.version ?? env.applicationVersion ?? "",
    webClientUrl: env.webClientLoginUrl ?? "",
    webServiceUrl: env.webServiceUrl ?? "",
  };
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function crossCheck(values: Partial<Inputs>, olds: PropertyBag): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (values.copyFrom === undefined && values.restoreFrom === undefined && values.countryCode === undefined) {
    failures.push({
      property: "countryCode",
      reason: "is required (unless copyFrom or restoreFrom is set): e.g. US, GB or DK",
    });
  }
  if (values.copyFrom !== undefined && values.restoreFrom !== undefined) {
    failures.push({ property: "restoreFrom", reason: "set either copyFrom or restoreFrom, not both" });
  }
  if (values.restoreFrom !== undefined && !containsUnknown(values.restoreFrom)) {
    for (const key of ["countryCode", "ringName", "applicationVersion"] as const) {
      if (values[key] !== undefined)
        failures.push({ property: key, reason: "a restore takes the source's; remove it or remove restoreFrom" });
    }
    if (typeof values.name === "string" && sameName(values.restoreFrom.environment, values.name)) {
      failures.push({ property: "restoreFrom.environment", reason: "must name another environment than name" });
    }
    // Only before creation: a recorded restoreFrom is history and changes nothing.
    if (olds.environmentId === undefined) failures.push(...checkRestoreTiming(values.restoreFrom.pointInTime));
  }
  failures.push(...checkUpdateWindow(values.updateWindow));
  if (values.copyFrom !== undefined && !containsUnknown(values.copyFrom)) {
    for (const key of ["ringName", "applicationVersion"] as const) {
      if (values[key] !== undefined)
        failures.push({ property: key, reason: "a copy takes the source's; remove it or remove copyFrom" });
    }
    if (typeof values.name === "string" && sameName(values.copyFrom.environment, values.name)) {
      failures.push({ property: "copyFrom.environment", reason: "must name another environment than name" });
    }
  }
  if (values.type === "Production" && values.ringName !== undefined && values.ringName !== "PROD") {
    failures.push({ property: "ringName", reason: 'production environments are created in the "PROD" ring' });
  }
  return failures;
}

export const environmentHandler = defineResource({
  kind: "Environment",
  inputs,
  outputs: OUTPUT_NAMES.Environment,
  changes: [
    {
      keys: ["name"],
      change: "replace",
      why: "The name is the environment's key (the Admin Center's rename is not used); compared case-insensitively.",
      value: (side) => (typeof side.name === "string" ? side.name.toLowerCase() : side.name),
    },
    { keys: ["type"], change: "replace", why: "The Admin Center API cannot change an environment's type." },
    { keys: ["countryCode"], change: "replace", why: "The localization is fixed at creation." },
    { keys: ["ringName"], change: "replace", why: "The ring is fixed at creation." },
    {
      keys: ["applicationVersion"],
      change: "none",
      why: "Only used at creation: BC updates environments itself, so the running version (`version`) moves on.",
    },
    {
      keys: ["copyFrom"],
      change: "none",
      why: "Only used at creation. For a fresh copy, replace the resource: `pulumi up --replace <urn>`.",
    },
    {
      keys: ["restoreFrom"],
      change: "none",
      why: "Only used at creation. For a fresh restore, replace the resource: `pulumi up --replace <urn>`.",
    },
    ...settingsRules,
    {
      keys: ["allowDelete"],
      change: "update",
      why: "Recorded only (nothing is sent): a Production environment is deleted only when the recorded state has `allowDelete: true`.",
    },
    { ...environmentRule, why: "Set from `name` (the environment this resource is); other resources target it." },
    behaviourRule,
  ],
  // Only the same name collides: the old environment is deleted first (BC frees its name at once by renaming it);
  // a replace that changes the name creates the new environment first.
  replaceOrder: (olds, news) => String(olds.name).toLowerCase() === String(news.name).toLowerCase(),
  timeouts: { create: 60 * 60_000, update: 30 * 60_000, delete: 30 * 60_000 },
  crossCheck,
  notes(values, olds) {
    const key = values.applicationInsightsConnectionString;
    if (key === undefined || containsUnknown(key) || key === olds.applicationInsightsConnectionString) return [];
    return [
      `setting the Application Insights connection string of environment '${String(values.name)}': BC restarts the environment to apply it (it must be Active; the update waits until it is Active again)`,
    ];
  },
  // The resource's own environment is the one it creates; resources may then use `environment: env.name`.
  // A change of case in the name keeps the recorded one (BC compares names case-insensitively).
  verify: (ctx, values, olds) => checkRestoreSourceAtPreview(ctx, values, olds),
  // Its environment is the one it creates: not checked to exist, and other resources may target it by name.
  createsTarget: true,
  declares: (values) => ({ environment: values.name }),
  guardReplace: refuseProductionReplace,

  prepare(values, olds) {
    const recorded = olds.environment;
    const keep = typeof recorded === "string" && typeof values.name === "string" && sameName(recorded, values.name);
    values.environment = keep ? recorded : values.name;
    return undefined;
  },

  async create(ctx, inputs) {
    const admin = ctx.connection.admin();
    const deadline = Date.now() + ctx.timeoutMs("create");
    const existing = await findEnvironment(admin, inputs.name);
    if (existing) return { id: existing.name, outputs: await adopt(ctx, admin, existing, inputs, deadline) };
    const recordPreparing = (why: string) => ctx.partial(inputs.name, { ...emptyOutputs, status: "Preparing" }, why);
    const types = inputs.copyFrom ? ["copy"] : inputs.restoreFrom ? ["pitrestore"] : ["create"];
    // BC creates one environment per tenant at a time: the slot is held until this one is Active.
    await ctx.runtime.tenantQueue.run(ctx.settings.tenantId, async () => {
      const op = await startOnce(admin, inputs.name, types, ctx.progress, () =>
        startWhenTenantFree(admin, ctx.progress, deadline, () => start(ctx, admin, inputs)),
      );
      await waitForCreation(admin, op, {
        name: inputs.name,
        timeoutMs: remaining(deadline),
        progress: ctx.progress,
        recordPreparing,
      });
      await waitForActive(admin, inputs.name, {
        timeoutMs: remaining(deadline),
        progress: ctx.progress,
        recordPreparing,
      });
    });
    await reconcileSettings(ctx, admin, inputs.name, inputs, { deadline });
    const created = await admin.getEnvironment(inputs.name);
    await hintWhenAppNotRegistered(ctx, inputs);
    return { id: created.name, outputs: outputsOf(created) };
  },

  async read(ctx, id, state) {
    const env = await findEnvironment(ctx.connection.admin(), id);
    if (!env || DELETED_STATUSES.includes(env.status)) return undefined;
    const read = { ...state.inputs, name: env.name, type: env.type as Inputs["type"] };
    if (env.countryCode && state.inputs.countryCode !== undefined) read.countryCode = env.countryCode.toUpperCase();
    if (env.ringName && state.inputs.ringName !== undefined) read.ringName = env.ringName.toUpperCase();
    Object.assign(read, await readManagedSettings(ctx.connection.admin(), env, state.inputs));
    return { inputs: read, outputs: outputsOf(env) };
  },

  // Only settings (and allowDelete, which is only recorded) reach update: the rest replace or change nothing.
  async update(ctx, id, olds, news) {
    const admin = ctx.connection.admin();
    await reconcileSettings(ctx, admin, id, news, {
      deadline: Date.now() + ctx.timeoutMs("update"),
      onlyChangedFrom: olds.inputs,
    });
    return outputsOf(await admin.getEnvironment(id));
  },

  async delete(ctx, id, state) {
    // The engine plans deletes without asking a dynamic provider: the Production guard lives here, before any request.
    refuseProductionDelete(id, state.inputs);
    const admin = ctx.connection.admin();
    const env = await findEnvironment(admin, id);
    if (!env || DELETED_STATUSES.includes(env.status)) return;
    // BC deletes only Active (or failed) environments: one still being prepared or restarted is waited for.
    if (env.status === "Preparing" || env.status === "Restarting") {
      await waitForActive(admin, env.name, { timeoutMs: ctx.timeoutMs("delete"), progress: ctx.progress });
    }
    ctx.progress(`deleting ${env.type.toLowerCase()} environment '${env.name}'`);
    const op = await deleteOnce(admin, env.name, ctx.progress);
    if (op && op.id !== "" && op.status.toLowerCase() !== "succeeded") {
      await admin.waitForEnvironmentOperation(op, {
        timeoutMs: ctx.timeoutMs("delete"),
        onProgress: ctx.progress,
        initialIntervalMs: environmentPolling.initialIntervalMs,
      });
    }
    ctx.progress(await deletedLine(admin, env.name));
  },
});

const remaining = (deadline: number) => Math.max(1, deadline - Date.now());

/**
 * What became of a deleted environment. BC renames a soft-deleted environment to `<name>-yyMMddHHmmssff` at once,
 * which frees the name, and recovery keeps the new name
 * (https://learn.microsoft.com/dynamics365/business-central/dev-itpro/administration/tenant-admin-center-environments-delete).
 */
async function deletedLine(admin: AdminCenterApi, name: string): Promise<string> {
  const underName = await findEnvironment(admin, name).catch(() => undefined);
  if (underName) {
    const until = deletionDate(underName);
    return `environment '${name}' is deleted (status ${underName.status}); BC keeps it recoverable${until ? ` until ${until}` : " for a while"} (admin center → Environments → Recover)`;
  }
  const suffixed = new RegExp(`^${name.slice(0, 14).replace(/[-]/g, "\\-")}.*-\\d{14}$`, "i");
  const renamed = (await admin.listEnvironments().catch(() => []))
    .filter((e) => suffixed.test(e.name) && DELETED_STATUSES.includes(e.status))
    .at(-1);
  if (!renamed) return `environment '${name}' is deleted; its name is free again`;
  const until = deletionDate(renamed);
  return `environment '${name}' is deleted: BC renamed it to '${renamed.name}' and keeps it recoverable${until ? ` until ${until}` : " for a while"} under that name (admin center → Environments → Recover); the name '${name}' is free again`;
}

/** BC documents PascalCase deletion fields; some clients read camelCase: both are accepted. */
function deletionDate(env: AdminEnvironment): string | undefined {
  const value = env.HardDeletePendingOn ?? env.hardDeletePendingOn;
  return typeof value === "string" ? value : undefined;
}

const emptyOutputs: Outputs = {
  environmentId: "",
  aadTenantId: "",
  status: "",
  version: "",
  webClientUrl: "",
  webServiceUrl: "",
};

/** Sends the create or copy (once), with failures that name the input. */
async function start(ctx: OperationContext, admin: AdminCenterApi, inputs: Inputs) {
  const { name, type, copyFrom } = inputs;
  try {
    if (inputs.restoreFrom) {
      const { environment, pointInTime } = inputs.restoreFrom;
      await checkRestoreSource(admin, inputs, inputs.restoreFrom);
      ctx.progress(
        `restoring environment '${environment}' as of ${pointInTime} into ${type.toLowerCase()} environment '${name}'`,
      );
      return await admin.restoreEnvironment(environment, {
        EnvironmentName: name,
        EnvironmentType: type,
        PointInTime: pointInTime,
      });
    }
    if (!copyFrom) {
      ctx.progress(`creating ${type.toLowerCase()} environment '${name}' (${inputs.countryCode})`);
      return await admin.createEnvironment(name, {
        environmentType: type,
        countryCode: String(inputs.countryCode),
        ...(inputs.ringName ? { ringName: inputs.ringName } : {}),
        ...(inputs.applicationVersion ? { applicationVersion: inputs.applicationVersion } : {}),
      });
    }
    await checkCopySource(admin, inputs, copyFrom);
    ctx.progress(`copying environment '${copyFrom.environment}' into ${type.toLowerCase()} environment '${name}'`);
    return await admin.copyEnvironment(copyFrom.environment, { environmentName: name, type });
  } catch (err) {
    throw await explainAdminFailure(err, admin, { name, type });
  }
}

async function checkCopySource(
  admin: AdminCenterApi,
  inputs: Inputs,
  copyFrom: NonNullable<Inputs["copyFrom"]>,
): Promise<void> {
  const source = await findEnvironment(admin, copyFrom.environment);
  if (!source || DELETED_STATUSES.includes(source.status)) {
    throw new Error(
      `copyFrom.environment: there is no environment '${copyFrom.environment}' to copy in this tenant (${await environmentNames(admin)}). Name an existing, Active environment.`,
    );
  }
  if (copyFrom.type !== undefined && source.type !== copyFrom.type) {
    throw new Error(
      `copyFrom.type: environment '${source.name}' is a ${source.type} environment, not ${copyFrom.type}. Name the environment you mean, or remove copyFrom.type.`,
    );
  }
  if (source.status !== "Active") {
    throw new Error(
      `copyFrom.environment: environment '${source.name}' is ${source.status}; only Active environments can be copied. Wait until it is Active and run pulumi up again.`,
    );
  }
  if (inputs.countryCode !== undefined && source.countryCode?.toUpperCase() !== inputs.countryCode) {
    throw new Error(
      `countryCode: a copy keeps the source's country/region (${source.countryCode}); remove countryCode or set it to ${source.countryCode}.`,
    );
  }
}

/**
 * The restore's source: it exists and is Active, and a sandbox restores only into a sandbox
 * (https://learn.microsoft.com/dynamics365/business-central/dev-itpro/administration/tenant-admin-center-backup-restore).
 */
async function checkRestoreSource(
  admin: AdminCenterApi,
  inputs: Pick<Inputs, "type">,
  restoreFrom: NonNullable<Inputs["restoreFrom"]>,
): Promise<void> {
  const problem = await restoreSourceProblem(admin, inputs, restoreFrom);
  if (problem) throw new Error(`${problem.property}: ${problem.reason}`);
}

async function restoreSourceProblem(
  admin: AdminCenterApi,
  inputs: Pick<Inputs, "type">,
  restoreFrom: NonNullable<Inputs["restoreFrom"]>,
): Promise<pulumi.dynamic.CheckFailure | undefined> {
  const source = await findEnvironment(admin, restoreFrom.environment);
  if (!source || DELETED_STATUSES.includes(source.status)) {
    return {
      property: "restoreFrom.environment",
      reason: `there is no environment '${restoreFrom.environment}' to restore in this tenant (${await environmentNames(admin)}). Name an existing, Active environment.`,
    };
  }
  if (source.status !== "Active") {
    return {
      property: "restoreFrom.environment",
      reason: `environment '${source.name}' is ${source.status}; only Active environments can be restored. Wait until it is Active and run pulumi up again.`,
    };
  }
  if (source.type === "Sandbox" && inputs.type !== "Sandbox") {
    return {
      property: "type",
      reason: `environment '${source.name}' is a sandbox, and BC restores a sandbox only into a sandbox: set type: "Sandbox".`,
    };
  }
  return undefined;
}

/** At preview (check of a resource not created yet): the restore source as BC will see it. */
async function checkRestoreSourceAtPreview(
  ctx: OperationContext,
  inputs: Inputs,
  olds: PropertyBag,
): Promise<pulumi.dynamic.CheckFailure[]> {
  const restoreFrom = inputs.restoreFrom;
  if (!restoreFrom || olds.environmentId !== undefined || containsUnknown(inputs)) return [];
  const admin = ctx.connection.admin();
  const problem = await restoreSourceProblem(admin, inputs as Pick<Inputs, "type">, restoreFrom).catch(() => undefined);
  return problem ? [problem] : [];
}

/**
 * An environment with the name exists: adopt it (no write when it matches), wait for it while it is being
 * created, or refuse with what to do.
 */
async function adopt(
  ctx: OperationContext<Outputs>,
  admin: AdminCenterApi,
  existing: AdminEnvironment,
  inputs: Inputs,
  deadline: number,
) {
  if (DELETED_STATUSES.includes(existing.status)) {
    // BC renames a deleted environment at once; one still under its name is being deleted or predates that rule.
    const until = deletionDate(existing);
    throw new Error(
      `name: environment '${existing.name}' is being deleted (status ${existing.status}) and still holds the name${until ? `; BC removes it for good on ${until}` : ""}. BC normally renames a deleted environment at once and frees the name: wait a few minutes and run pulumi up again, or choose another name. To keep the old environment instead, recover it in the admin center and adopt it under the name BC shows.`,
    );
  }
  ctx.adoptOrRefuse({
    what: `Environment '${existing.name}' (${existing.type}, ${existing.countryCode ?? "?"})`,
    id: existing.name,
    otherwise: "choose another name",
  });
  if (existing.type !== inputs.type) {
    throw new Error(
      `type: environment '${existing.name}' is a ${existing.type} environment; set type: "${existing.type}" to adopt it (the Admin Center API cannot change the type).`,
    );
  }
  if (inputs.countryCode !== undefined && existing.countryCode?.toUpperCase() !== inputs.countryCode) {
    throw new Error(
      `countryCode: environment '${existing.name}' is localized for ${existing.countryCode}; set countryCode: "${existing.countryCode}" to adopt it.`,
    );
  }
  const recordPreparing = (why: string) => ctx.partial(existing.name, { ...emptyOutputs, status: "Preparing" }, why);
  const building = await pendingOperation(admin, existing.name, ["create", "copy", "pitrestore"]);
  if (building) {
    await waitForCreation(admin, building, {
      name: existing.name,
      timeoutMs: remaining(deadline),
      progress: ctx.progress,
      recordPreparing,
    });
  }
  let ready = existing;
  if (building || existing.status !== "Active") {
    ready = await waitForActive(admin, existing.name, {
      timeoutMs: remaining(deadline),
      progress: ctx.progress,
      recordPreparing,
    });
  }
  // Declared settings are managed from now on: written only where BC's value differs.
  if (await reconcileSettings(ctx, admin, existing.name, inputs, { deadline })) {
    ready = await admin.getEnvironment(existing.name);
  }
  return outputsOf(ready);
}

/**
 * A new (not copied) environment has no "Microsoft Entra applications" registration, so the stack's app cannot
 * reach it yet (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication: that step has no API). Says so, instead of leaving dependents to fail with a 401.
 */
async function hintWhenAppNotRegistered(ctx: OperationContext, inputs: Inputs) {
  // A copy or a restore carries the source's data, registrations included.
  if (inputs.copyFrom || inputs.restoreFrom) return;
  try {
    await ctx.connection.automation(inputs.name).companies.list();
  } catch (err) {
    if (!isAuth(err)) return;
    ctx.progress(
      `environment '${inputs.name}' is ready, but this app is not registered in it yet: add client id ${ctx.connection.settings.clientId} on its "Microsoft Entra applications" page (State Enabled, permission sets D365 AUTOMATION and EXTEN. MGT. - ADMIN) before resources use it. A copy (copyFrom) carries the registration.`,
    );
  }
}
