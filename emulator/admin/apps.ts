/**
 * App management per environment (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management): installed apps, available updates, install/update/uninstall
 * of AppSource apps from the seeded catalog, uninstall requirements and app operations.
 *
 * Install and uninstall need the `EXTEN. MGT. - ADMIN` permission set for the calling app inside the environment
 * (the docs' "Required In-Product Permissions"); update and the read endpoints do not.
 */
import { SYSTEM_APP_ID, BASE_APP_ID, stableGuid } from "../state/seed";
import type { AppSourceAppState, AppSourceVersionState, EnvironmentState, PublishedAppState } from "../state/model";
import { requireVersion } from "./api-version";
import {
  appOperationJson,
  appOperationListJson,
  cancelAppOperation,
  pendingOperationsFor,
  startAppOperation,
  type NewAppOperation,
} from "./app-operations";
import type { JsonBody } from "./body";
import { compareVersions } from "../../formats/version";
import {
  type Requirement,
  catalogApp,
  compatibleVersions,
  installedApp,
  installedDependents,
  latestVersion,
  missingDependencies,
  requirementsError,
} from "./catalog";
import { type AdminContext, reply } from "./context";
import { AdminError, invalidInput } from "./errors";

/** Microsoft platform apps that cannot be uninstalled. */
const PLATFORM_APPS = [SYSTEM_APP_ID, BASE_APP_ID];

const canBeUninstalled = (app: PublishedAppState) => !PLATFORM_APPS.includes(app.id.toLowerCase());

const appType = (app: PublishedAppState) =>
  app.publishedAs === "Global" ? "global" : app.publishedAs === "Dev" ? "dev" : "tenant";

/** The permission set the docs require for install/uninstall, held by the calling app inside the environment. */
export function requireExtensionAdmin(ctx: AdminContext, env: EnvironmentState) {
  if (ctx.caller.delegated) return;
  const app = env.entraApplications.find((a) => a.clientId.toLowerCase() === ctx.caller.clientId);
  const has =
    app?.state === "Enabled" &&
    env.accessControls.some(
      (ac) =>
        ac.userSecurityId.toLowerCase() === app.userSecurityId.toLowerCase() && ac.roleId === "EXTEN. MGT. - ADMIN",
    );
  if (!has) {
    throw new AdminError(
      403,
      "Forbidden",
      `The Microsoft Entra app '${ctx.caller.clientId}' needs the permission set 'EXTEN. MGT. - ADMIN' in environment '${env.name}' to install or uninstall apps. Register the app on the environment's "Microsoft Entra applications" page and assign the permission set.`,
    );
  }
}

export function listInstalledApps(ctx: AdminContext, env: EnvironmentState) {
  const history = env.admin?.appHistory ?? {};
  const value = env.publishedApps
    .filter((p) => p.isInstalled)
    .map((p) => {
      const pending = pendingOperationsFor(env, p.id).find((op) => op.type === "update" || op.type === "install");
      const h = history[p.id.toLowerCase()] ?? {};
      return {
        appId: p.id,
        name: p.displayName,
        publisher: p.publisher,
        version: p.version,
        state: pending ? (pending.status === "running" ? "Updating" : "UpdatePending") : "Installed",
        lastOperationId: h.lastOperationId ?? null,
        lastUpdateAttemptResult: h.lastUpdateAttemptResult ?? null,
        lastUninstallOperationId: h.lastUninstallOperationId ?? null,
        lastUninstallAttemptResult: h.lastUninstallAttemptResult ?? null,
        appType: appType(p),
        canBeUninstalled: canBeUninstalled(p),
      };
    });
  reply(ctx, 200, { value });
}

/** Newer compatible AppSource versions of installed global apps, with what they need first. */
export function availableUpdates(ctx: AdminContext, env: EnvironmentState) {
  const state = ctx.deps.state();
  const value = [];
  for (const installed of env.publishedApps.filter((p) => p.isInstalled && p.publishedAs === "Global")) {
    const app = catalogApp(state, installed.id);
    const latest = app ? latestVersion(app, env) : undefined;
    if (!app || !latest || compareVersions(latest.version, installed.version) <= 0) continue;
    let requirements: Requirement[] = [];
    try {
      requirements = missingDependencies(state, env, latest, app.name);
    } catch {
      continue; // not installable here: not an available update
    }
    value.push({
      appId: app.appId,
      name: app.name,
      publisher: app.publisher,
      version: latest.version,
      requirements: requirements.map((r) => ({ ...r, type: r.type === "install" ? "Install" : "Update" })),
    });
  }
  reply(ctx, 200, { value });
}

