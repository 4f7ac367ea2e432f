/**
 * App operations of the Admin Center (install, update, uninstall, PTE install; https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management): records with
 * lower-case statuses `scheduled → running → succeeded|failed` that advance with emulated time.
 *
 * Installs and updates (AppSource apps and uploaded PTEs alike) are carried out by the automation side's
 * deployment pipeline (`domain/deployments.ts`): when an operation starts running it opens a
 * "NAV App Tenant Operation" — `Install` for AppSource apps, `Upload` for packages (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis) — and the
 * operation ends as that deployment ends. So an Admin Center install shows in `extensionDeploymentStatus` while
 * it runs, and its outcome (dependencies, same-version conflicts, downgrades, schema sync) is decided by the same
 * rules as an automation upload; the installed package then appears in the automation `extensions` list
 * (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis). Uninstalls are applied when the operation completes (`published-apps.ts`).
 */
import { randomUUID } from "node:crypto";
import type { EnvironmentTicker } from "../domain/clock-step";
import { type DeploySchedule, advanceDeployments, startDeployment } from "../domain/deployments";
import { uninstallPackage } from "../domain/published-apps";
import type { BehaviourSwitches } from "../options";
import type { AppOperationState, EnvironmentState } from "../state/model";
import { installedApp } from "./catalog";
import type { AdminContext } from "./context";
import { ADMIN_DELAYS, PRODUCT_FAMILY, after, envAdmin, iso } from "./state";

export interface NewAppOperation {
  appId: string;
  type: AppOperationState["type"];
  sourceAppVersion: string;
  targetAppVersion: string;
  package: AppOperationState["package"];
  parameters: Record<string, unknown>;
  /**
   * `immediate`: running at once (PTE "Immediate"); `queued`: scheduled for a moment, then running; `window`: waits
   * for the environment's next update window; `staged`: waits for the next minor/major BC update (PTE
   * NextMinorUpdate/NextMajorUpdate; the deployment is staged and completes when the environment's version moves).
   */
  start: "immediate" | "queued" | "window" | "staged";
  scheduleKind?: AppOperationState["scheduleKind"];
}

export function startAppOperation(
  ctx: AdminContext,
  env: EnvironmentState,
  request: NewAppOperation,
): AppOperationState {
  const now = ctx.now;
  const scale = ctx.deps.timeScale;
  const runMs = Math.round(ADMIN_DELAYS.appOperationMs * scale);
  let startAt: number | undefined;
  if (request.start === "immediate" || request.start === "staged") startAt = now;
  else if (request.start === "queued") startAt = after(now, ADMIN_DELAYS.appQueuedMs, scale);
  else startAt = after(now, ADMIN_DELAYS.updateWindowMs, scale);
  const op: AppOperationState = {
    id: randomUUID(),
    appId: request.appId.toLowerCase(),
    type: request.type,
    status: request.start === "immediate" ? "running" : "scheduled",
    sourceAppVersion: request.sourceAppVersion,
    targetAppVersion: request.targetAppVersion,
    createdOn: iso(now),
    startedOn: request.start === "immediate" ? iso(now) : undefined,
    errorMessage: "",
    createdBy: ctx.caller.clientId,
    canceledBy: "",
    creatorPrincipalType: ctx.caller.delegated ? "User" : "App",
    scheduleKind: request.scheduleKind,
    parameters: request.parameters,
    startAt,
    finishAt: startAt + runMs,
    package: request.package,
  };
  envAdmin(env).appOperations.push(op);
  recordAttempt(env, op);
  if (request.start === "immediate") beginDeployment(env, op, now, "Immediate");
  if (request.start === "staged") {
    beginDeployment(
      env,
      op,
      now,
      request.scheduleKind === "NextMajorUpdate" ? "StageForNextUpdate" : "StageForNextMinorUpdate",
    );
  }
  return op;
}

export const isPending = (op: AppOperationState) => op.status === "scheduled" || op.status === "running";

