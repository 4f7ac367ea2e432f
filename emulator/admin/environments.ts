/**
 * Admin Center environment endpoints (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments): list, get, create (PUT), copy, delete (soft delete from
 * API 2.18), recover, operations, available applications and quotas.
 *
 * An environment BC does not serve yet (being created or copied) or any more (soft deleted, being removed) lives
 * in `tenant.adminCenter.inactiveEnvironments`, so the automation routes answer 404 for it without knowing about
 * the Admin Center. A new environment has no registered Entra apps — registering an app is the manual
 * "Microsoft Entra applications" step of https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication — so automation calls answer 401 until that is done.
 * A copy carries the source's data, registrations included.
 */
import { randomUUID } from "node:crypto";
import type { EnvironmentState, TenantState } from "../state/model";
import { stateFromSeed } from "../state/seed";
import { atLeast, requireVersion } from "./api-version";
import { appOperationEnvironmentJson } from "./app-operations";
import {
  APPLICATION_FAMILY,
  COUNTRIES,
  RING_VERSIONS,
  applicationsJson,
  latestVersionOfRing,
  ringOf,
} from "./available-applications";
import type { JsonBody } from "./body";
import { isFourPartVersion as isVersion } from "../../formats/version";
import { type AdminContext, createdBy, reply, replyEmpty } from "./context";
import {
  environmentBeingProvisioned,
  environmentOperationJson,
  hasPendingOperation,
  softDeleteRetention,
  softDeletedName,
  startEnvironmentOperation,
} from "./environment-operations";
import { AdminError, environmentNotFound, invalidInput } from "./errors";
import { ADMIN_DELAYS, envAdmin, findListedEnvironment, listedEnvironments, statusOf, tenantAdmin } from "./state";

/** Route names under `/environments/` that an environment cannot be called (emulator choice, see docs). */
const RESERVED_NAMES = ["operations", "usedstorage", "quotas"];

/** `applicationFamily` route values: only Business Central exists. */
export function checkFamily(family: string) {
  if (family.toLowerCase() !== APPLICATION_FAMILY.toLowerCase()) {
    throw new AdminError(404, "applicationTypeDoesNotExist", `The application family '${family}' does not exist.`, {
      target: family,
    });
  }
}

/** Wire JSON of an environment (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments, with the docs' PascalCase oddities kept). */
export function environmentJson(ctx: AdminContext, env: EnvironmentState) {
  const origin = ctx.deps.origin();
  const country = COUNTRIES[env.countryCode.toUpperCase()] ?? COUNTRIES.US;
  const admin = env.admin;
  return {
    friendlyName: env.name,
    type: env.type,
    name: env.name,
    countryCode: env.countryCode,
    applicationFamily: APPLICATION_FAMILY,
    aadTenantId: ctx.tenant.id,
    applicationVersion: env.applicationVersion,
    status: statusOf(env),
    webClientLoginUrl: `${origin}/${ctx.tenant.id}/${encodeURIComponent(env.name)}`,
    webServiceUrl: `${origin}/v2.0/${ctx.tenant.id}/${encodeURIComponent(env.name)}`,
    locationName: country.location,
    geoName: country.geo,
    platformVersion: env.applicationVersion,
    ringName: admin?.ringName ?? "PROD",
    appInsightsKey: admin?.appInsightsKey ?? "",
    SoftDeletedOn: admin?.softDeletedOn ?? null,
    HardDeletePendingOn: admin?.hardDeletePendingOn ?? null,
    DeleteReason: admin?.deleteReason ?? null,
    AppSourceAppsUpdateCadence: "Default",
    versionDetails: {
      version: env.applicationVersion,
      gracePeriodStartDate: null,
      enforcedUpdatePeriodStartDate: null,
    },
  };
}

export function listEnvironments(ctx: AdminContext) {
  reply(ctx, 200, { value: listedEnvironments(ctx.tenant).map((env) => environmentJson(ctx, env)) });
}

export function requireListedEnvironment(ctx: AdminContext, family: string, name: string): EnvironmentState {
  const env = findListedEnvironment(ctx.tenant, name);
  if (!env) throw environmentNotFound(family, name);
  return env;
}

/** An environment app management can act on: listed and Active. */
export function requireActiveEnvironment(ctx: AdminContext, family: string, name: string): EnvironmentState {
  const env = requireListedEnvironment(ctx, family, name);
  if (statusOf(env) !== "Active" || !ctx.tenant.environments.includes(env)) {
    throw new AdminError(
      400,
      "environmentNotActive",
      `The environment '${env.name}' is ${statusOf(env)}, not Active.`,
      {
        target: `${family}/${env.name}`,
      },
    );
  }
  return env;
}

