/**
 * Environment operations (create, copy, pitRestore, delete, softDelete, recover): records with lower-case statuses
 * `scheduled → running → succeeded` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments) that advance with emulated time. Nothing runs in the
 * background: `advanceEnvironmentOperations` is called on every request and applies what is due.
 */
import { randomUUID } from "node:crypto";
import type { EnvironmentOperationState, EnvironmentState, TenantState } from "../state/model";
import { type AdminApiVersion, atLeast } from "./api-version";
import {
  ADMIN_DELAYS,
  PRODUCT_FAMILY,
  after,
  envAdmin,
  findListedEnvironment,
  forget,
  iso,
  setServed,
  tenantAdmin,
} from "./state";

export interface NewOperation {
  type: EnvironmentOperationState["type"];
  environment: EnvironmentState;
  createdBy: string;
  parameters: Record<string, unknown>;
  /** Emulated duration of the running phase. */
  runMs: number;
  /** The environment's name when the request arrived, if the operation renames it (a soft delete). */
  originalName?: string;
  /** create, copy, pitRestore: how long (unscaled ms) the environment stays Preparing after the operation succeeds. */
  preparingLagMs?: number;
}

export function startEnvironmentOperation(
  tenant: TenantState,
  op: NewOperation,
  now: number,
  timeScale: number,
): EnvironmentOperationState {
  const startAt = after(now, ADMIN_DELAYS.environmentQueuedMs, timeScale);
  const record: EnvironmentOperationState = {
    id: randomUUID(),
    type: op.type,
    status: "scheduled",
    aadTenantId: tenant.id,
    createdOn: iso(now),
    createdBy: op.createdBy,
    errorMessage: "",
    parameters: op.parameters,
    environmentName: op.originalName ?? op.environment.name,
    ...(op.originalName !== undefined && op.originalName !== op.environment.name
      ? { targetName: op.environment.name }
      : {}),
    environmentType: op.environment.type,
    productFamily: PRODUCT_FAMILY,
    ...(op.preparingLagMs === undefined ? {} : { preparingLagMs: Math.round(op.preparingLagMs * timeScale) }),
    startAt,
    finishAt: startAt + Math.round(op.runMs * timeScale),
  };
  tenantAdmin(tenant).operations.push(record);
  return record;
}

/** Applies every environment operation and purge that is due; returns whether anything changed. */
export function advanceEnvironmentOperations(tenant: TenantState, now: number): boolean {
  const admin = tenant.adminCenter;
  if (!admin) return false;
  let changed = false;
  for (const op of admin.operations) {
    if ((op.status === "scheduled" || op.status === "queued") && now >= op.startAt) {
      op.status = "running";
      op.startedOn = iso(op.startAt);
      changed = true;
    }
    if (op.status === "running" && now >= op.finishAt) {
      complete(tenant, op);
      op.status = "succeeded";
      op.completedOn = iso(op.finishAt);
      changed = true;
    }
  }
  // "The new environment isn't accessible until the State becomes Active": Preparing (after its operation) and
  // Restarting environments come into service when their time is up.
  for (const env of [...admin.inactiveEnvironments]) {
    const activeAt = env.admin?.activeAt;
    if (activeAt !== undefined && now >= activeAt) {
      env.admin!.status = "Active";
      env.admin!.activeAt = undefined;
      setServed(tenant, env, true);
      changed = true;
    }
  }
  // Soft-deleted environments are purged when their retention ends (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments: 14 days).
  for (const env of [...admin.inactiveEnvironments]) {
    if (env.admin?.status === "SoftDeleted" && env.admin.purgeAt !== undefined && now >= env.admin.purgeAt) {
      forget(tenant, env);
      changed = true;
    }
  }
  return changed;
}