export function pendingOperationsFor(env: EnvironmentState, appId: string): AppOperationState[] {
  const lower = appId.toLowerCase();
  return (env.admin?.appOperations ?? []).filter((op) => op.appId === lower && isPending(op));
}

/** Opens the deployment that installs the operation's package. */
function beginDeployment(env: EnvironmentState, op: AppOperationState, at: number, schedule: DeploySchedule) {
  if (op.type === "uninstall") return;
  const deployment = startDeployment(
    env,
    {
      packageId: op.package.packageId,
      id: op.appId,
      name: op.package.name,
      publisher: op.package.publisher,
      version: op.targetAppVersion,
      dependencies: op.package.dependencies,
    },
    {
      now: at,
      newGuid: randomUUID,
      durationMs: Math.max(0, (op.finishAt ?? at) - (op.startAt ?? at)),
      operationType: op.package.publishedAs === "PTE" ? "Upload" : "Install",
      schedule,
      schemaSyncMode: op.package.schemaSyncMode ?? "Add",
      publishedAs: op.package.publishedAs,
      content: op.package.contentBase64 ? Buffer.from(op.package.contentBase64, "base64") : undefined,
    },
  );
  op.deploymentOperationId = deployment.operationID;
  // The package bytes now live in the deployment (and in publishedApps once it completes).
  op.package.contentBase64 = undefined;
}

/**
 * Applies everything due in one environment, in creation order (dependencies were queued before their
 * dependents): starts operations, lets the deployments decide, and mirrors their outcome.
 */
export function advanceAppOperations(
  env: EnvironmentState,
  now: number,
  behaviour: Pick<BehaviourSwitches, "deploymentReportsFailedButInstalls">,
): boolean {
  const ops = env.admin?.appOperations;
  if (!ops?.some(isPending)) return false;
  let changed = false;
  for (const op of ops) {
    if (op.status === "scheduled" && op.startAt !== undefined && now >= op.startAt && !op.deploymentOperationId) {
      op.status = "running";
      op.startedOn = iso(op.startAt);
      beginDeployment(env, op, op.startAt, "Immediate");
      changed = true;
    }
    if (op.type === "uninstall" && op.status === "running" && op.finishAt !== undefined && now >= op.finishAt) {
      finish(env, op, uninstall(env, op), op.finishAt);
      changed = true;
    }
  }
  changed = advanceDeployments(env, now, behaviour) || changed;
  for (const op of ops) {
    if (!isPending(op) || !op.deploymentOperationId) continue;
    const deployment = env.deploymentOperations.find((d) => d.operationID === op.deploymentOperationId);
    if (!deployment || deployment.status === "InProgress") continue;
    const at = Math.min(now, Math.max(op.finishAt ?? now, op.startAt ?? now));
    op.startedOn ??= iso(at);
    finish(
      env,
      op,
      deployment.status === "Completed" ? undefined : (deployment.detail ?? "The deployment failed."),
      at,
    );
    changed = true;
  }
  return changed;
}

/** The clock step's view of {@link advanceAppOperations}. */
export const advanceAppOperationsTicker: EnvironmentTicker = (env, step) =>
  advanceAppOperations(env, step.now, step.behaviour);

function uninstall(env: EnvironmentState, op: AppOperationState): string | undefined {
  const installed = installedApp(env, op.appId);
  if (!installed) return `The app '${op.package.name}' (${op.appId}) is not installed.`;
  uninstallPackage(env, installed, op.package.deleteData === true);
  return undefined;
}

function finish(env: EnvironmentState, op: AppOperationState, error: string | undefined, at: number) {
  op.status = error === undefined ? "succeeded" : "failed";
  op.errorMessage = error ?? "";
  op.completedOn = iso(at);
  recordAttempt(env, op);
}

/** `lastUpdateAttemptResult`/`lastUninstallAttemptResult` values; undefined while the operation is pending. */
const ATTEMPT_RESULTS: Partial<Record<AppOperationState["status"], string>> = {
  succeeded: "Succeeded",
  failed: "Failed",
  canceled: "Canceled",
  skipped: "Skipped",
};

