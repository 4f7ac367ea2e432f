import type { DeploymentOperationState } from "../../state/model";
import type { EntitySetDef } from "../entity";
import { advanceDeployments } from "../../domain/deployments";
import { EXTENSION_MANAGEMENT_SET } from "./extensions";

/**
 * Page 30007 "APIV2 - Aut. Extension Depl." over "NAV App Tenant Operation" (reference §6.3). Read-only, newest
 * first. The key `operationID` is the table PK the platform exposes (§13). Absent in the 29-no-upload profile.
 */
export const extensionDeploymentStatusSet: EntitySetDef<DeploymentOperationState> = {
  entitySet: "extensionDeploymentStatus",
  entityType: "extensionDeploymentStatus",
  page: "APIV2 - Aut. Extension Depl.",
  requires: EXTENSION_MANAGEMENT_SET,
  available: (features) => features.extensionUpload,
  keys: [{ name: "operationID", type: "guid" }],
  fields: {
    operationID: { type: "guid" },
    name: { type: "string" },
    publisher: { type: "string" },
    operationType: { type: "enum", enumValues: ["Install", "Upload"] },
    status: { type: "enum", enumValues: ["Unknown", "InProgress", "Failed", "Completed", "NotFound"] },
    schedule: { type: "string" },
    appVersion: { type: "string" },
    startedOn: { type: "datetime" },
  },
  list(ctx) {
    // Reading InProgress rows refreshes them (OnAfterGetRecord); the ticker below has usually done it already.
    if (advanceDeployments(ctx.env, ctx.now(), ctx.behaviour)) ctx.changed();
    // Fault realism switch: the list comes back empty (seen after platform updates, §6.3).
    if (ctx.behaviour.deploymentStatusEmptyList) return [];
    return ctx.env.deploymentOperations
      .map((op, index) => ({ op, index }))
      .sort((a, b) => b.op.startedOn.localeCompare(a.op.startedOn) || b.index - a.index)
      .map(({ op }) => op);
  },
  keyOf: (row) => ({ operationID: row.operationID }),
  toWire: (row) => ({
    operationID: row.operationID,
    name: row.name,
    publisher: row.publisher,
    operationType: row.operationType,
    status: row.status,
    schedule: row.schedule,
    appVersion: row.appVersion,
    startedOn: row.startedOn,
  }),
};