/** A bare object, as both real clients read it; `wrappedEnvironmentGet` answers the docs' `{"value":[…]}`. */
export function getEnvironment(ctx: AdminContext, family: string, name: string) {
  const json = environmentJson(ctx, requireListedEnvironment(ctx, family, name));
  reply(ctx, 200, ctx.deps.behaviour.wrappedEnvironmentGet ? { value: [json] } : json);
}

/** Name rules (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments): fewer than 30 characters, a letter first, then letters, digits, `_` or `-`. */
export function validateName(name: string, target: string) {
  if (name.trim() === "") throw invalidInput(target, "The environment name cannot be null or whitespace.");
  const valid = /^[A-Za-z][A-Za-z0-9_-]*$/.test(name) && name.length < 30;
  if (!valid || RESERVED_NAMES.includes(name.toLowerCase())) {
    throw new AdminError(
      400,
      "environmentNameNotValid",
      `The environment name '${name}' is not valid. It cannot be a reserved value, must be fewer than 30 characters, must start with a letter and may contain only letters, digits, underscores (_) and dashes (-).`,
      { target },
    );
  }
}

function checkNameFree(tenant: TenantState, name: string) {
  const taken = findListedEnvironment(tenant, name);
  if (taken) {
    throw new AdminError(
      409,
      "resourceExists",
      `An environment with the name '${taken.name}' already exists${taken.admin?.status === "SoftDeleted" ? " (soft deleted; recover it or wait until it is permanently deleted)" : ""}.`,
      { target: name },
    );
  }
}

/** Soft-deleted environments "aren't counted towards the environment quota" (Microsoft Learn, delete and recover). */
const OUTSIDE_QUOTA = ["SoftDeleting", "SoftDeleted", "Removing"];

function checkQuota(tenant: TenantState, type: "Production" | "Sandbox") {
  const quotas = tenantAdmin(tenant).quotas;
  const limit = type === "Production" ? quotas.production : quotas.sandbox;
  const count = listedEnvironments(tenant).filter(
    (e) => e.type === type && !OUTSIDE_QUOTA.includes(statusOf(e)),
  ).length;
  if (count >= limit) {
    throw new AdminError(
      400,
      "maximumNumberOfEnvironmentsAllowedReached",
      `The maximum number of ${type.toLowerCase()} environments allowed (${limit}) has been reached.`,
      { target: "environmentType" },
    );
  }
}

/**
 * What every create, copy and restore checks before it starts: one environment of the tenant is created at a time
 * (`tenantAlreadyProvisioning`, documented for create and copy), the name is free, the quota has room.
 */
export function checkCanProvision(ctx: AdminContext, name: string, type: "Production" | "Sandbox") {
  const busy = ctx.deps.behaviour.tenantProvisioningLock ? environmentBeingProvisioned(ctx.tenant) : undefined;
  if (busy !== undefined) {
    throw new AdminError(
      400,
      "tenantAlreadyProvisioning",
      `Cannot create a new environment because another environment ('${busy}') is currently in the process of being created.`,
      { target: name },
    );
  }
  checkNameFree(ctx.tenant, name);
  checkQuota(ctx.tenant, type);
}

/** A new environment record, Preparing until its operation (and the Preparing lag after it) is over. */
export function preparingAdmin(ctx: AdminContext, ringName: string, appInsightsKey = "") {
  return {
    status: "Preparing" as const,
    ringName,
    createdOn: new Date(ctx.now).toISOString(),
    appInsightsKey,
    appOperations: [],
    appHistory: {},
  };
}

export function parseType(value: string | undefined, target: string): "Production" | "Sandbox" {
  if (value === undefined || value.trim() === "") {
    throw invalidInput(target, `The property '${target}' cannot be null or whitespace.`);
  }
  const lower = value.toLowerCase();
  if (lower === "production") return "Production";
  if (lower === "sandbox") return "Sandbox";
  throw invalidInput(target, `The property '${target}' must be 'Production' or 'Sandbox'.`);
}

/** A brand-new environment's BC data, built by the seed code so it matches seeded environments. */
function freshEnvironment(
  tenantId: string,
  name: string,
  type: "Production" | "Sandbox",
  countryCode: string,
  applicationVersion: string,
): EnvironmentState {
  // Sandboxes come with the CRONUS demo company, production environments with an empty "My Company".
  const company = type === "Sandbox" ? (COUNTRIES[countryCode]?.cronus ?? "CRONUS USA, Inc.") : "My Company";
  const state = stateFromSeed({
    tenants: [
      { id: tenantId, environments: [{ name, type, countryCode, applicationVersion, companies: [{ name: company }] }] },
    ],
  });
  const env = state.tenants[0].environments[0];
  for (const c of env.companies) c.id = randomUUID();
  // Microsoft's apps ship with the application version of the environment.
  for (const app of env.publishedApps) if (app.publisher === "Microsoft") app.version = applicationVersion;
  return env;
}

