/**
 * Permission inspection endpoints (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis, BC 29.0, read-only, DataAccessIntent = ReadOnly):
 * `accessControls` (20767), `usersPermissions` (20768) with `userPermissionSets`, `userPermissionSets` (20769),
 * `aggregatePermissionSets` (20770) with `accessControls`, `expandedPermissionSets` (20766).
 *
 * They read the same environment-wide state as the writable pages and "aren't limited to the company in the route".
 * SystemIds of rows the emulator does not store (users' SystemId, buffer rows, aggregate sets) are derived
 * deterministically, so they are stable between calls.
 */
import type { AccessControlState, PermissionSetState, SecurityGroupState, UserState } from "../../state/model";
import { stableGuid } from "../../state/seed";
import type { AutomationContext, EntitySetDef } from "../entity";
import type { EnvironmentFeatures } from "../features";
import { permissionSetOf } from "./permission-sets";
import { bcDateTime, parentSet, sameGuid } from "./security-helpers";

const available = (f: EnvironmentFeatures) => f.permissionInspection;
const SCOPES = ["System", "Tenant"] as const;

/** Page 20768's SourceTableView: only people, not applications, groups or agents. */
const PERSON_LICENSES = [
  "Full User",
  "Limited User",
  "Device Only User",
  "External User",
  "External Administrator",
  "External Accountant",
];

/** The User table has a SystemId distinct from the User Security ID; ours is derived from it. */
export const userSystemId = (user: UserState) => stableGuid("user-system-id", user.userSecurityId);

/**
 * Who an Access Control row belongs to. A security group's permission sets sit on the group's BC user row (license
 * type "AAD Group" [INF]), which the emulator does not store as a user: show the group's name for it.
 */
function principalOf(ctx: AutomationContext, sid: string) {
  const user = ctx.env.users.find((u) => sameGuid(u.userSecurityId, sid));
  if (user) return { userName: user.userName, fullName: user.displayName, licenseType: user.licenseType };
  const group = ctx.env.securityGroups.find((g) => sameGuid(g.groupUserSecurityId, sid));
  if (group) return { userName: group.groupName, fullName: group.groupName, licenseType: "AAD Group" };
  return { userName: "", fullName: "", licenseType: "" };
}

export const accessControlsSet: EntitySetDef<AccessControlState> = {
  entitySet: "accessControls",
  entityType: "accessControl",
  page: "APIV2 - Access Control",
  available,
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    userSecurityId: { type: "guid" },
    roleId: { type: "string" },
    roleName: { type: "string" },
    company: { type: "string" },
    userName: { type: "string" },
    fullName: { type: "string" },
    userLicenseType: { type: "string" },
    scope: { type: "enum", enumValues: SCOPES },
    appId: { type: "guid" },
    appName: { type: "string" },
  },
  list(ctx, parent) {
    switch (parentSet(parent)) {
      case "securityGroups": {
        const sid = (parent!.row as SecurityGroupState).groupUserSecurityId;
        return ctx.env.accessControls.filter((ac) => sameGuid(ac.userSecurityId, sid));
      }
      case "aggregatePermissionSets": {
        // SubPageLink "Role ID" = field("Role ID") only: same-named sets of other apps/scopes are included.
        const roleId = (parent!.row as PermissionSetState).id;
        return ctx.env.accessControls.filter((ac) => ac.roleId === roleId);
      }
      default:
        return ctx.env.accessControls;
    }
  },
  keyOf: (row) => ({ id: row.id }),
  rev: (row) => row.rev,
  toWire(row, ctx) {
    const set = permissionSetOf(ctx, row);
    const who = principalOf(ctx, row.userSecurityId);
    return {
      id: row.id,
      userSecurityId: row.userSecurityId,
      roleId: row.roleId,
      roleName: set?.displayName ?? "",
      company: row.company,
      userName: who.userName,
      fullName: who.fullName,
      userLicenseType: who.licenseType,
      scope: row.scope,
      appId: row.appId,
      appName: set?.extensionName ?? "",
    };
  },
};

