/**
 * Legacy user groups (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis), present only before BC 25.0 (`features.userGroups`; otherwise the sets answer
 * 404 like unknown routes): page 30003 `userGroups`, page 30075 `userGroupPermissions` (also as
 * `userGroups(<id>)/userGroupPermissions`), page 30058 `userGroupMembers` (also as `users(<id>)/userGroupMembers`),
 * and `userGroups(<id>)/profile`.
 *
 * Rules from the AL source of the pages and of table 9000 "User Group" (ALAppExtensions/BaseApp before CLEAN22):
 * Code is NotBlank Code[20]; Default Profile ID relates to All Profile; a group with members cannot be deleted; turning
 * off "Assign to All New Users" on the last such group asks a Confirm, which a web-service session cannot show.
 * User group permissions are stored only: the emulator authorizes apps by their direct permission sets.
 */
import { BcError, dialog } from "../../errors";
import type { UserGroupMemberState, UserGroupPermissionState, UserGroupState, UserState } from "../../state/model";
import type { AutomationContext, EntitySetDef, Parent } from "../entity";
import type { EnvironmentFeatures } from "../features";
import { permissionSetOf, resolvePermissionSet } from "./permission-sets";
import { profilesSet } from "./profiles";
import { companyNameOf, filterMentions, parentSet, sameGuid, tableRelation } from "./security-helpers";
import { uniqueKey } from "./unique-key";

const available = (f: EnvironmentFeatures) => f.userGroups;

const NEW_USERS_CANNOT_LOGIN =
  "You have not specified a user group that will be assigned automatically to new users. If users are not assigned a user group, they cannot sign in. \\Do you want to continue?";

/** A Confirm() in a web-service session: NavNCLCallbackNotAllowedException (docs error table). */
const callbackNotAllowed = (question: string) =>
  new BcError(
    400,
    "Application_CallbackNotAllowed",
    `Business Central attempted to issue a client callback to show a confirmation dialog box. ${question}`,
  );

function groupByCode(ctx: AutomationContext, code: string): UserGroupState | undefined {
  return ctx.env.userGroups.find((g) => g.code === code);
}

// ---------------------------------------------------------------------------------------------------------------
// userGroupPermissions (page 30075, table "User Group Permission Set")

const PERMISSION_TABLE = "User Group Permission Set";

/** User Group Permission Set's primary key: User Group Code, Role ID, Scope, App ID. */
const checkPermissionUnique = uniqueKey<UserGroupPermissionState>(PERMISSION_TABLE, [
  { caption: "User Group Code", value: (p) => p.userGroupCode },
  { caption: "Role ID", value: (p) => p.roleId },
  { caption: "Scope", value: (p) => p.scope },
  { caption: "App ID", value: (p) => p.appId, kind: "guid" },
]);

const GROUP_NOT_SPECIFIED = "You must specify a User Group Code to access user group permissions.";

export const userGroupPermissionsSet: EntitySetDef<UserGroupPermissionState> = {
  entitySet: "userGroupPermissions",
  entityType: "userGroupPermission",
  page: "APIV2 - Aut. User Group Perm.",
  available,
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    userGroupCode: { type: "string", editable: true, code: true, maxLength: 20 },
    roleId: { type: "string", editable: true, code: true, maxLength: 20 },
    displayName: { type: "string" },
    appId: { type: "guid", editable: true },
    extensionName: { type: "string" },
    scope: { type: "enum", editable: true, enumValues: ["System", "Tenant"] },
  },
  list(ctx, parent, filterText) {
    if (parentSet(parent) === "userGroups") {
      const code = (parent!.row as UserGroupState).code;
      return ctx.env.userGroupPermissions.filter((p) => p.userGroupCode === code);
    }
    if (!filterMentions(filterText, "userGroupCode")) throw dialog(GROUP_NOT_SPECIFIED);
    return ctx.env.userGroupPermissions;
  },
  keyOf: (row) => ({ id: row.id }),
  rev: (row) => row.rev,
  toWire(row, ctx) {
    const set = permissionSetOf(ctx, row);
    return {
      id: row.id,
      userGroupCode: row.userGroupCode,
      roleId: row.roleId,
      displayName: set?.displayName ?? "",
      appId: row.appId,
      extensionName: set?.extensionName ?? "",
      scope: row.scope,
    };
  },
  insert(ctx, body, parent) {
    // The SubPageLink presets the code; a top-level POST must carry it (OnInsertRecord → CheckFilter).
    const linked = parentSet(parent) === "userGroups" ? (parent!.row as UserGroupState).code : "";
    const code = String(body.userGroupCode ?? linked);
    if (code === "") throw dialog(GROUP_NOT_SPECIFIED);
    if (!groupByCode(ctx, code)) throw tableRelation("User Group Code", PERMISSION_TABLE, code, "User Group");
    const set = resolvePermissionSet(ctx, { roleId: String(body.roleId ?? ""), appId: body.appId, scope: body.scope });
    const row: UserGroupPermissionState = {
      rev: 1,
      id: ctx.newGuid(),
      userGroupCode: code,
      roleId: set.id,
      appId: set.appId,
      scope: set.scope,
    };
    checkPermissionUnique(ctx, ctx.env.userGroupPermissions, row);
    ctx.env.userGroupPermissions.push(row);
    return row;
  },
  modify(ctx, row, body) {
    if ("userGroupCode" in body && body.userGroupCode !== row.userGroupCode) {
      throw dialog("You cannot change the User Group Code for a user group permission.");
    }
    const next: UserGroupPermissionState = { ...row };
    // As for userPermissions: key fields changed ⇒ resolve again so the row names a real permission set [INF].
    if ("roleId" in body || "appId" in body || "scope" in body) {
      const set = resolvePermissionSet(ctx, {
        roleId: String(body.roleId ?? row.roleId),
        appId: "appId" in body ? body.appId : "roleId" in body ? undefined : row.appId,
        scope: "scope" in body ? body.scope : "roleId" in body ? undefined : row.scope,
      });
      next.roleId = set.id;
      next.appId = set.appId;
      next.scope = set.scope;
    }
    checkPermissionUnique(ctx, ctx.env.userGroupPermissions, next, row);
    Object.assign(row, next, { rev: row.rev + 1 });
  },
  remove(ctx, row) {
    ctx.env.userGroupPermissions.splice(ctx.env.userGroupPermissions.indexOf(row), 1);
  },
};