/** The history columns of `GET …/apps` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management). */
function recordAttempt(env: EnvironmentState, op: AppOperationState) {
  const history = envAdmin(env).appHistory;
  history[op.appId] ??= {};
  const entry = history[op.appId];
  const result = ATTEMPT_RESULTS[op.status];
  if (op.type === "uninstall") {
    entry.lastUninstallOperationId = op.id;
    entry.lastUninstallAttemptResult = result;
  } else {
    entry.lastOperationId = op.id;
    entry.lastUpdateAttemptResult = result;
  }
}

/** Cancels a scheduled operation (update/cancel, removeScheduledPteVersion); a staged deployment is dropped. */
export function cancelAppOperation(ctx: AdminContext, env: EnvironmentState, op: AppOperationState, reason: string) {
  op.status = "canceled";
  op.canceledBy = ctx.caller.clientId;
  op.completedOn = iso(ctx.now);
  op.errorMessage = reason;
  if (op.deploymentOperationId) {
    env.deploymentOperations = env.deploymentOperations.filter(
      (d) => !(d.operationID === op.deploymentOperationId && d.status === "InProgress"),
    );
  }
  recordAttempt(env, op);
}

/** The answer of install/update/uninstall/pteInstall (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management, "app operation"). */
export function appOperationJson(ctx: AdminContext, op: AppOperationState, extended: boolean) {
  const json: Record<string, unknown> = {
    id: op.id,
    type: op.type,
    sourceAppVersion: op.sourceAppVersion,
    targetAppVersion: op.targetAppVersion,
    status: op.status,
    createdOn: op.createdOn,
  };
  if (op.startedOn) json.startedOn = op.startedOn;
  if (op.completedOn) json.completedOn = op.completedOn;
  json.errorMessage = op.errorMessage;
  json.createdBy = op.createdBy;
  json.canceledBy = op.canceledBy;
  if (extended) {
    json.creatorPrincipalType = op.creatorPrincipalType;
    json.appId = op.appId;
    json.aadTenantId = ctx.tenant.id;
    if (op.scheduleKind) json.scheduleKind = op.scheduleKind;
  }
  return json;
}

/** `GET …/apps/{appId}/operations` rows: the docs name the versions `sourceVersion`/`targetVersion` there. */
export function appOperationListJson(op: AppOperationState) {
  return {
    id: op.id,
    createdOn: op.createdOn,
    startedOn: op.startedOn ?? null,
    completedOn: op.completedOn ?? null,
    status: op.status,
    sourceVersion: op.sourceAppVersion,
    targetVersion: op.targetAppVersion,
    type: op.type,
    errorMessage: op.errorMessage,
  };
}

/** App operations as the environment-operations list shows them (`environmentAppInstall`, …; API 2.6). */
export function appOperationEnvironmentJson(ctx: AdminContext, env: EnvironmentState, op: AppOperationState) {
  const type = {
    install: "environmentAppInstall",
    update: "environmentAppUpdate",
    uninstall: "environmentAppUninstall",
  }[op.type];
  const json: Record<string, unknown> = {
    id: op.id,
    type,
    status: op.status,
    aadTenantId: ctx.tenant.id,
    createdOn: op.createdOn,
  };
  if (op.startedOn) json.startedOn = op.startedOn;
  if (op.completedOn) json.completedOn = op.completedOn;
  json.createdBy = op.createdBy;
  json.errorMessage = op.errorMessage;
  json.parameters = {
    appId: op.appId,
    sourceAppVersion: op.sourceAppVersion,
    targetAppVersion: op.targetAppVersion,
    countryCode: env.countryCode,
    ...op.parameters,
  };
  json.environmentName = env.name;
  json.environmentType = env.type;
  json.productFamily = PRODUCT_FAMILY;
  return json;
}
