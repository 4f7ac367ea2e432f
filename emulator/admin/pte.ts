/**
 * Per-tenant extensions through the Admin Center (API 2.29, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management — the replacement of the
 * deprecated automation `extensionUpload`): `apps/pteInstall` (multipart upload of a `.app`),
 * `apps/scheduledPteOperations` and `apps/{appId}/removeScheduledPteVersion`.
 *
 * Schedules: `Immediate` runs at once (operation `running`); `UpdateWindow` waits for the environment's next
 * update window (emulated delay); `NextMinorUpdate`/`NextMajorUpdate` stage the package until the environment's
 * application version passes the next minor/major version (e.g. changed through the control plane) — the same
 * staging the automation deployments use. New PTEs may only use Immediate or UpdateWindow.
 */
import { type AppPackageInfo, NotAnExtensionFileError, readApp } from "../../formats/navx";
import { parseVersion } from "../domain/application-version";
import type { AppOperationState, EnvironmentState } from "../state/model";
import { requireVersion } from "./api-version";
import { appOperationJson, cancelAppOperation, pendingOperationsFor, startAppOperation } from "./app-operations";
import { queueRequirements, requireExtensionAdmin } from "./apps";
import type { JsonBody } from "./body";
import { installedApp, missingDependencies, requirementsError } from "./catalog";
import { type AdminContext, reply } from "./context";
import { AdminError, invalidInput } from "./errors";
import { readMultipart } from "./multipart";

/** `extensionFile` "cannot exceed 50MB" (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management). */
export const MAX_PTE_BYTES = 50 * 1024 * 1024;
/** The whole form: the file plus a little room for the other fields and the MIME framing. */
const MAX_FORM_BYTES = MAX_PTE_BYTES + 1024 * 1024;

const SCHEDULES = ["Immediate", "UpdateWindow", "NextMinorUpdate", "NextMajorUpdate"] as const;
type ScheduleKind = (typeof SCHEDULES)[number];
const SYNC_MODES = ["Add", "ForceSync"] as const;

function pick<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T, target: string): T {
  if (value === undefined || value.trim() === "") return fallback;
  const found = allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  if (!found) throw invalidInput(target, `'${target}' must be one of ${allowed.join(", ")}.`);
  return found;
}

function formBool(value: string | undefined, target: string): boolean | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^true$/i.test(value.trim())) return true;
  if (/^false$/i.test(value.trim())) return false;
  throw invalidInput(target, `'${target}' must be true or false.`);
}

export async function pteInstall(ctx: AdminContext, env: EnvironmentState) {
  requireVersion(ctx.version, 29, ctx.path);
  const form = await readMultipart(ctx.req, MAX_FORM_BYTES);
  requireExtensionAdmin(ctx, env);
  const file = form.files.get("extensionfile");
  if (!file) throw invalidInput("extensionFile", "'extensionFile' (the .app package) is required.");
  if (!file.filename.toLowerCase().endsWith(".app")) {
    throw invalidInput("extensionFile", "The extension file must have the .app file extension.");
  }
  if (file.bytes.length > MAX_PTE_BYTES) {
    throw invalidInput("extensionFile", "The extension file cannot exceed 50 MB.");
  }
  if (formBool(form.fields.get("acceptisveula"), "acceptIsvEula") !== true) {
    throw invalidInput(
      "acceptIsvEula",
      "The ISV end-user license agreement must be accepted to install the app: set 'acceptIsvEula' to true.",
    );
  }
  const scheduleKind = pick<ScheduleKind>(
    form.fields.get("deploymentschedule"),
    SCHEDULES,
    "Immediate",
    "deploymentSchedule",
  );
  const syncMode = pick(form.fields.get("syncmode"), SYNC_MODES, "Add", "syncMode");
  const languageId = form.fields.get("languageid")?.trim() || "en-US";
  const withDependencies =
    formBool(form.fields.get("installorupdateneededdependencies"), "installOrUpdateNeededDependencies") === true;

  let pkg: AppPackageInfo;
  try {
    pkg = readApp(file.bytes);
  } catch (err) {
    if (err instanceof NotAnExtensionFileError) throw invalidInput("extensionFile", err.message);
    throw err;
  }
  const installed = installedApp(env, pkg.id);
  if (installed && installed.publishedAs === "Global") {
    throw invalidInput(
      "extensionFile",
      `The app '${pkg.name}' (${pkg.id}) is installed as a global (AppSource) app; a per-tenant extension cannot replace it.`,
    );
  }
  if (!installed && scheduleKind !== "Immediate" && scheduleKind !== "UpdateWindow") {
    throw invalidInput(
      "deploymentSchedule",
      "A new per-tenant extension can only be deployed 'Immediate' or in the 'UpdateWindow'.",
    );
  }
  const busy = pendingOperationsFor(env, pkg.id).find(
    (op) => op.scheduleKind === undefined || op.scheduleKind === scheduleKind,
  );
  if (busy) {
    throw new AdminError(
      409,
      "operationInProgress",
      `An operation (${busy.type}, ${busy.status}${busy.scheduleKind ? `, ${busy.scheduleKind}` : ""}) is already pending for app '${pkg.id}' (operation id ${busy.id}).`,
      { target: pkg.id },
    );
  }
  // Dependencies the package declares: missing ones come from AppSource when allowed (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management).
  const state = ctx.deps.state();
  const requirements = missingDependencies(
    state,
    env,
    {
      version: pkg.version,
      preview: false,
      minApplicationVersion: "0.0.0.0",
      dependencies: pkg.dependencies.map((d) => ({ appId: d.id, minVersion: d.version })),
    },
    pkg.name,
  );
  if (requirements.length > 0 && !withDependencies) {
    throw requirementsError(
      "missingDependencies",
      `The extension '${pkg.name}' needs other apps to be installed or updated first. Install them, or set 'installOrUpdateNeededDependencies' to true.`,
      requirements,
    );
  }
  // Staged PTEs still get their dependencies now: the staged package needs them when it lands.
  queueRequirements(ctx, env, requirements, scheduleKind === "UpdateWindow" ? "window" : "immediate");

  const op = startAppOperation(ctx, env, {
    appId: pkg.id,
    type: "install",
    sourceAppVersion: installed?.version ?? "",
    targetAppVersion: pkg.version,
    package: {
      name: pkg.name,
      publisher: pkg.publisher,
      dependencies: pkg.dependencies,
      publishedAs: "PTE",
      packageId: pkg.packageId,
      contentBase64: file.bytes.toString("base64"),
      schemaSyncMode: syncMode,
    },
    parameters: {
      appId: pkg.id,
      targetAppVersion: pkg.version,
      countryCode: env.countryCode,
      languageId,
      name: pkg.name,
      publisher: pkg.publisher,
      scheduleKind,
      targetRelease: targetRelease(env, scheduleKind),
      syncMode,
    },
    start: scheduleKind === "Immediate" ? "immediate" : scheduleKind === "UpdateWindow" ? "window" : "staged",
    scheduleKind,
  });
  ctx.deps.changed();
  reply(ctx, 200, appOperationJson(ctx, op, true));
}