// ---------------------------------------------------------------------------------------------------------------
// userGroupMembers (page 30058, table "User Group Member")

const MEMBER_TABLE = "User Group Member";
const MEMBER_USER_NOT_SPECIFIED = "You must specify a User Security ID to access user groups members.";

/** User Group Member's primary key: User Group Code, User Security ID, Company Name. */
const checkMemberUnique = uniqueKey<UserGroupMemberState>(MEMBER_TABLE, [
  { caption: "User Group Code", value: (m) => m.code },
  { caption: "User Security ID", value: (m) => m.userSecurityId, kind: "guid" },
  { caption: "Company Name", value: (m) => m.companyName },
]);

function memberUser(parent: Parent | undefined): string | undefined {
  return parentSet(parent) === "users" ? (parent!.row as UserState).userSecurityId : undefined;
}

function checkGroupCode(ctx: AutomationContext, code: string) {
  if (!groupByCode(ctx, code)) throw tableRelation("User Group Code", MEMBER_TABLE, code, "User Group");
}

export const userGroupMembersSet: EntitySetDef<UserGroupMemberState> = {
  entitySet: "userGroupMembers",
  entityType: "userGroupMember",
  page: "APIV2 - Aut. User Gr. Members",
  // Hidden once "Convert user group permissions" has run: 404 like an unknown route.
  available: (f) => f.userGroupMembers,
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    userSecurityId: { type: "guid" },
    code: { type: "string", editable: true, code: true, maxLength: 20, notBlank: true },
    // "User Group Name" is a FlowField (lookup into User Group): not writable.
    displayName: { type: "string" },
    companyName: { type: "string", editable: true, maxLength: 30 },
  },
  list(ctx, parent, filterText) {
    const sid = memberUser(parent);
    if (sid === undefined) {
      if (!filterMentions(filterText, "userSecurityId")) throw dialog(MEMBER_USER_NOT_SPECIFIED);
      return ctx.env.userGroupMembers;
    }
    return ctx.env.userGroupMembers.filter((m) => sameGuid(m.userSecurityId, sid));
  },
  keyOf: (row) => ({ id: row.id }),
  rev: (row) => row.rev,
  toWire: (row, ctx) => ({
    id: row.id,
    userSecurityId: row.userSecurityId,
    code: row.code,
    displayName: groupByCode(ctx, row.code)?.displayName ?? "",
    companyName: row.companyName,
  }),
  insert(ctx, body, parent) {
    const sid = memberUser(parent);
    if (sid === undefined) throw dialog(MEMBER_USER_NOT_SPECIFIED);
    const code = String(body.code ?? "");
    checkGroupCode(ctx, code);
    const row: UserGroupMemberState = {
      rev: 1,
      id: ctx.newGuid(),
      userSecurityId: sid,
      code,
      companyName: companyNameOf(ctx, body.companyName, "Company Name", MEMBER_TABLE),
    };
    checkMemberUnique(ctx, ctx.env.userGroupMembers, row);
    ctx.env.userGroupMembers.push(row);
    return row;
  },
  modify(ctx, row, body) {
    // Code and Company Name are key fields: a change renames the row.
    const next: UserGroupMemberState = { ...row };
    if ("code" in body) {
      next.code = String(body.code);
      checkGroupCode(ctx, next.code);
    }
    if ("companyName" in body) next.companyName = companyNameOf(ctx, body.companyName, "Company Name", MEMBER_TABLE);
    checkMemberUnique(ctx, ctx.env.userGroupMembers, next, row);
    Object.assign(row, next, { rev: row.rev + 1 });
  },
  remove(ctx, row) {
    ctx.env.userGroupMembers.splice(ctx.env.userGroupMembers.indexOf(row), 1);
  },
};

