/** UserGroupMember: a user's membership in a legacy BC user group, BC ≤ 24 (docs/resources/user-group-member.md). */
import type { AutomationApi } from "../api";
import { isNotFound } from "../errors";
import type { UserGroupMember } from "../automation/schemas";
import { defineResource, SHORT_TIMEOUTS } from "./framework/define";
import { OUTPUT_NAMES } from "./output-names";
import { behaviourRule, environmentRule, urlCompanyRule, upperCasedKeyRule } from "./framework/diff";
import { code, containsUnknown, guid, optionalText, text } from "./framework/inputs";
import { exactlyOne, principalRule, resolveUser, USER_KEYS, verifyPrincipal } from "./principals";

const inputs = {
  userSecurityId: guid("user's security id (Users page → User Security ID)").optional(),
  userName: text(50).trim().min(1, "must not be empty").optional(),
  groupCode: code(20),
  companyName: text(30).optional(),
  companyId: guid("id of a company used in API paths").optional(),
};

/** Why the resource cannot work on BC 25.0+, and what to write instead. */
export function userGroupsRemovedMessage(environment: string, groupCode: string): string {
  return userGroupsUnavailable(
    environment,
    groupCode,
    "Business Central removed user groups in version 25.0 (the userGroups and userGroupMembers APIs are gone)",
  );
}

/** Why the resource cannot work once "Convert user group permissions" ran (BC ≤ 24 hides the memberships then). */
export function userGroupsConvertedMessage(environment: string, groupCode: string): string {
  return userGroupsUnavailable(
    environment,
    groupCode,
    'the feature "Convert user group permissions" has run there, which hides user group memberships ' +
      "(users(…)/userGroupMembers answers 404)",
  );
}

function userGroupsUnavailable(environment: string, groupCode: string, why: string): string {
  return (
    `groupCode: environment '${environment}' has no user groups: ${why}. Assign the group's permission sets instead with ` +
    `PermissionSetAssignment — per user (userName or userSecurityId plus roleId, one resource per permission set that ` +
    `'${groupCode}' granted), or better to an Entra security group (securityGroupId plus roleId) and manage membership ` +
    `in Entra ID. Keep UserGroupMember only for environments (BC 24 or earlier) that still use user groups.`
  );
}

function outputsOf(member: UserGroupMember) {
  return {
    memberId: member.id,
    userSecurityId: member.userSecurityId.toLowerCase(),
    groupCode: member.code,
    groupName: member.displayName,
    companyName: member.companyName,
  };
}

async function checkGroup(automation: AutomationApi, groupCode: string, companyId?: string) {
  const groups = await automation.userGroups.list({ companyId });
  if (groups.some((g) => g.code.toUpperCase() === groupCode)) return;
  throw new Error(
    `groupCode: no user group '${groupCode}' in environment '${automation.environment}' (user groups: ${groups.map((g) => g.code).join(", ") || "none"}).`,
  );
}

export const userGroupMemberHandler = defineResource({
  kind: "UserGroupMember",
  inputs,
  outputs: OUTPUT_NAMES.UserGroupMember,
  changes: [
    principalRule(USER_KEYS, "userSecurityId"),
    upperCasedKeyRule("groupCode", "Compared upper-cased."),
    { keys: ["companyName"], change: "replace", why: "Part of the key." },
    environmentRule,
    urlCompanyRule,
    behaviourRule,
  ],
  replaceOrder: "by-key",
  timeouts: SHORT_TIMEOUTS,
  crossCheck: (values) => exactlyOne(values, USER_KEYS),
  verify: (ctx, values) =>
    verifyPrincipal(ctx.automation, values, containsUnknown(values.companyId) ? undefined : values.companyId),

  async create(ctx, inputs) {
    const { automation, environment } = ctx;
    const { companyId, groupCode } = inputs;
    const companyName = inputs.companyName ?? "";
    if (!(await automation.userGroups.available({ companyId }))) {
      throw new Error(userGroupsRemovedMessage(environment, groupCode));
    }
    const user = await resolveUser(automation, inputs, companyId);
    const userSecurityId = user.userSecurityId.toLowerCase();
    const wanted = { code: groupCode, companyName };
    const existing = await automation.userGroupMembers.find(userSecurityId, wanted, { companyId }).catch((err) => {
      if (isNotFound(err)) throw new Error(userGroupsConvertedMessage(environment, groupCode));
      throw err;
    });
    const where = companyName === "" ? "all companies" : `company '${companyName}'`;
    const key = `${userSecurityId}|${groupCode}|${companyName}`.toLowerCase();
    if (existing) {
      ctx.claimExisting({
        what: `The membership of user ${user.userName} in user group '${groupCode}' for ${where}`,
        id: existing.id,
        key,
        otherwise: "remove the other definition",
      });
      return { id: existing.id, outputs: outputsOf(existing) };
    }
    await checkGroup(automation, groupCode, companyId);
    ctx.intendCreate(key);
    ctx.progress(`adding ${user.userName} to user group '${groupCode}' in ${where}`);
    const created = await automation.userGroupMembers.create(userSecurityId, wanted, { companyId });
    return { id: created.id, outputs: outputsOf(created) };
  },

  async read(ctx, id, state) {
    // A 404 means the user is gone, or the environment was upgraded to 25+ (user groups removed): gone too.
    const members = await ctx.automation.userGroupMembers.list(String(state.inputs.userSecurityId), {
      companyId: state.inputs.companyId,
    });
    const member = members.find((m) => m.id.toLowerCase() === id.toLowerCase());
    if (!member) return undefined;
    const inputs = { ...state.inputs, groupCode: member.code, companyName: member.companyName };
    // Given a userName, the security id is an output only (the inputs carry exactly one of the two).
    if (optionalText(state.inputs.userName)) delete inputs.userSecurityId;
    return { inputs, outputs: outputsOf(member) };
  },

  // Only properties that change nothing in BC (adopt, timeouts, companyId) reach update: everything else replaces.
  async update(_ctx, _id, olds, news) {
    return {
      ...olds.outputs,
      userSecurityId: String(olds.inputs.userSecurityId),
      groupCode: olds.inputs.groupCode,
      companyName: news.companyName ?? olds.inputs.companyName ?? "",
    };
  },

  async delete(ctx, id, state) {
    ctx.progress(`removing user ${state.inputs.userSecurityId} from user group '${state.inputs.groupCode}'`);
    await ctx.automation.userGroupMembers.delete(String(state.inputs.userSecurityId), id, "*", {
      companyId: state.inputs.companyId,
    });
  },
});
