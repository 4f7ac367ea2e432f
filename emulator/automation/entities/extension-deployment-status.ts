import { advanceDeployments } from "../../domain/deployments";
import { BcError } from "../../errors";
import type { DeploymentOperationState } from "../../state/model";
import type { AutomationContext, EntitySetDef } from "../entity";
import { MANAGE_PERMISSION_ERR, requireExtensionManagement } from "./extension-permissions";
import { filterMentions } from "./security-helpers";

/**
 * Fields the page fills from variables in OnAfterGetRecord (`GetDeployOperationInfo` → name, publisher, version,
 * schedule; the page's own operationType option) (BCApps `ExtensionOperationImpl`; https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis). They are no
 * fields of the table, so BC cannot filter on them. BC's exact answer is not captured [UNK]: the emulator answers
 * 400 `BadRequest` naming the property.
 */
const PAGE_VARIABLES = ["name", "publisher", "operationType", "schedule", "appVersion"] as const;

function refuseFilterOnPageVariables(filterText: string | undefined) {
  const field = PAGE_VARIABLES.find((name) => filterMentions(filterText, name));
  if (field) {
    throw new BcError(
      400,
      "BadRequest",
      `Filtering on '${field}' is not supported: it is computed by the page, not a field of table NAV App Tenant Operation. Filter on operationID, status or startedOn, or filter the rows yourself.`,
    );
  }
}

/**
 * `startedOn` is the BC server's clock [SRC page 30007]. The `serverClockOffsetMs` switch moves that clock away from
 * the client's, so a client that compares it with its own clock is caught out.
 */
function serverTime(ctx: AutomationContext, iso: string): string {
  const offset = ctx.behaviour.serverClockOffsetMs;
  return offset === 0 ? iso : new Date(Date.parse(iso) + offset).toISOString();
}

/**
 * Page 30007 "APIV2 - Aut. Extension Depl." over "NAV App Tenant Operation" (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis). Read-only, newest
 * first. The key `operationID` is the table PK the platform exposes. Absent in the 29-no-upload profile.
 */
export const extensionDeploymentStatusSet: EntitySetDef<DeploymentOperationState> = {
  entitySet: "extensionDeploymentStatus",
  entityType: "extensionDeploymentStatus",
  page: "APIV2 - Aut. Extension Depl.",
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
  list(ctx, _parent, filterText) {
    refuseFilterOnPageVariables(filterText);
    // Reading InProgress rows refreshes them (OnAfterGetRecord); the clock step has usually done it already.
    if (advanceDeployments(ctx.env, ctx.now(), ctx.behaviour)) ctx.changed();
    // Fault realism switch: the list comes back empty (seen after platform updates: https://github.com/microsoft/AL/issues/5973).
    if (ctx.behaviour.deploymentStatusEmptyList) return [];
    const rows = ctx.env.deploymentOperations
      .map((op, index) => ({ op, index }))
      .sort((a, b) => b.op.startedOn.localeCompare(a.op.startedOn) || b.index - a.index)
      .map(({ op }) => op);
    // Every row read runs GetDeployOperationInfo, which checks the caller's rights (./extension-permissions.ts).
    if (rows.length > 0) requireExtensionManagement(ctx, MANAGE_PERMISSION_ERR);
    return rows;
  },
  keyOf: (row) => ({ operationID: row.operationID }),
  toWire: (row, ctx) => ({
    operationID: row.operationID,
    name: row.name,
    publisher: row.publisher,
    operationType: row.operationType,
    status: row.status,
    schedule: row.schedule,
    appVersion: row.appVersion,
    startedOn: serverTime(ctx, row.startedOn),
  }),
};