// ---------------------------------------------------------------------------------------------------------------
// userGroups (page 30003, table 9000 "User Group")

const GROUP_TABLE = "User Group";

/** Field "Assign to All New Users" OnValidate (SaaS): unsetting it on the last auto-assign group asks a Confirm. */
function checkAutoAssign(ctx: AutomationContext, code: string, value: unknown) {
  if (value !== false) return;
  const others = ctx.env.userGroups.some((g) => g.code !== code && g.assignToAllNewUsers);
  if (!others) throw callbackNotAllowed(NEW_USERS_CANNOT_LOGIN);
}

function checkDefaultProfile(ctx: AutomationContext, profileId: string) {
  if (profileId !== "" && !ctx.env.profiles.some((p) => p.profileId === profileId)) {
    throw tableRelation("Default Profile ID", GROUP_TABLE, profileId, "All Profile");
  }
}

const checkGroupUnique = uniqueKey<Pick<UserGroupState, "code">>(GROUP_TABLE, [
  { caption: "Code", value: (g) => g.code },
]);

export const userGroupsSet: EntitySetDef<UserGroupState> = {
  entitySet: "userGroups",
  entityType: "userGroup",
  page: "APIV2 - Aut. User Groups",
  available,
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    code: { type: "string", editable: true, code: true, maxLength: 20, notBlank: true },
    displayName: { type: "string", editable: true, maxLength: 50 },
    defaultProfileID: { type: "string", editable: true, code: true, maxLength: 30 },
    assignToAllNewUsers: { type: "bool", editable: true },
  },
  navigations: {
    userGroupPermissions: userGroupPermissionsSet,
    // A ZeroOrOne part in BC (a single entity or null); served as a collection of 0 or 1 rows here.
    profile: profilesSet,
  },
  list: (ctx) => ctx.env.userGroups,
  keyOf: (row) => ({ id: row.id }),
  rev: (row) => row.rev,
  toWire: (row) => ({
    id: row.id,
    code: row.code,
    displayName: row.displayName,
    defaultProfileID: row.defaultProfileID,
    assignToAllNewUsers: row.assignToAllNewUsers,
  }),
  insert(ctx, body) {
    const code = String(body.code);
    const defaultProfileID = String(body.defaultProfileID ?? "");
    checkDefaultProfile(ctx, defaultProfileID);
    if ("assignToAllNewUsers" in body) checkAutoAssign(ctx, code, body.assignToAllNewUsers);
    checkGroupUnique(ctx, ctx.env.userGroups, { code });
    const row: UserGroupState = {
      rev: 1,
      id: ctx.newGuid(),
      code,
      displayName: String(body.displayName ?? ""),
      defaultProfileID,
      assignToAllNewUsers: body.assignToAllNewUsers === true,
    };
    ctx.env.userGroups.push(row);
    return row;
  },
  modify(ctx, row, body) {
    const code = "code" in body ? String(body.code) : row.code;
    if ("defaultProfileID" in body) checkDefaultProfile(ctx, String(body.defaultProfileID));
    if ("assignToAllNewUsers" in body) checkAutoAssign(ctx, code, body.assignToAllNewUsers);
    if (code !== row.code) {
      checkGroupUnique(ctx, ctx.env.userGroups, { code }, row);
      // Renaming a primary key cascades to fields that relate to it (members, permission sets).
      for (const m of ctx.env.userGroupMembers) if (m.code === row.code) m.code = code;
      for (const p of ctx.env.userGroupPermissions) if (p.userGroupCode === row.code) p.userGroupCode = code;
      row.code = code;
    }
    if ("displayName" in body) row.displayName = String(body.displayName);
    if ("defaultProfileID" in body) row.defaultProfileID = String(body.defaultProfileID);
    if ("assignToAllNewUsers" in body) row.assignToAllNewUsers = body.assignToAllNewUsers === true;
    row.rev += 1;
  },
  remove(ctx, row) {
    if (ctx.env.userGroupMembers.some((m) => m.code === row.code)) {
      throw dialog("You cannot delete this user group because it has members.");
    }
    ctx.env.userGroups.splice(ctx.env.userGroups.indexOf(row), 1);
    // Table 9000 leaves its permission sets behind; they would be unreachable, so the emulator drops them.
    ctx.env.userGroupPermissions = ctx.env.userGroupPermissions.filter((p) => p.userGroupCode !== row.code);
  },
};
