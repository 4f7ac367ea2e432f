import { type AppDependency, type AppTable, readApp } from "../../formats/navx";
import { compareVersions } from "../../formats/version";
import type { BehaviourSwitches } from "../options";
import type { DeploymentOperationState, EnvironmentState, PendingDeployment, PublishedAppState } from "../state/model";
import { parseVersion } from "./application-version";
import type { EnvironmentTicker } from "./clock-step";
import { installedVersionOf } from "./published-apps";

/**
 * Extension deployments ("NAV App Tenant Operation" rows, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis): started by
 * `extensionUpload(…)/Microsoft.NAV.upload` and — later — by the Admin Center API, which writes the same
 * `publishedApps`/`deploymentOperations` state through these functions.
 *
 * Lifecycle: a row is created `InProgress`; once `completeAfter` has passed (extensionDeployMs × timeScale) the next
 * request (the clock step, see ../clock.ts; and every read of `extensionDeploymentStatus`) decides the outcome:
 *
 * - `Failed` when an injected `outcome: "Failed"` is set (control plane), when the same app id + version is already
 *   published with a different package id ("An extension with same App ID and version has already been uploaded",
 *   [OBS AL#4760]), when a higher version of the app is installed (downgrade), when a manifest dependency is not
 *   installed in at least its MinVersion, or when schema sync mode `Add` meets a destructive schema change;
 * - `Completed` otherwise: the package is published (`PTE`) and installed; an older installed version of the same app
 *   becomes uninstalled (it stays published). Re-uploading the identical package (same package id) just (re)installs.
 *
 * Schema synchronisation [INF, the one modelled difference between `Add` and `Force Sync`]: tables and fields come
 * from the packages' `SymbolReference.json`; removing a table or field that the baseline (the installed version, or
 * else the highest published version whose data was not deleted) has is refused under `Add` and allowed under
 * `Force Sync`.
 *
 * Staged schedules [UNK, documented choice]: `Next minor version` / `Next major version` uploads report schedule
 * `StageForNextMinorUpdate` / `StageForNextUpdate` and stay `InProgress` until the environment's application version
 * passes the next minor (resp. major) version — e.g. via the control plane — and are then decided like above.
 */

export type DeploySchedule = "Immediate" | "StageForNextMinorUpdate" | "StageForNextUpdate";

/** extensionUpload's `schedule` captions → the deployment schedule BC records [SRC ExtensionOperationImpl DeployAndUploadExtension]. */
export function deployScheduleOf(uploadSchedule: string): DeploySchedule {
  switch (uploadSchedule) {
    case "Next minor version":
      return "StageForNextMinorUpdate";
    case "Next major version":
      return "StageForNextUpdate";
    default:
      return "Immediate";
  }
}

export interface DeploymentApp {
  packageId: string;
  id: string;
  name: string;
  publisher: string;
  version: string;
  dependencies: AppDependency[];
}

export interface StartDeploymentOptions {
  now: number;
  newGuid(): string;
  /** Emulated run time (already scaled by timeScale). */
  durationMs: number;
  operationType?: "Upload" | "Install";
  schedule?: DeploySchedule;
  schemaSyncMode?: "Add" | "ForceSync";
  publishedAs?: PublishedAppState["publishedAs"];
  /** The `.app` bytes (uploads); catalog installs have none. */
  content?: Buffer;
}

/** Records a new InProgress operation (newest first is a matter of sorting by startedOn; see the status page). */
export function startDeployment(
  env: EnvironmentState,
  app: DeploymentApp,
  options: StartDeploymentOptions,
): DeploymentOperationState {
  const schedule = options.schedule ?? "Immediate";
  const request: PendingDeployment = {
    appId: app.id,
    dependencies: app.dependencies,
    publishedAs: options.publishedAs ?? "PTE",
    schemaSyncMode: options.schemaSyncMode ?? "Add",
    schedule,
    contentBase64: options.content?.toString("base64"),
  };
  if (schedule !== "Immediate") request.stagedFromVersion = env.applicationVersion;
  const op: DeploymentOperationState = {
    operationID: options.newGuid(),
    name: app.name,
    publisher: app.publisher,
    operationType: options.operationType ?? "Upload",
    status: "InProgress",
    schedule,
    appVersion: app.version,
    startedOn: new Date(options.now).toISOString(),
    packageId: app.packageId,
    completeAfter: options.now + options.durationMs,
    request,
  };
  env.deploymentOperations.push(op);
  return op;
}

/**
 * Decides every due InProgress operation of the environment, oldest first (so two uploads of the same app behave
 * sequentially). Returns whether anything changed.
 */
export function advanceDeployments(
  env: EnvironmentState,
  now: number,
  behaviour: Pick<BehaviourSwitches, "deploymentReportsFailedButInstalls">,
): boolean {
  const due = env.deploymentOperations
    .filter((op) => op.status === "InProgress" && isDue(env, op, now))
    .sort((a, b) => a.startedOn.localeCompare(b.startedOn));
  for (const op of due) complete(env, op, behaviour);
  return due.length > 0;
}

/**
 * Deployments run in the background whether or not anyone polls: every clock step decides the due ones, so
 * `extensions` shows the installed app even to a client that never polls the status.
 */