function requireCatalogApp(ctx: AdminContext, appId: string): AppSourceAppState {
  const app = catalogApp(ctx.deps.state(), appId);
  if (!app) {
    throw new AdminError(404, "ResourceDoesNotExist", `App with id '${appId}' was not found in AppSource.`, {
      target: appId,
    });
  }
  return app;
}

/**
 * The version to install: `targetVersion` if given (must exist, run on the environment's version, and be GA
 * unless `allowPreviewVersion`), else the latest compatible GA version. `allowPreviewVersion` requires
 * `targetVersion` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management, install body).
 */
function chooseVersion(
  env: EnvironmentState,
  app: AppSourceAppState,
  targetVersion: string | undefined,
  allowPreview: boolean,
): AppSourceVersionState {
  if (allowPreview && targetVersion === undefined) {
    throw invalidInput("targetVersion", "'targetVersion' is required when 'allowPreviewVersion' is true.");
  }
  if (targetVersion === undefined) {
    const latest = latestVersion(app, env);
    if (!latest) {
      throw new AdminError(
        400,
        "noCompatibleVersion",
        `No generally available version of '${app.name}' is compatible with this environment (application version ${env.applicationVersion}).`,
        { target: app.appId },
      );
    }
    return latest;
  }
  const version = app.versions.find((v) => compareVersions(v.version, targetVersion) === 0);
  if (!version) {
    throw invalidInput("targetVersion", `Version '${targetVersion}' of '${app.name}' is not available in AppSource.`);
  }
  if (!compatibleVersions(app, env).includes(version)) {
    throw invalidInput(
      "targetVersion",
      `Version '${targetVersion}' of '${app.name}' requires application version ${version.minApplicationVersion} or later; the environment runs ${env.applicationVersion}.`,
    );
  }
  if (version.preview && !allowPreview) {
    throw invalidInput(
      "targetVersion",
      `Version '${targetVersion}' of '${app.name}' is a preview version; set 'allowPreviewVersion' to true.`,
    );
  }
  return version;
}

function checkNoPendingOperation(env: EnvironmentState, appId: string) {
  const pending = pendingOperationsFor(env, appId);
  if (pending.length > 0) {
    throw new AdminError(
      409,
      "operationInProgress",
      `An operation (${pending[0].type}, ${pending[0].status}) is already in progress for app '${appId}' (operation id ${pending[0].id}).`,
      { target: appId },
    );
  }
}

/** The package an AppSource app version deploys: a fixed package id per app version, like a marketplace package. */
function catalogPackage(
  ctx: AdminContext,
  env: EnvironmentState,
  app: AppSourceAppState,
  version: AppSourceVersionState,
) {
  const state = ctx.deps.state();
  return {
    name: app.name,
    publisher: app.publisher,
    dependencies: version.dependencies.map((d) => {
      // Dependencies outside the catalog (Microsoft's apps) are named after the installed package.
      const dep = catalogApp(state, d.appId);
      const installed = installedApp(env, d.appId);
      return {
        id: d.appId,
        name: dep?.name ?? installed?.displayName ?? "",
        publisher: dep?.publisher ?? installed?.publisher ?? "",
        version: d.minVersion,
      };
    }),
    publishedAs: "Global" as const,
    packageId: stableGuid("appsource", app.appId, version.version),
  };
}

/**
 * Queues the installs/updates `requirements` lists (dependencies first) with the same timing as the operation
 * that needs them, so they complete before it.
 */
export function queueRequirements(
  ctx: AdminContext,
  env: EnvironmentState,
  requirements: Requirement[],
  start: NewAppOperation["start"],
) {
  const state = ctx.deps.state();
  // Check everything before queuing anything, so a refused request leaves no operations behind.
  for (const req of requirements) checkNoPendingOperation(env, req.appId);
  for (const req of requirements) {
    const app = catalogApp(state, req.appId)!;
    const version = app.versions.find((v) => v.version === req.version)!;
    startAppOperation(ctx, env, {
      appId: req.appId,
      type: req.type === "update" ? "update" : "install",
      sourceAppVersion: installedApp(env, req.appId)?.version ?? "",
      targetAppVersion: req.version,
      package: catalogPackage(ctx, env, app, version),
      parameters: { installedAsDependency: true },
      start,
    });
  }
}