/** A row of the User Permissions Buffer: a set a user has directly (User) or through a security group. */
export interface UserPermissionSetRow {
  id: string;
  userSecurityId: string;
  type: "User" | "SecurityGroup";
  access: AccessControlState;
  group?: SecurityGroupState;
}

/** FillBuffer: every user's direct assignments plus the assignments of every group the user is a member of. */
function userPermissionBuffer(ctx: AutomationContext, users: UserState[]): UserPermissionSetRow[] {
  const rows: UserPermissionSetRow[] = [];
  for (const user of users) {
    for (const access of ctx.env.accessControls) {
      if (!sameGuid(access.userSecurityId, user.userSecurityId)) continue;
      rows.push({
        id: stableGuid("user-permission-set", user.userSecurityId, access.id),
        userSecurityId: user.userSecurityId,
        type: "User",
        access,
      });
    }
    for (const group of ctx.env.securityGroups) {
      if (!group.memberUserSecurityIds.some((m) => sameGuid(m, user.userSecurityId))) continue;
      for (const access of ctx.env.accessControls) {
        if (!sameGuid(access.userSecurityId, group.groupUserSecurityId)) continue;
        rows.push({
          id: stableGuid("user-permission-set", user.userSecurityId, access.id),
          userSecurityId: user.userSecurityId,
          type: "SecurityGroup",
          access,
          group,
        });
      }
    }
  }
  return rows;
}

export const userPermissionSetsSet: EntitySetDef<UserPermissionSetRow> = {
  entitySet: "userPermissionSets",
  entityType: "userPermissionSet",
  page: "APIV2 - User Permission Sets",
  available,
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    userSecurityId: { type: "guid" },
    type: { type: "enum", enumValues: ["User", "SecurityGroup"] },
    roleId: { type: "string" },
    roleName: { type: "string" },
    securityGroupCode: { type: "string" },
    company: { type: "string" },
    scope: { type: "enum", enumValues: SCOPES },
    appId: { type: "guid" },
    appName: { type: "string" },
  },
  list(ctx, parent) {
    if (parentSet(parent) === "usersPermissions") return userPermissionBuffer(ctx, [parent!.row as UserState]);
    return userPermissionBuffer(ctx, ctx.env.users);
  },
  keyOf: (row) => ({ id: row.id }),
  rev: (row) => row.access.rev,
  toWire(row, ctx) {
    const set = permissionSetOf(ctx, row.access);
    return {
      id: row.id,
      userSecurityId: row.userSecurityId,
      type: row.type,
      roleId: row.access.roleId,
      roleName: set?.displayName ?? "",
      securityGroupCode: row.group?.code ?? "",
      company: row.access.company,
      scope: row.access.scope,
      appId: row.access.appId,
      appName: set?.extensionName ?? "",
    };
  },
};

export const usersPermissionsSet: EntitySetDef<UserState> = {
  entitySet: "usersPermissions",
  entityType: "usersPermission",
  page: "APIV2 - Users Permissions",
  available,
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    userSecurityId: { type: "guid" },
    userName: { type: "string" },
    fullName: { type: "string" },
    state: { type: "enum", enumValues: ["Enabled", "Disabled"] },
    expiryDate: { type: "datetime" },
    windowsSecurityID: { type: "string" },
    changePassword: { type: "bool" },
    // The User table's License Type option: sent as its encoded member name (`Full_x0020_User`).
    licenseType: { type: "enum", enumValues: PERSON_LICENSES },
    authenticationEmail: { type: "string" },
    contactEmail: { type: "string" },
    exchangeIdentifier: { type: "string" },
    applicationId: { type: "guid" },
  },
  navigations: { userPermissionSets: userPermissionSetsSet },
  list: (ctx) => ctx.env.users.filter((u) => PERSON_LICENSES.includes(u.licenseType)),
  keyOf: (row) => ({ id: userSystemId(row) }),
  rev: (row) => row.rev,
  toWire: (row) => ({
    id: userSystemId(row),
    userSecurityId: row.userSecurityId,
    userName: row.userName,
    fullName: row.displayName,
    state: row.state,
    expiryDate: bcDateTime(row.expiryDate),
    windowsSecurityID: "",
    changePassword: false,
    licenseType: row.licenseType,
    authenticationEmail: row.authenticationEmail,
    contactEmail: row.contactEmail,
    exchangeIdentifier: "",
    // Only application users carry an Application ID, and they are outside this page's license filter.
    applicationId: "00000000-0000-0000-0000-000000000000",
  }),
};

