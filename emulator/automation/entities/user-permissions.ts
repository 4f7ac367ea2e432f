/**
 * Page 30059 "APIV2 - Aut. User Permissions" over the Access Control table (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis).
 *
 * One definition serves three paths: `users(<id>)/userPermissions` (SubPageLink on the user's SID),
 * `securityGroups('<id>')/userPermissions` (SubPageLink on the group's "Group User SID" — how a security group gets
 * permission sets) and the top-level `userPermissions`, which only answers when the request filters on
 * `userSecurityId` (OnFindRecord: "You must specify a User Security ID to access user permissions.").
 *
 * Access Control rows are environment-wide (the `company` column limits an assignment to one company). They are the
 * same rows the router's authorization reads: removing the calling app's own D365 AUTOMATION row really locks it out.
 */
import { dialog } from "../../errors";
import type { AccessControlState, SecurityGroupState, UserState } from "../../state/model";
import type { EntitySetDef, Parent } from "../entity";
import { permissionSetOf, resolvePermissionSet } from "./permission-sets";
import { companyNameOf, filterMentions, parentSet, sameGuid } from "./security-helpers";
import { uniqueKey } from "./unique-key";

const TABLE = "Access Control";
const USER_NOT_SPECIFIED = "You must specify a User Security ID to access user permissions.";

/** The SID the SubPageLink pins, or undefined at the top level. */
function linkedSid(parent: Parent | undefined): string | undefined {
  switch (parentSet(parent)) {
    case "users":
      return (parent!.row as UserState).userSecurityId;
    case "securityGroups":
      return (parent!.row as SecurityGroupState).groupUserSecurityId;
    default:
      return undefined;
  }
}

/** Access Control's primary key: User Security ID, Role ID, Company Name, Scope, App ID. */
const checkUnique = uniqueKey<AccessControlState>(TABLE, [
  { caption: "User Security ID", value: (ac) => ac.userSecurityId, kind: "guid" },
  { caption: "Role ID", value: (ac) => ac.roleId },
  { caption: "Company Name", value: (ac) => ac.company },
  { caption: "Scope", value: (ac) => ac.scope },
  { caption: "App ID", value: (ac) => ac.appId, kind: "guid" },
]);

export const userPermissionsSet: EntitySetDef<AccessControlState> = {
  entitySet: "userPermissions",
  entityType: "userPermission",
  page: "APIV2 - Aut. User Permissions",
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    userSecurityId: { type: "guid" },
    roleId: { type: "string", editable: true, code: true, maxLength: 20 },
    displayName: { type: "string" },
    company: { type: "string", editable: true, maxLength: 30 },
    appId: { type: "guid", editable: true },
    extensionName: { type: "string" },
    scope: { type: "enum", editable: true, enumValues: ["System", "Tenant"] },
  },
  list(ctx, parent, filterText) {
    const sid = linkedSid(parent);
    if (sid === undefined) {
      // Includes key lookups at the top level: the key filter is on SystemId, not on the user.
      if (!filterMentions(filterText, "userSecurityId")) throw dialog(USER_NOT_SPECIFIED);
      return ctx.env.accessControls;
    }
    return ctx.env.accessControls.filter((ac) => sameGuid(ac.userSecurityId, sid));
  },
  keyOf: (row) => ({ id: row.id }),
  rev: (row) => row.rev,
  toWire(row, ctx) {
    const set = permissionSetOf(ctx, row);
    return {
      id: row.id,
      userSecurityId: row.userSecurityId,
      roleId: row.roleId,
      displayName: set?.displayName ?? "",
      company: row.company,
      appId: row.appId,
      extensionName: set?.extensionName ?? "",
      scope: row.scope,
    };
  },
  insert(ctx, body, parent) {
    // `userSecurityId` is read-only, so a top-level POST can never name the user. BC would insert a row for the null
    // SID and then fail to read it back through OnFindRecord; we refuse up front with the page's own message.
    const sid = linkedSid(parent);
    if (sid === undefined) throw dialog(USER_NOT_SPECIFIED);
    // Field validation (company relation) runs before OnInsertRecord (role resolution), as in BC.
    const company = companyNameOf(ctx, body.company, "Company Name", TABLE);
    const set = resolvePermissionSet(ctx, { roleId: String(body.roleId ?? ""), appId: body.appId, scope: body.scope });
    const row: AccessControlState = {
      rev: 1,
      id: ctx.newGuid(),
      userSecurityId: sid,
      roleId: set.id,
      company,
      scope: set.scope,
      appId: set.appId,
    };
    checkUnique(ctx, ctx.env.accessControls, row);
    ctx.env.accessControls.push(row);
    return row;
  },
  modify(ctx, row, body) {
    const next: AccessControlState = { ...row };
    if ("company" in body) next.company = companyNameOf(ctx, body.company, "Company Name", TABLE);
    // The page has no OnModifyRecord; Role ID, Scope and App ID are key fields, so BC renames the row to whatever was
    // sent. We re-run the insert resolution when any of them changes so the row keeps naming a real permission set
    // (and an ambiguous or unknown role fails the same way as on insert) [INF].
    if ("roleId" in body || "appId" in body || "scope" in body) {
      const set = resolvePermissionSet(ctx, {
        roleId: String(body.roleId ?? row.roleId),
        appId: "appId" in body ? body.appId : "roleId" in body ? undefined : row.appId,
        scope: "scope" in body ? body.scope : "roleId" in body ? undefined : row.scope,
      });
      next.roleId = set.id;
      next.scope = set.scope;
      next.appId = set.appId;
    }
    checkUnique(ctx, ctx.env.accessControls, next, row);
    Object.assign(row, next, { rev: row.rev + 1 });
  },
  remove(ctx, row) {
    ctx.env.accessControls.splice(ctx.env.accessControls.indexOf(row), 1);
  },
};
