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
import { behaviourRule, environmentRule } from "../framework/diff";
import { containsUnknown } from "../framework/inputs";
import { environmentNames, explainAdminFailure } from "./errors";
import { DELETED_STATUSES, findEnvironment, pendingOperation, startOnce, waitForCreation } from "./operations";

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

function crossCheck(values: Partial<Inputs>): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (values.copyFrom === undefined && values.countryCode === undefined) {
    failures.push({ property: "countryCode", reason: "is required (unless copyFrom is set): e.g. US, GB or DK" });
  }
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
    { ...environmentRule, why: "Set from `name` (the environment this resource is); other resources target it." },
    behaviourRule,
  ],
  // Only the same name collides: a renamed environment is created before the old one is deleted.
  replaceOrder: (olds, news) => String(olds.name).toLowerCase() === String(news.name).toLowerCase(),
  timeouts: { create: 60 * 60_000, update: 5 * 60_000, delete: 30 * 60_000 },
  crossCheck,
  // The resource's own environment is the one it creates; resources may then use `environment: env.name`.
  // A change of case in the name keeps the recorded one (BC compares names case-insensitively).
  prepare(values, olds) {
    const recorded = olds.environment;
    const keep = typeof recorded === "string" && typeof values.name === "string" && sameName(recorded, values.name);
    values.environment = keep ? recorded : values.name;
    return undefined;
  },

  async create(ctx, inputs) {
    const admin = ctx.connection.admin();
    const existing = await findEnvironment(admin, inputs.name);
    if (existing) return { id: existing.name, outputs: await adopt(ctx, admin, existing, inputs) };
    const op = await startOnce(admin, inputs.name, inputs.copyFrom ? ["copy"] : ["create"], ctx.progress, () =>
      start(ctx, admin, inputs),
    );
    await waitForCreation(admin, op, {
      name: inputs.name,
      timeoutMs: ctx.timeoutMs("create"),
      progress: ctx.progress,
      recordPreparing: (why) => ctx.partial(inputs.name, { ...emptyOutputs, status: "Preparing" }, why),
    });
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
    return { inputs: read, outputs: outputsOf(env) };
  },

  // Only properties that change nothing in BC reach update (the rest replace): nothing is sent.
  async update(ctx, id) {
    return outputsOf(await ctx.connection.admin().getEnvironment(id));
  },

  async delete(ctx, id) {
    const admin = ctx.connection.admin();
    const env = await findEnvironment(admin, id);
    if (!env || DELETED_STATUSES.includes(env.status)) return;
    ctx.progress(`deleting ${env.type.toLowerCase()} environment '${env.name}'`);
    const op = await startOnce(admin, env.name, ["softdelete", "delete"], ctx.progress, () =>
      admin.deleteEnvironment(env.name),
    );
    if (op.id !== "") {
      await admin.waitForEnvironmentOperation(op, { timeoutMs: ctx.timeoutMs("delete"), onProgress: ctx.progress });
    }
    const after = await findEnvironment(admin, env.name);
    const until = after?.HardDeletePendingOn;
    ctx.progress(
      after
        ? `environment '${env.name}' is deleted; BC keeps it recoverable${typeof until === "string" ? ` until ${until}` : " for a while"} (admin center → Environments → Recover), and its name stays taken until then`
        : `environment '${env.name}' is deleted`,
    );
  },
});

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
 * An environment with the name exists: adopt it (no write when it matches), wait for it while it is being
 * created, or refuse with what to do.
 */
async function adopt(
  ctx: OperationContext<Outputs>,
  admin: AdminCenterApi,
  existing: AdminEnvironment,
  inputs: Inputs,
) {
  if (DELETED_STATUSES.includes(existing.status)) {
    const until = typeof existing.HardDeletePendingOn === "string" ? ` until ${existing.HardDeletePendingOn}` : "";
    throw new Error(
      `name: environment '${existing.name}' was deleted and BC keeps it recoverable${until} (status ${existing.status}). Recover it in the admin center and set adopt: true, or choose another name.`,
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
  const building = await pendingOperation(admin, existing.name, ["create", "copy"]);
  if (building) {
    await waitForCreation(admin, building, {
      name: existing.name,
      timeoutMs: ctx.timeoutMs("create"),
      progress: ctx.progress,
      recordPreparing: (why) => ctx.partial(existing.name, { ...emptyOutputs, status: "Preparing" }, why),
    });
    return outputsOf(await admin.getEnvironment(existing.name));
  }
  return outputsOf(existing);
}

/**
 * A new (not copied) environment has no "Microsoft Entra applications" registration, so the stack's app cannot
 * reach it yet (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication: that step has no API). Says so, instead of leaving dependents to fail with a 401.
 */
async function hintWhenAppNotRegistered(ctx: OperationContext, inputs: Inputs) {
  if (inputs.copyFrom) return;
  try {
    await ctx.connection.automation(inputs.name).companies.list();
  } catch (err) {
    if (!isAuth(err)) return;
    ctx.progress(
      `environment '${inputs.name}' is ready, but this app is not registered in it yet: add client id ${ctx.connection.settings.clientId} on its "Microsoft Entra applications" page (State Enabled, permission sets D365 AUTOMATION and EXTEN. MGT. - ADMIN) before resources use it. A copy (copyFrom) carries the registration.`,
    );
  }
}