export function createEnvironment(ctx: AdminContext, family: string, name: string, body: JsonBody) {
  checkFamily(family);
  validateName(name, "environmentName");
  const type = parseType(body.string("environmentType"), "environmentType");
  const countryCode = (body.string("countryCode") ?? "").trim().toUpperCase();
  if (countryCode === "") throw invalidInput("countryCode", "The country code cannot be null or whitespace.");
  if (!COUNTRIES[countryCode]) {
    throw new AdminError(
      400,
      "applicationFamilyNotAccessible",
      `The tenant does not have access to application family '${family}' in country/region '${countryCode}'.`,
      { target: "countryCode" },
    );
  }
  const ringText = body.string("ringName");
  const ring = ringOf(ringText);
  if (!ring)
    throw new AdminError(400, "resourceDoesNotExist", `The ring '${ringText}' was not found.`, { target: "ringName" });
  if (type === "Production" && !ring.productionRing) {
    throw invalidInput("ringName", "Production environments can only be created in the production ring.");
  }
  const requested = body.string("applicationVersion");
  if (requested !== undefined && !isVersion(requested)) {
    throw invalidInput(
      "applicationVersion",
      "The application version must be a valid version string (major.minor.build.revision).",
    );
  }
  if (requested !== undefined && !RING_VERSIONS[ring.name].includes(requested)) {
    throw new AdminError(
      400,
      "resourceDoesNotExist",
      `The application version '${requested}' is not available in ring '${ring.name}'.`,
      { target: "applicationVersion" },
    );
  }
  checkCanProvision(ctx, name, type);

  const applicationVersion = requested ?? latestVersionOfRing(ring.name);
  const env = freshEnvironment(ctx.tenant.id, name, type, countryCode, applicationVersion);
  env.admin = preparingAdmin(ctx, ring.name);
  tenantAdmin(ctx.tenant).inactiveEnvironments.push(env);
  const op = startEnvironmentOperation(
    ctx.tenant,
    {
      type: "create",
      environment: env,
      createdBy: createdBy(ctx),
      runMs: ADMIN_DELAYS.createMs,
      preparingLagMs: ctx.deps.behaviour.preparingLagMs,
      parameters: {
        sourceEnvironmentName: "",
        sourceEnvironmentType: "",
        destinationEnvironmentName: env.name,
        destinationEnvironmentType: env.type,
        applicationVersion,
        countryCode,
      },
    },
    ctx.now,
    ctx.deps.timeScale,
  );
  ctx.deps.changed();
  // API 2.9 introduced the operation answer; older versions answered 201 with the environment (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments).
  if (atLeast(ctx.version, 9)) reply(ctx, 202, environmentOperationJson(op, ctx.version));
  else reply(ctx, 201, environmentJson(ctx, env));
}

/** A copy or restore reads its source, which must be listed and Active. */
export function requireActiveSource(
  ctx: AdminContext,
  family: string,
  source: EnvironmentState,
  verb: "copied" | "restored",
): void {
  if (statusOf(source) === "Active" && ctx.tenant.environments.includes(source)) return;
  throw new AdminError(
    400,
    "invalidStatus",
    `The environment '${source.name}' is ${statusOf(source)}; only Active environments can be ${verb}.`,
    { target: `${family}/${source.name}` },
  );
}