/** The platform release a staged package targets (`parameters.targetRelease`, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management). */
function targetRelease(env: EnvironmentState, kind: ScheduleKind): string {
  const { major, minor } = parseVersion(env.applicationVersion);
  if (kind === "NextMajorUpdate") return `${major + 1}.0.0.0`;
  if (kind === "NextMinorUpdate") return `${major}.${minor + 1}.0.0`;
  return env.applicationVersion;
}

const isScheduledPte = (op: AppOperationState) => op.scheduleKind !== undefined && op.status === "scheduled";

/** `GET …/apps/scheduledPteOperations`: PTE installs/updates waiting for their schedule. */
export function scheduledPteOperations(ctx: AdminContext, env: EnvironmentState) {
  requireVersion(ctx.version, 29, ctx.path);
  const value = (env.admin?.appOperations ?? []).filter(isScheduledPte).map((op) => ({
    ...appOperationJson(ctx, op, true),
    // The docs spell the type "Install" on this endpoint (and "install" on pteInstall).
    type: "Install",
    startedOn: null,
    completedOn: null,
    parameters: { ...op.parameters },
  }));
  reply(ctx, 200, { value });
}

/** `POST …/apps/{appId}/removeScheduledPteVersion` `{targetVersion, scheduleKind}`. */
export function removeScheduledPteVersion(ctx: AdminContext, env: EnvironmentState, appId: string, body: JsonBody) {
  requireVersion(ctx.version, 29, ctx.path);
  const targetVersion = body.string("targetVersion");
  if (!targetVersion) throw invalidInput("targetVersion", "'targetVersion' is required.");
  const kindText = body.string("scheduleKind");
  if (!kindText) throw invalidInput("scheduleKind", "'scheduleKind' is required.");
  const scheduleKind = pick(
    kindText,
    ["NextMinorUpdate", "NextMajorUpdate", "UpdateWindow"] as const,
    "UpdateWindow",
    "scheduleKind",
  );
  const op = (env.admin?.appOperations ?? []).find(
    (o) =>
      isScheduledPte(o) &&
      o.appId === appId.toLowerCase() &&
      o.targetAppVersion === targetVersion &&
      o.scheduleKind === scheduleKind,
  );
  if (!op) {
    throw new AdminError(
      404,
      "ResourceDoesNotExist",
      `App with id '${appId}' is not installed on environment or the environment does not exist.`,
      { target: `BusinessCentral/${env.name}/apps/${appId}` },
    );
  }
  cancelAppOperation(ctx, env, op, `Removed by app '${ctx.caller.clientId}'`);
  ctx.deps.changed();
  reply(ctx, 200, appOperationJson(ctx, op, true));
}
