/**
 * Security groups (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis): page 30082 `securityGroups` (GET and DELETE only — groups mirror Entra groups and
 * are linked in the BC UI) and page 30081 `securityGroupMembers` (read-only; membership lives in Entra).
 *
 * A group's permission sets are Access Control rows on its "Group User SID", reached through
 * `securityGroups('<id>')/userPermissions` (page 30059 with that SubPageLink).
 */
import type { SecurityGroupState, UserState } from "../../state/model";
import type { EntitySetDef } from "../entity";
import type { EnvironmentFeatures } from "../features";
import { accessControlsSet } from "./permission-inspection";
import { parentSet, sameGuid } from "./security-helpers";
import { userPermissionsSet } from "./user-permissions";

/** `groupUserSecurityId`, `groupId`, `retrievedSuccessfully`, `userName`, `userFullName` arrived in 29.0. */
const since29 = (f: EnvironmentFeatures) => f.permissionInspection;

/** One row of the Security Group Member Buffer: a user in a group. */
export interface SecurityGroupMemberRow {
  group: SecurityGroupState;
  userSecurityId: string;
}

export const securityGroupMembersSet: EntitySetDef<SecurityGroupMemberRow> = {
  entitySet: "securityGroupMembers",
  entityType: "securityGroupMember",
  page: "APIV2 - Aut. Sec. Gr. Members",
  keys: [
    { name: "securityGroupCode", type: "string" },
    { name: "userSecurityId", type: "guid" },
  ],
  fields: {
    userSecurityId: { type: "guid" },
    securityGroupCode: { type: "string" },
    securityGroupName: { type: "string" },
    userName: { type: "string", available: since29 },
    userFullName: { type: "string", available: since29 },
  },
  list(ctx, parent) {
    const rows = ctx.env.securityGroups.flatMap((group) =>
      group.memberUserSecurityIds.map((userSecurityId) => ({ group, userSecurityId })),
    );
    switch (parentSet(parent)) {
      case "users": {
        const sid = (parent!.row as UserState).userSecurityId;
        return rows.filter((r) => sameGuid(r.userSecurityId, sid));
      }
      case "securityGroups":
        return rows.filter((r) => r.group === parent!.row);
      default:
        return rows;
    }
  },
  keyOf: (row) => ({ securityGroupCode: row.group.code, userSecurityId: row.userSecurityId }),
  rev: (row) => row.group.rev,
  toWire(row, ctx) {
    const wire: Record<string, unknown> = {
      userSecurityId: row.userSecurityId,
      securityGroupCode: row.group.code,
      securityGroupName: row.group.groupName,
    };
    if (ctx.features.permissionInspection) {
      const user = ctx.env.users.find((u) => sameGuid(u.userSecurityId, row.userSecurityId));
      wire.userName = user?.userName ?? "";
      wire.userFullName = user?.displayName ?? "";
    }
    return wire;
  },
};

export const securityGroupsSet: EntitySetDef<SecurityGroupState> = {
  entitySet: "securityGroups",
  entityType: "securityGroup",
  page: "APIV2 - Aut. Security Groups",
  // ODataKeyFields = "Group ID": a string (the Entra object id as text) ⇒ securityGroups('<id>').
  keys: [{ name: "id", type: "string" }],
  fields: {
    id: { type: "string" },
    code: { type: "string" },
    groupName: { type: "string" },
    // 28.x spelled it `groupUserSecurityID`; modelled as absent before 29 (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis).
    groupUserSecurityId: { type: "guid", available: since29 },
    groupId: { type: "string", available: since29 },
    retrievedSuccessfully: { type: "bool", available: since29 },
  },
  navigations: {
    securityGroupMembers: securityGroupMembersSet,
    userPermissions: userPermissionsSet,
    // 29.0+; the router answers 404 before that because the set is unavailable.
    accessControls: accessControlsSet,
  },
  available: (f) => f.securityGroupsPage,
  // 22.0–23.x: OnFindRecord never returned true, so nothing is listed, found by key or deletable (BC's AL source).
  list: (ctx) => (ctx.features.securityGroups ? ctx.env.securityGroups : []),
  keyOf: (row) => ({ id: row.id }),
  rev: (row) => row.rev,
  toWire(row, ctx) {
    const wire: Record<string, unknown> = { id: row.id, code: row.code, groupName: row.groupName };
    if (ctx.features.permissionInspection) {
      wire.groupUserSecurityId = row.groupUserSecurityId;
      wire.groupId = row.id;
      // The emulator has no unreachable Entra groups.
      wire.retrievedSuccessfully = true;
    }
    return wire;
  },
  /** `SecurityGroup.Delete(code)`: the group, its BC group user's permission sets and (with it) the membership view. */
  remove(ctx, row) {
    ctx.env.securityGroups.splice(ctx.env.securityGroups.indexOf(row), 1);
    ctx.env.accessControls = ctx.env.accessControls.filter(
      (ac) => !sameGuid(ac.userSecurityId, row.groupUserSecurityId),
    );
  },
};
