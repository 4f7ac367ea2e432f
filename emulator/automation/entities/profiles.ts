/**
 * Page 30074 "APIV2 - Aut. Profiles" over All Profile (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis): read-only, key = the table's primary key
 * (Scope, App ID, Profile ID) ⇒ `profiles(scope='System',applicationId=…,profileId='ACCOUNTANT')`.
 * Also the `profile` part of legacy user groups (SubPageLink on the group's default profile).
 */
import type { ProfileState, UserGroupState } from "../../state/model";
import type { EntitySetDef } from "../entity";
import { parentSet } from "./security-helpers";

export const profilesSet: EntitySetDef<ProfileState> = {
  entitySet: "profiles",
  entityType: "profile",
  page: "APIV2 - Aut. Profiles",
  keys: [
    { name: "scope", type: "string" },
    { name: "applicationId", type: "guid" },
    { name: "profileId", type: "string" },
  ],
  fields: {
    profileId: { type: "string" },
    applicationId: { type: "guid" },
    scope: { type: "enum", enumValues: ["System", "Tenant"] },
    source: { type: "string" },
    displayName: { type: "string" },
    enabled: { type: "bool" },
  },
  list(ctx, parent) {
    if (parentSet(parent) === "userGroups") {
      // The emulator stores only the default profile's id (not its app id/scope), so the link matches on the id.
      const profileId = (parent!.row as UserGroupState).defaultProfileID;
      return ctx.env.profiles.filter((p) => profileId !== "" && p.profileId === profileId);
    }
    return ctx.env.profiles;
  },
  keyOf: (row) => ({ scope: row.scope, applicationId: row.applicationId, profileId: row.profileId }),
  toWire: (row) => ({
    profileId: row.profileId,
    applicationId: row.applicationId,
    scope: row.scope,
    source: row.source,
    displayName: row.displayName,
    enabled: row.enabled,
  }),
};
