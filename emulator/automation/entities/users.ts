/**
 * Page 30004 "APIV2 - Aut. Users" over the User table (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis). Users come from Entra: no POST or DELETE;
 * PATCH changes `state`, `expiryDate` and (25.0+) `contactEmail`.
 *
 * Listing: in SaaS the page filters out License Type "External User" and nothing else (OnOpenPage), so application
 * users — the BC users behind "Microsoft Entra applications", license type Application — are listed too, including
 * the calling app's own user. Security groups' BC user rows are not stored as users by the emulator, so they are not
 * listed (real BC would show them with license type "AAD Group" [INF]).
 */
import { dialog } from "../../errors";
import type { UserState } from "../../state/model";
import type { AutomationContext, EntitySetDef } from "../entity";
import { wireOf } from "../wire";
import { enqueueUserJob, hasPendingUserJob, scheduledJobsSet } from "./scheduled-jobs";
import { securityGroupMembersSet } from "./security-groups";
import { bcDateTime, sameGuid } from "./security-helpers";
import { userGroupMembersSet } from "./user-groups";
import { userPermissionsSet } from "./user-permissions";

const JOB_PENDING = "You cannot get new users while a task is already in progress.";
/** Emulator wording: BC's own failure text for S2S callers is not documented (see the getNewUsersWithS2S switch). */
export const S2S_UNSUPPORTED =
  "Getting new users from Microsoft 365 is not supported when using service-to-service authentication. Sign in as a user to run this action.";

function touch(row: UserState) {
  row.rev += 1;
}

export const usersSet: EntitySetDef<UserState> = {
  entitySet: "users",
  entityType: "user",
  page: "APIV2 - Aut. Users",
  keys: [{ name: "userSecurityId", type: "guid" }],
  fields: {
    userSecurityId: { type: "guid" },
    userName: { type: "string", maxLength: 50 },
    displayName: { type: "string", maxLength: 80 },
    state: { type: "enum", editable: true, enumValues: ["Enabled", "Disabled"] },
    expiryDate: { type: "datetime", editable: true },
    contactEmail: { type: "string", editable: true, maxLength: 250, available: (f) => f.contactEmail },
  },
  navigations: {
    // userGroupMembers exists only before 25.0: the router answers 404 for it on newer versions.
    userGroupMembers: userGroupMembersSet,
    userPermissions: userPermissionsSet,
    securityGroupMembers: securityGroupMembersSet,
    scheduledJobs: scheduledJobsSet,
  },
  list: (ctx) => ctx.env.users.filter((u) => u.licenseType !== "External User"),
  keyOf: (row) => ({ userSecurityId: row.userSecurityId }),
  rev: (row) => row.rev,
  toWire(row, ctx) {
    const wire: Record<string, unknown> = {
      userSecurityId: row.userSecurityId,
      userName: row.userName,
      displayName: row.displayName,
      state: row.state,
      expiryDate: bcDateTime(row.expiryDate),
    };
    if (ctx.features.contactEmail) wire.contactEmail = row.contactEmail;
    return wire;
  },
  modify(ctx, row, body) {
    if (body.state !== undefined) {
      row.state = body.state as UserState["state"];
      // An application user's State is the State on its "Microsoft Entra applications" card (one field in BC):
      // disabling the app's user locks the app out, like disabling it on the card.
      for (const app of ctx.env.entraApplications) {
        if (sameGuid(app.userSecurityId, row.userSecurityId)) app.state = row.state;
      }
    }
    if (body.expiryDate !== undefined) row.expiryDate = bcDateTime(String(body.expiryDate));
    if (body.contactEmail !== undefined) row.contactEmail = String(body.contactEmail);
    touch(row);
  },
  actions: {
    /** Synchronous sync from Entra (result code Updated ⇒ 200 empty). */
    getNewUsersFromOffice365(ctx) {
      if (hasPendingUserJob(ctx)) throw dialog(JOB_PENDING);
      if (!s2sSupported(ctx)) throw dialog(S2S_UNSUPPORTED);
      return { kind: "Updated" };
    },
    /** Queues a Job Queue entry (category APIUSERJOB); result code Created pointing at the scheduledJobs row ⇒ 201. */
    getNewUsersFromOffice365Async(ctx) {
      if (hasPendingUserJob(ctx)) throw dialog(JOB_PENDING);
      const job = enqueueUserJob(ctx, s2sSupported(ctx) ? undefined : S2S_UNSUPPORTED);
      return { kind: "Created", body: wireOf(scheduledJobsSet, job, ctx) };
    },
  },
};

/** Every emulator caller is an app (S2S); whether the Entra sync works for apps is the getNewUsersWithS2S switch. */
const s2sSupported = (ctx: AutomationContext) => ctx.behaviour.getNewUsersWithS2S === "supported";