export function copyEnvironment(ctx: AdminContext, family: string, sourceName: string, body: JsonBody) {
  checkFamily(family);
  const source = requireListedEnvironment(ctx, family, sourceName);
  const targetName = body.string("environmentName") ?? "";
  validateName(targetName, "environmentName");
  const type = parseType(body.string("type") ?? body.string("environmentType"), "type");
  if (!atLeast(ctx.version, 9) && type !== "Sandbox") {
    throw invalidInput("type", "Only 'Sandbox' copies are supported in this API version.");
  }
  requireActiveSource(ctx, family, source, "copied");
  checkCanProvision(ctx, targetName, type);

  // A copy is a snapshot of the source's data at request time, registrations and permission sets included.
  const copy: EnvironmentState = structuredClone(source);
  copy.name = targetName;
  copy.type = type;
  copy.admin = preparingAdmin(ctx, source.admin?.ringName ?? "PROD");
  tenantAdmin(ctx.tenant).inactiveEnvironments.push(copy);
  const op = startEnvironmentOperation(
    ctx.tenant,
    {
      type: "copy",
      environment: copy,
      createdBy: createdBy(ctx),
      runMs: ADMIN_DELAYS.copyMs,
      preparingLagMs: ctx.deps.behaviour.preparingLagMs,
      parameters: {
        sourceEnvironmentName: source.name,
        sourceEnvironmentType: source.type,
        destinationEnvironmentName: copy.name,
        destinationEnvironmentType: copy.type,
        applicationVersion: copy.applicationVersion,
        countryCode: copy.countryCode,
      },
    },
    ctx.now,
    ctx.deps.timeScale,
  );
  ctx.deps.changed();
  if (atLeast(ctx.version, 9)) reply(ctx, 202, environmentOperationJson(op, ctx.version));
  else reply(ctx, 201, environmentJson(ctx, copy));
}

/**
 * DELETE: from API 2.18 an Active environment is soft deleted (kept 14 days, recoverable); CreatingFailed and
 * RemovingFailed environments, and every delete before 2.18, are hard deletes. Either way BC stops serving the
 * environment at once.
 */
export function deleteEnvironment(ctx: AdminContext, family: string, name: string) {
  checkFamily(family);
  const env = requireListedEnvironment(ctx, family, name);
  const status = statusOf(env);
  const failed = status === "CreatingFailed" || status === "RemovingFailed";
  if ((status !== "Active" && !failed) || hasPendingOperation(ctx.tenant, env.name)) {
    throw new AdminError(
      400,
      "invalidStatusCannotDeleteTenant",
      `The environment '${env.name}' cannot be deleted while it is ${status}.`,
      { target: `${family}/${env.name}` },
    );
  }
  const soft = atLeast(ctx.version, 18) && !failed;
  const admin = envAdmin(env);
  admin.status = soft ? "SoftDeleting" : "Removing";
  const originalName = env.name;
  // BC renames a soft-deleted environment at once so its name is free for a new one (Microsoft Learn, "Delete and
  // recover environments"); the docs do not say whether at acceptance or at completion: the emulator renames at once.
  if (soft && ctx.deps.behaviour.softDeleteRename) env.name = softDeletedName(env.name, ctx.now);
  const served = ctx.tenant.environments.includes(env);
  if (served) {
    ctx.tenant.environments = ctx.tenant.environments.filter((e) => e !== env);
    tenantAdmin(ctx.tenant).inactiveEnvironments.push(env);
  }
  const op = startEnvironmentOperation(
    ctx.tenant,
    {
      type: soft ? "softDelete" : "delete",
      originalName,
      environment: env,
      createdBy: createdBy(ctx),
      runMs: ADMIN_DELAYS.deleteMs,
      parameters: soft
        ? { retentionMs: softDeleteRetention(ctx.deps.timeScale) }
        : {
            environmentName: originalName,
            environmentType: env.type,
            productFamily: APPLICATION_FAMILY,
            countryCode: env.countryCode,
            applicationVersion: env.applicationVersion,
          },
    },
    ctx.now,
    ctx.deps.timeScale,
  );
  ctx.deps.changed();
  if (atLeast(ctx.version, 9)) reply(ctx, 202, environmentOperationJson(op, ctx.version));
  else replyEmpty(ctx, 202);
}

export function recoverEnvironment(ctx: AdminContext, family: string, name: string) {
  requireVersion(ctx.version, 18, ctx.path);
  checkFamily(family);
  const env = requireListedEnvironment(ctx, family, name);
  const status = statusOf(env);
  if (status === "Recovering") {
    throw new AdminError(
      400,
      "deletedEnvironmentRecoveryInProgress",
      `The environment '${env.name}' is already being recovered.`,
    );
  }
  if (status !== "SoftDeleted") {
    throw new AdminError(
      400,
      "invalidStatusCannotRecoverDeletedEnvironment",
      `The environment '${env.name}' is ${status}; only soft-deleted environments can be recovered.`,
    );
  }
  envAdmin(env).status = "Recovering";
  const op = startEnvironmentOperation(
    ctx.tenant,
    {
      type: "recover",
      environment: env,
      createdBy: createdBy(ctx),
      runMs: ADMIN_DELAYS.recoverMs,
      parameters: { recoveryReason: "requestedByAdmin" },
    },
    ctx.now,
    ctx.deps.timeScale,
  );
  ctx.deps.changed();
  reply(ctx, 202, environmentOperationJson(op, ctx.version));
}