/** The effect of a finished operation on the environment it targets. */
function complete(tenant: TenantState, op: EnvironmentOperationState) {
  const env = findListedEnvironment(tenant, op.targetName ?? op.environmentName);
  if (!env) return;
  const admin = envAdmin(env);
  switch (op.type) {
    case "create":
    case "copy":
    case "pitRestore":
      if (op.preparingLagMs !== undefined && op.preparingLagMs > 0) {
        admin.status = "Preparing";
        admin.activeAt = op.finishAt + op.preparingLagMs;
        return;
      }
      admin.status = "Active";
      setServed(tenant, env, true);
      return;
    case "recover":
      admin.status = "Active";
      admin.softDeletedOn = undefined;
      admin.hardDeletePendingOn = undefined;
      admin.purgeAt = undefined;
      admin.deleteReason = undefined;
      setServed(tenant, env, true);
      return;
    case "softDelete": {
      const purgeAt = op.finishAt + (Number(op.parameters.retentionMs) || 0);
      admin.status = "SoftDeleted";
      admin.softDeletedOn = iso(op.finishAt);
      admin.purgeAt = purgeAt;
      admin.hardDeletePendingOn = iso(purgeAt);
      admin.deleteReason = "requestedByAdmin";
      op.parameters = {
        softDeletedOn: admin.softDeletedOn,
        hardDeletePendingOn: admin.hardDeletePendingOn,
        deleteReason: admin.deleteReason,
      };
      return;
    }
    case "delete":
      forget(tenant, env);
      return;
  }
}

/** Retention recorded on a softDelete operation (scaled), applied when it completes. */
export function softDeleteRetention(timeScale: number): number {
  return Math.round(ADMIN_DELAYS.softDeleteRetentionMs * timeScale);
}

/** Wire JSON of an environment operation; `environmentName/Type/productFamily` exist from API 2.7 (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments). */
export function environmentOperationJson(op: EnvironmentOperationState, version: AdminApiVersion) {
  const json: Record<string, unknown> = {
    id: op.id,
    type: op.type,
    status: op.status,
    aadTenantId: op.aadTenantId,
    createdOn: op.createdOn,
  };
  if (op.startedOn) json.startedOn = op.startedOn;
  if (op.completedOn) json.completedOn = op.completedOn;
  json.createdBy = op.createdBy;
  json.errorMessage = op.errorMessage;
  json.parameters = { ...op.parameters };
  delete (json.parameters as Record<string, unknown>).retentionMs;
  if (atLeast(version, 7)) {
    json.environmentName = op.environmentName;
    json.environmentType = op.environmentType;
    json.productFamily = op.productFamily;
  }
  return json;
}

/** Whether an environment has an environment operation that has not finished. */
export function hasPendingOperation(tenant: TenantState, envName: string): boolean {
  const lower = envName.toLowerCase();
  return (tenant.adminCenter?.operations ?? []).some(
    (op) => (op.targetName ?? op.environmentName).toLowerCase() === lower && isPending(op),
  );
}

const isPending = (op: EnvironmentOperationState) =>
  op.status === "scheduled" || op.status === "queued" || op.status === "running";

const CREATING = ["create", "copy", "pitRestore"];

/**
 * The environment the tenant is creating (copying, restoring) now, if any: its operation has not finished, or it
 * is still Preparing afterwards. BC refuses another create meanwhile (`tenantAlreadyProvisioning`).
 */
export function environmentBeingProvisioned(tenant: TenantState): string | undefined {
  const admin = tenant.adminCenter;
  if (!admin) return undefined;
  const running = admin.operations.find((op) => CREATING.includes(op.type) && isPending(op));
  if (running) return running.targetName ?? running.environmentName;
  return admin.inactiveEnvironments.find((env) => env.admin?.status === "Preparing" && env.admin.activeAt !== undefined)
    ?.name;
}

/** The suffix BC appends to a soft-deleted environment's name: `-yyMMddHHmmssff` (UTC, hundredths of a second). */
export function softDeletedName(name: string, now: number): string {
  const d = new Date(now);
  const two = (n: number) => String(n).padStart(2, "0");
  const suffix = `-${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}${two(Math.floor(d.getUTCMilliseconds() / 10))}`;
  // Names stay under 30 characters: the base name is truncated to fit.
  return `${name.slice(0, 29 - suffix.length)}${suffix}`;
}