const aggregateId = (p: PermissionSetState) => stableGuid("aggregate-permission-set", p.scope, p.appId, p.id);

export const aggregatePermissionSetsSet: EntitySetDef<PermissionSetState> = {
  entitySet: "aggregatePermissionSets",
  entityType: "aggregatePermissionSet",
  page: "APIV2 - Permission Sets",
  available,
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    appId: { type: "guid" },
    appName: { type: "string" },
    name: { type: "string" },
    roleId: { type: "string" },
    scope: { type: "enum", enumValues: SCOPES },
  },
  navigations: { accessControls: accessControlsSet },
  // SourceTableView: "App Name" <> *_Exclude_*.
  list: (ctx) => ctx.env.permissionSets.filter((p) => !p.extensionName.includes("_Exclude_")),
  keyOf: (row) => ({ id: aggregateId(row) }),
  toWire: (row) => ({
    id: aggregateId(row),
    appId: row.appId,
    appName: row.extensionName,
    name: row.displayName,
    roleId: row.id,
    scope: row.scope,
  }),
};

/** A row of the Expanded Permission table. */
export interface ExpandedPermissionRow {
  id: string;
  set: PermissionSetState;
  objectType: string;
  objectId: number;
  objectName: string;
  read: string;
  insert: string;
  modify: string;
  delete: string;
  execute: string;
}

/**
 * The emulator does not model permission set contents, so the expansion is synthetic [INF]: every set grants "Table
 * Data" on all objects (id 0) — read-only for sets whose id contains READ, full otherwise — and "System"/"Page"
 * execute rows. Enough to page through and filter by roleId; not a security model.
 */
function expand(set: PermissionSetState): ExpandedPermissionRow[] {
  const readOnly = set.id.includes("READ");
  const write = readOnly ? "" : "Yes";
  const row = (objectType: string, rights: Partial<ExpandedPermissionRow>): ExpandedPermissionRow => ({
    id: stableGuid("expanded-permission", set.scope, set.appId, set.id, objectType),
    set,
    objectType,
    objectId: 0,
    objectName: "",
    read: "",
    insert: "",
    modify: "",
    delete: "",
    execute: "",
    ...rights,
  });
  return [
    row("Table Data", { read: "Yes", insert: write, modify: write, delete: write }),
    row("Page", { execute: "Yes" }),
    row("System", { execute: set.id === "SUPER" ? "Yes" : "" }),
  ];
}

export const expandedPermissionSetsSet: EntitySetDef<ExpandedPermissionRow> = {
  entitySet: "expandedPermissionSets",
  entityType: "expandedPermissionSet",
  page: "APIV2 Expanded Permission Sets",
  available,
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    appId: { type: "guid" },
    appName: { type: "string" },
    roleId: { type: "string" },
    roleName: { type: "string" },
    objectType: { type: "string" },
    objectId: { type: "int" },
    objectName: { type: "string" },
    readPermission: { type: "string" },
    insertPermission: { type: "string" },
    modifyPermission: { type: "string" },
    deletePermission: { type: "string" },
    executePermission: { type: "string" },
    alObjectName: { type: "string" },
    scope: { type: "enum", enumValues: SCOPES },
  },
  list: (ctx) => ctx.env.permissionSets.flatMap(expand),
  keyOf: (row) => ({ id: row.id }),
  toWire: (row) => ({
    id: row.id,
    appId: row.set.appId,
    appName: row.set.extensionName,
    roleId: row.set.id,
    roleName: row.set.displayName,
    objectType: row.objectType,
    objectId: row.objectId,
    objectName: row.objectName,
    readPermission: row.read,
    insertPermission: row.insert,
    modifyPermission: row.modify,
    deletePermission: row.delete,
    executePermission: row.execute,
    alObjectName: row.objectName,
    scope: row.set.scope,
  }),
};
