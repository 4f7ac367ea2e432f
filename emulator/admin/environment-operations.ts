/**
 * Environment operations (create, copy, delete, softDelete, recover): records with lower-case statuses
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
    environmentName: op.environment.name,
    environmentType: op.environment.type,
    productFamily: PRODUCT_FAMILY,
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
  const env = findListedEnvironment(tenant, op.environmentName);
  if (!env) return;
  const admin = envAdmin(env);
  switch (op.type) {
    case "create":
    case "copy":
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
    (op) =>
      op.environmentName.toLowerCase() === lower &&
      (op.status === "scheduled" || op.status === "queued" || op.status === "running"),
  );
}