/**
 * Environment operations, plus the app operations of the environments (`environmentAppInstall`, …, from API 2.6),
 * oldest first. `envName` limits the list to one environment (API 2.6; all environments since 2.7).
 */
export function listOperations(ctx: AdminContext, envName?: string) {
  requireVersion(ctx.version, envName === undefined ? 7 : 6, ctx.path);
  const lower = envName?.toLowerCase();
  if (envName !== undefined && !findListedEnvironment(ctx.tenant, envName)) {
    const known = (ctx.tenant.adminCenter?.operations ?? []).some((op) => op.environmentName.toLowerCase() === lower);
    if (!known) throw environmentNotFound(APPLICATION_FAMILY, envName);
  }
  const environmentOps = (ctx.tenant.adminCenter?.operations ?? [])
    .filter(
      (op) =>
        lower === undefined || op.environmentName.toLowerCase() === lower || op.targetName?.toLowerCase() === lower,
    )
    .map((op) => ({ createdOn: op.createdOn, json: environmentOperationJson(op, ctx.version) }));
  const appOps = listedEnvironments(ctx.tenant)
    .filter((env) => lower === undefined || env.name.toLowerCase() === lower)
    .flatMap((env) =>
      (env.admin?.appOperations ?? []).map((op) => ({
        createdOn: op.createdOn,
        json: appOperationEnvironmentJson(ctx, env, op),
      })),
    );
  const all = [...environmentOps, ...appOps].sort((a, b) => a.createdOn.localeCompare(b.createdOn));
  reply(ctx, 200, { value: all.map((o) => o.json) });
}

/** `GET /environments/operations/{id}` (API 2.28). */
export function getOperation(ctx: AdminContext, id: string) {
  requireVersion(ctx.version, 28, ctx.path);
  const op = (ctx.tenant.adminCenter?.operations ?? []).find((o) => o.id.toLowerCase() === id.toLowerCase());
  if (op) return reply(ctx, 200, environmentOperationJson(op, ctx.version));
  for (const env of listedEnvironments(ctx.tenant)) {
    const appOp = env.admin?.appOperations.find((o) => o.id.toLowerCase() === id.toLowerCase());
    if (appOp) return reply(ctx, 200, appOperationEnvironmentJson(ctx, env, appOp));
  }
  throw new AdminError(404, "operationNotFound", `The operation '${id}' was not found.`, { target: id });
}

/**
 * `GET …/applications/{family}/environments/{name}/operations/{id}` (API 2.28): the environment must exist under
 * that name. After a soft delete renamed it, the old name answers `environmentNotFound`, as the bcadmincenter
 * Terraform provider expects while it polls a delete.
 */
export function getEnvironmentOperation(ctx: AdminContext, family: string, name: string, id: string) {
  requireVersion(ctx.version, 28, ctx.path);
  const env = requireListedEnvironment(ctx, family, name);
  const lower = env.name.toLowerCase();
  const op = (ctx.tenant.adminCenter?.operations ?? []).find(
    (o) => o.id.toLowerCase() === id.toLowerCase() && (o.targetName ?? o.environmentName).toLowerCase() === lower,
  );
  if (op) return reply(ctx, 200, environmentOperationJson(op, ctx.version));
  const appOp = env.admin?.appOperations.find((o) => o.id.toLowerCase() === id.toLowerCase());
  if (appOp) return reply(ctx, 200, appOperationEnvironmentJson(ctx, env, appOp));
  throw new AdminError(404, "operationNotFound", `The operation '${id}' was not found.`, { target: id });
}

export function listApplications(ctx: AdminContext) {
  reply(ctx, 200, applicationsJson());
}

export function ringVersions(ctx: AdminContext, family: string, country: string, ringName: string) {
  checkFamily(family);
  if (!COUNTRIES[country.toUpperCase()]) {
    throw new AdminError(404, "resourceDoesNotExist", `The country/region '${country}' was not found.`, {
      target: country,
    });
  }
  const ring = ringOf(ringName);
  if (!ring)
    throw new AdminError(404, "resourceDoesNotExist", `The ring '${ringName}' was not found.`, { target: ringName });
  reply(ctx, 200, { value: [...RING_VERSIONS[ring.name]] });
}

export function quotas(ctx: AdminContext) {
  const q = tenantAdmin(ctx.tenant).quotas;
  ctx.deps.changed();
  reply(ctx, 200, {
    environmentsCount: { production: q.production, sandbox: q.sandbox },
    storageInKilobytes: { default: 83_886_080, userLicenses: 0, additionalCapacity: 0, total: 83_886_080 },
  });
}