export const advanceDeploymentsTicker: EnvironmentTicker = (env, step) =>
  advanceDeployments(env, step.now, step.behaviour);

function isDue(env: EnvironmentState, op: DeploymentOperationState, now: number): boolean {
  if (op.completeAfter !== undefined && now < op.completeAfter) return false;
  const from = op.request?.stagedFromVersion;
  if (!from) return true;
  const was = parseVersion(from);
  const is = parseVersion(env.applicationVersion);
  if (op.schedule === "StageForNextUpdate") return is.major > was.major;
  return is.major > was.major || (is.major === was.major && is.minor > was.minor);
}

function complete(
  env: EnvironmentState,
  op: DeploymentOperationState,
  behaviour: Pick<BehaviourSwitches, "deploymentReportsFailedButInstalls">,
) {
  const failure = op.outcome === "Failed" ? (op.detail ?? "The deployment failed.") : check(env, op);
  op.completeAfter = undefined;
  if (failure) {
    op.status = "Failed";
    op.outcome = "Failed";
    op.detail = failure;
  } else {
    publishAndInstall(env, op);
    // The user-voices ambiguity: the app is installed, the operation says Failed.
    op.status = behaviour.deploymentReportsFailedButInstalls ? "Failed" : "Completed";
    op.outcome = "Completed";
    op.detail = behaviour.deploymentReportsFailedButInstalls
      ? "The operation reported a failure, but the extension was installed."
      : undefined;
  }
  // The package now lives in publishedApps (or was refused); the pending copy is no longer needed.
  op.request = op.request ? { ...op.request, contentBase64: undefined } : undefined;
}

/** The failure text of an operation that cannot complete, or undefined. */
function check(env: EnvironmentState, op: DeploymentOperationState): string | undefined {
  const req = op.request;
  if (!req) return undefined;
  const sameApp = env.publishedApps.filter((p) => p.id === req.appId);
  const sameVersion = sameApp.find((p) => compareVersions(p.version, op.appVersion) === 0);
  if (sameVersion && sameVersion.packageId !== op.packageId) {
    return `An extension with same App ID and version has already been uploaded. App ID: ${req.appId}, version: ${op.appVersion}.`;
  }
  const installed = installedVersionOf(env, req.appId);
  if (installed && compareVersions(op.appVersion, installed.version) < 0) {
    return `The extension '${op.name}' version ${op.appVersion} cannot be deployed because version ${installed.version} is installed. Downgrading an extension is not supported.`;
  }
  for (const dep of req.dependencies) {
    const have = installedVersionOf(env, dep.id);
    if (!have || compareVersions(have.version, dep.version) < 0) {
      return `The extension '${op.name}' cannot be deployed because its dependency '${dep.name}' by '${dep.publisher}' (${dep.id}) version ${dep.version} or later is not installed.`;
    }
  }
  // sameVersion here is the identical package (a different one failed above): nothing to synchronise.
  if (req.schemaSyncMode === "Add" && !sameVersion) {
    const baseline = installed ?? latestWithData(sameApp);
    const removed = baseline
      ? destructiveChange(tablesOf(baseline.contentBase64), tablesOf(req.contentBase64))
      : undefined;
    if (removed) {
      return `The schema synchronization of extension '${op.name}' failed: ${removed} Destructive changes require the schema sync mode 'Force Sync'.`;
    }
  }
  return undefined;
}

function latestWithData(rows: PublishedAppState[]): PublishedAppState | undefined {
  return rows.filter((p) => !p.dataDeleted).sort((a, b) => compareVersions(b.version, a.version))[0];
}

function tablesOf(contentBase64: string | undefined): AppTable[] | undefined {
  if (!contentBase64) return undefined;
  try {
    return readApp(Buffer.from(contentBase64, "base64")).tables;
  } catch {
    return undefined;
  }
}

/** Describes the first table or field the new schema drops, or undefined. */
function destructiveChange(before: AppTable[] | undefined, after: AppTable[] | undefined): string | undefined {
  if (!before || !after) return undefined;
  for (const table of before) {
    const next = after.find((t) => t.id === table.id);
    if (!next) return `Table ${table.id} '${table.name}' was removed.`;
    for (const field of table.fields) {
      if (!next.fields.some((f) => f.id === field.id)) {
        return `Field ${field.id} '${field.name}' was removed from table ${table.id} '${table.name}'.`;
      }
    }
  }
  return undefined;
}

function publishAndInstall(env: EnvironmentState, op: DeploymentOperationState) {
  const req = op.request;
  if (!req || !op.packageId) return;
  let row = env.publishedApps.find((p) => p.packageId === op.packageId);
  if (!row) {
    row = {
      packageId: op.packageId,
      id: req.appId,
      displayName: op.name,
      publisher: op.publisher,
      version: op.appVersion,
      publishedAs: req.publishedAs,
      isInstalled: false,
      tenantVisible: true,
      perTenant: req.publishedAs !== "Global",
      dependencies: req.dependencies.map((d) => d.id),
      contentBase64: req.contentBase64,
    };
    env.publishedApps.push(row);
  }
  // Upgrade: the previously installed version stays published but is no longer installed.
  for (const other of env.publishedApps) {
    if (other !== row && other.id === row.id && other.isInstalled) other.isInstalled = false;
  }
  row.isInstalled = true;
  row.dataDeleted = false;
}