export function installApp(ctx: AdminContext, env: EnvironmentState, appId: string, body: JsonBody) {
  requireVersion(ctx.version, 6, ctx.path);
  requireExtensionAdmin(ctx, env);
  if (body.bool("acceptIsvEula") !== true) {
    throw invalidInput(
      "acceptIsvEula",
      "The ISV end-user license agreement must be accepted to install the app: set 'acceptIsvEula' to true.",
    );
  }
  const app = requireCatalogApp(ctx, appId);
  const installed = installedApp(env, app.appId);
  if (installed) {
    throw new AdminError(
      400,
      "appAlreadyInstalled",
      `The app '${app.name}' is already installed in version ${installed.version}. Use the update endpoint to change its version.`,
      { target: app.appId },
    );
  }
  checkNoPendingOperation(env, app.appId);
  const version = chooseVersion(env, app, body.string("targetVersion"), body.bool("allowPreviewVersion") === true);
  const requirements = missingDependencies(ctx.deps.state(), env, version, app.name);
  const withDependencies = body.bool("installOrUpdateNeededDependencies") === true;
  if (requirements.length > 0 && !withDependencies) {
    throw requirementsError(
      "missingDependencies",
      `The app '${app.name}' ${version.version} needs other apps to be installed or updated first. Install them, or set 'installOrUpdateNeededDependencies' to true.`,
      requirements,
    );
  }
  const start = body.bool("useEnvironmentUpdateWindow") === true ? "window" : "queued";
  queueRequirements(ctx, env, requirements, start);
  const op = startAppOperation(ctx, env, {
    appId: app.appId,
    type: "install",
    sourceAppVersion: "",
    targetAppVersion: version.version,
    package: catalogPackage(ctx, env, app, version),
    parameters: {
      targetAppVersion: version.version,
      allowPreviewVersion: body.bool("allowPreviewVersion") === true,
      ignoreUpgradeWindow: start !== "window",
      acceptIsvEula: true,
      allowDependencyUpdate: withDependencies,
      languageId: body.string("languageId") ?? "",
    },
    start,
  });
  ctx.deps.changed();
  reply(ctx, 200, appOperationJson(ctx, op, false));
}

export function updateApp(ctx: AdminContext, env: EnvironmentState, appId: string, body: JsonBody) {
  const targetVersion = body.string("targetVersion");
  if (targetVersion === undefined || targetVersion.trim() === "") {
    throw invalidInput("targetVersion", "'targetVersion' is required; get it from availableUpdates.");
  }
  const installed = installedApp(env, appId);
  if (!installed) {
    throw new AdminError(
      404,
      "ResourceDoesNotExist",
      `App with id '${appId}' is not installed on environment or the environment does not exist.`,
      { target: `BusinessCentral/${env.name}/apps/${appId}` },
    );
  }
  if (installed.publishedAs !== "Global") {
    throw invalidInput("appId", "Per-tenant extensions are updated by uploading a new version (apps/pteInstall).");
  }
  const app = requireCatalogApp(ctx, appId);
  const version = chooseVersion(env, app, targetVersion, body.bool("allowPreviewVersion") === true);
  const order = compareVersions(version.version, installed.version);
  if (order <= 0) {
    throw invalidInput(
      "targetVersion",
      order === 0
        ? `Version ${installed.version} of '${app.name}' is already installed.`
        : `Version ${version.version} is lower than the installed version ${installed.version}; apps cannot be downgraded.`,
    );
  }
  checkNoPendingOperation(env, app.appId);
  const requirements = missingDependencies(ctx.deps.state(), env, version, app.name);
  const withDependencies = body.bool("installOrUpdateNeededDependencies") === true;
  if (requirements.length > 0 && !withDependencies) {
    throw requirementsError(
      "missingDependencies",
      `Updating '${app.name}' to ${version.version} needs other apps to be installed or updated first. Update them, or set 'installOrUpdateNeededDependencies' to true.`,
      requirements,
    );
  }
  const start = body.bool("useEnvironmentUpdateWindow") === true ? "window" : "queued";
  queueRequirements(ctx, env, requirements, start);
  const op = startAppOperation(ctx, env, {
    appId: app.appId,
    type: "update",
    sourceAppVersion: installed.version,
    targetAppVersion: version.version,
    package: catalogPackage(ctx, env, app, version),
    parameters: {
      targetAppVersion: version.version,
      allowPreviewVersion: body.bool("allowPreviewVersion") === true,
      ignoreUpgradeWindow: start !== "window",
      allowDependencyUpdate: withDependencies,
    },
    start,
  });
  ctx.deps.changed();
  reply(ctx, 200, appOperationJson(ctx, op, false));
}

