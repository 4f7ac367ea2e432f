/**
 * Page 30005 "APIV2 - Aut. Permission Sets" over the Aggregate Permission Set table (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis), plus the
 * role resolution that the permission-assigning pages (30059 userPermissions, 30075 userGroupPermissions) share.
 */
import { BcError, dialog } from "../../errors";
import type { PermissionSetState } from "../../state/model";
import type { AutomationContext, EntitySetDef } from "../entity";
import { alGuid, isNullGuid, sameGuid } from "./security-helpers";

/**
 * Read-only. The page declares no ODataKeyFields, so the key is the table's primary key (Scope, App ID, Role ID):
 * `permissionSets(scope='System',appId=…,id='D365 BASIC')`.
 */
export const permissionSetsSet: EntitySetDef<PermissionSetState> = {
  entitySet: "permissionSets",
  entityType: "permissionSet",
  page: "APIV2 - Aut. Permission Sets",
  keys: [
    { name: "scope", type: "string" },
    { name: "appId", type: "guid" },
    { name: "id", type: "string" },
  ],
  fields: {
    id: { type: "string" },
    displayName: { type: "string" },
    appId: { type: "guid" },
    extensionName: { type: "string" },
    scope: { type: "enum", enumValues: ["System", "Tenant"] },
  },
  list: (ctx) => ctx.env.permissionSets,
  keyOf: (row) => ({ scope: row.scope, appId: row.appId, id: row.id }),
  toWire: (row) => ({
    id: row.id,
    displayName: row.displayName,
    appId: row.appId,
    extensionName: row.extensionName,
    scope: row.scope,
  }),
};

export interface RoleRequest {
  roleId: string;
  /** Optional disambiguator; a null GUID counts as "not given" (AL `IsNullGuid`). */
  appId?: unknown;
  /** Optional disambiguator; only applied when the request set it (the page's `ScopeDefined`). */
  scope?: unknown;
}

/**
 * The OnInsertRecord logic of pages 30059/30075: filter Aggregate Permission Set on Role ID (if not blank), App ID (if
 * not null) and Scope (if sent); more than one row ⇒ "defined multiple times" dialog; none ⇒ `FindFirst` fails.
 *
 * A failing `FindFirst` on a filtered record raises NavCSideDataException, which the docs' error table maps to
 * `Internal_DataNotFoundFilter` "There is no <table> within the filter." [DOC dynamics-error-codes]; the HTTP status
 * is not documented, 400 is our choice.
 */
export function resolvePermissionSet(ctx: AutomationContext, request: RoleRequest): PermissionSetState {
  const filters: string[] = [];
  let candidates = ctx.env.permissionSets;
  if (request.roleId !== "") {
    candidates = candidates.filter((p) => p.id === request.roleId);
    filters.push(`Role ID: ${request.roleId}`);
  }
  if (!isNullGuid(request.appId)) {
    const appId = String(request.appId);
    candidates = candidates.filter((p) => sameGuid(p.appId, appId));
    filters.push(`App ID: ${alGuid(appId)}`);
  }
  if (typeof request.scope === "string") {
    const scope = request.scope;
    candidates = candidates.filter((p) => p.scope === scope);
    filters.push(`Scope: ${scope}`);
  }
  if (candidates.length > 1) {
    throw dialog(`The permission set ${request.roleId} is defined multiple times in this context.`);
  }
  if (candidates.length === 0) {
    throw new BcError(
      400,
      "Internal_DataNotFoundFilter",
      `There is no Aggregate Permission Set within the filter. Filters: ${filters.join(", ")}`,
    );
  }
  return candidates[0];
}

/** The Aggregate Permission Set row an assignment points at (for Role Name / App Name), if it still exists. */
export function permissionSetOf(
  ctx: AutomationContext,
  row: { roleId: string; appId: string; scope: string },
): PermissionSetState | undefined {
  return ctx.env.permissionSets.find(
    (p) => p.id === row.roleId && p.scope === row.scope && sameGuid(p.appId, row.appId),
  );
}