/** `POST …/apps/{appId}/update/cancel` `{ScheduledOperationId}`: cancels a scheduled (update-window) update. */
export function cancelUpdate(ctx: AdminContext, env: EnvironmentState, appId: string, body: JsonBody) {
  const id = body.string("ScheduledOperationId");
  if (!id) throw invalidInput("ScheduledOperationId", "'ScheduledOperationId' is required.");
  const op = env.admin?.appOperations.find(
    (o) => o.id.toLowerCase() === id.toLowerCase() && o.appId === appId.toLowerCase(),
  );
  if (op?.type !== "update") {
    throw new AdminError(404, "ResourceDoesNotExist", `No update operation '${id}' exists for app '${appId}'.`, {
      target: id,
    });
  }
  if (op.status !== "scheduled") {
    throw invalidInput(
      "ScheduledOperationId",
      `The operation '${id}' is ${op.status}; only scheduled updates can be canceled.`,
    );
  }
  cancelAppOperation(ctx, env, op, "");
  ctx.deps.changed();
  reply(ctx, 200, appOperationJson(ctx, op, false));
}

export function uninstallApp(ctx: AdminContext, env: EnvironmentState, appId: string, body: JsonBody) {
  requireVersion(ctx.version, 6, ctx.path);
  requireExtensionAdmin(ctx, env);
  const installed = installedApp(env, appId);
  if (!installed) {
    throw new AdminError(
      404,
      "ResourceDoesNotExist",
      `App with id '${appId}' is not installed on environment or the environment does not exist.`,
      { target: `BusinessCentral/${env.name}/apps/${appId}` },
    );
  }
  if (!canBeUninstalled(installed)) {
    throw new AdminError(400, "appCannotBeUninstalled", `The app '${installed.displayName}' cannot be uninstalled.`, {
      target: installed.id,
    });
  }
  checkNoPendingOperation(env, installed.id);
  const dependents = installedDependents(env, installed.id);
  if (dependents.length > 0 && body.bool("uninstallDependents") !== true) {
    throw requirementsError(
      "dependentAppsInstalled",
      `Other installed apps depend on '${installed.displayName}'. Uninstall them first, or set 'uninstallDependents' to true.`,
      dependents.map((d) => ({
        appId: d.id,
        name: d.displayName,
        publisher: d.publisher,
        version: d.version,
        type: "uninstall",
      })),
    );
  }
  const deleteData = body.bool("deleteData") === true;
  const start = body.bool("useEnvironmentUpdateWindow") === true ? "window" : "queued";
  for (const dependent of dependents) checkNoPendingOperation(env, dependent.id);
  for (const dependent of dependents) startAppOperation(ctx, env, uninstallRequest(dependent, false, start));
  const op = startAppOperation(ctx, env, uninstallRequest(installed, deleteData, start));
  ctx.deps.changed();
  reply(ctx, 200, appOperationJson(ctx, op, false));
}

function uninstallRequest(app: PublishedAppState, deleteData: boolean, start: "queued" | "window") {
  return {
    appId: app.id,
    type: "uninstall" as const,
    sourceAppVersion: app.version,
    targetAppVersion: "",
    package: {
      name: app.displayName,
      publisher: app.publisher,
      dependencies: [],
      publishedAs: app.publishedAs === "Global" ? ("Global" as const) : ("PTE" as const),
      packageId: app.packageId,
      deleteData,
    },
    parameters: { deleteData, ignoreUpgradeWindow: start !== "window" },
    start,
  };
}

/** `GET …/apps/{appId}/uninstallRequirements` (API 2.25): the installed apps that depend on it. */
export function uninstallRequirements(ctx: AdminContext, env: EnvironmentState, appId: string) {
  requireVersion(ctx.version, 25, ctx.path);
  const value = installedDependents(env, appId).map((d) => ({
    appId: d.id,
    name: d.displayName,
    publisher: d.publisher,
    version: d.version,
    type: d.publishedAs === "Dev" ? "DEV" : d.publishedAs,
    EnvironmentAppOperationRequirementType: "Uninstall",
  }));
  reply(ctx, 200, { value });
}

export function listAppOperations(ctx: AdminContext, env: EnvironmentState, appId: string, operationId?: string) {
  const ops = (env.admin?.appOperations ?? []).filter((op) => op.appId === appId.toLowerCase());
  if (operationId === undefined) {
    reply(ctx, 200, { value: ops.map(appOperationListJson) });
    return;
  }
  const op = ops.find((o) => o.id.toLowerCase() === operationId.toLowerCase());
  if (!op) {
    throw new AdminError(
      404,
      "ResourceDoesNotExist",
      `The operation '${operationId}' does not exist for app '${appId}'.`,
      {
        target: operationId,
      },
    );
  }
  reply(ctx, 200, appOperationListJson(op));
}
