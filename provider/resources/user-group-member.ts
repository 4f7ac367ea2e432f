import type { AutomationApi } from "../api";
import { isNotFound } from "../errors";
import { connectionFor, progress } from "./context";
import { type ChangeKind, diffByTable } from "./diff";
import type { ResourceHandler } from "./handler";
import { checkInputs, code, connectionFields, guid, text, userInputs } from "./inputs";
import { exactlyOne, principalChanges, resolveUser, USER_KEYS } from "./principals";

const shape = {
  ...connectionFields,
  userSecurityId: guid("user's security id (Users page → User Security ID)").optional(),
  userName: text(50).trim().min(1, "must not be empty").optional(),
  groupCode: code(20),
  companyName: text(30).optional(),
  companyId: guid("id of a company used in API paths").optional(),
};

/** How each input change is applied (docs/resources/user-group-member.md). The user is compared separately. */
export const USER_GROUP_MEMBER_DIFF: Record<string, ChangeKind> = {
  groupCode: "replace",
  companyName: "replace",
  environment: "replace",
  companyId: "ignore",
  adopt: "ignore",
  timeouts: "ignore",
};

const KIND = "UserGroupMember";

/** Why the resource cannot work on BC 25.0+, and what to write instead. */
export function userGroupsRemovedMessage(environment: string, groupCode: string): string {
  return (
    `groupCode: environment '${environment}' has no user groups: Business Central removed user groups in version 25.0 ` +
    `(the userGroups and userGroupMembers APIs are gone). Assign the group's permission sets instead with ` +
    `PermissionSetAssignment — per user (userName or userSecurityId plus roleId, one resource per permission set that ` +
    `'${groupCode}' granted), or better to an Entra security group (securityGroupId plus roleId) and manage membership ` +
    `in Entra ID. Keep UserGroupMember only for environments on BC 24 or earlier.`
  );
}

function outputs(
  inputs: Record<string, unknown>,
  member: { id: string; userSecurityId: string; code: string; displayName: string; companyName: string },
  environment: string,
) {
  return {
    ...inputs,
    memberId: member.id,
    userSecurityId: member.userSecurityId.toLowerCase(),
    groupCode: member.code,
    groupName: member.displayName,
    companyName: member.companyName,
    environment,
  };
}

async function checkGroup(automation: AutomationApi, groupCode: string, companyId?: string) {
  const groups = await automation.userGroups.list({ companyId });
  if (groups.some((g) => g.code.toUpperCase() === groupCode)) return;
  throw new Error(
    `groupCode: no user group '${groupCode}' in environment '${automation.environment}' (user groups: ${groups.map((g) => g.code).join(", ") || "none"}).`,
  );
}

export const userGroupMemberHandler: ResourceHandler = {
  async check(_olds, news) {
    return checkInputs(shape, news, (inputs) => exactlyOne(inputs, USER_KEYS));
  },

  async diff(_id, olds, news) {
    const result = diffByTable(USER_GROUP_MEMBER_DIFF, olds, news, normaliser(olds), { deleteBeforeReplace: true });
    const user = principalChanges(olds, news, USER_KEYS, "userSecurityId");
    if (user.length === 0) return result;
    return { changes: true, replaces: [...user, ...(result.replaces ?? [])], deleteBeforeReplace: true };
  },

  async create(inputs) {
    const { automation, environment } = connectionFor(inputs);
    const companyId = inputs.companyId as string | undefined;
    const groupCode = String(inputs.groupCode).toUpperCase();
    const companyName = String(inputs.companyName ?? "");
    if (!(await automation.userGroups.available({ companyId }))) {
      throw new Error(userGroupsRemovedMessage(environment, groupCode));
    }
    const user = await resolveUser(automation, inputs, companyId);
    const userSecurityId = user.userSecurityId.toLowerCase();
    const wanted = { code: groupCode, companyName };
    const existing = await automation.userGroupMembers.find(userSecurityId, wanted, { companyId });
    const where = companyName === "" ? "all companies" : `company '${companyName}'`;
    if (existing) {
      if (!inputs.adopt) {
        throw new Error(
          `The membership of user ${user.userName} in user group '${groupCode}' for ${where} already exists (environment '${environment}', member id ${existing.id}). Set adopt: true to manage it with this resource, or remove the other definition.`,
        );
      }
      progress(KIND, `adopting existing membership of ${user.userName} in '${groupCode}' (${existing.id})`);
      return { id: existing.id, outs: outputs(userInputs(inputs), existing, environment) };
    }
    await checkGroup(automation, groupCode, companyId);
    progress(KIND, `adding ${user.userName} to user group '${groupCode}' in ${where}`);
    const created = await automation.userGroupMembers.create(userSecurityId, wanted, { companyId });
    return { id: created.id, outs: outputs(userInputs(inputs), created, environment) };
  },

  async read(id, props) {
    const { automation, environment } = connectionFor(props);
    try {
      const members = await automation.userGroupMembers.list(String(props.userSecurityId), {
        companyId: props.companyId as string | undefined,
      });
      const member = members.find((m) => m.id.toLowerCase() === id.toLowerCase());
      if (!member) return { id: "", props: {} };
      const inputs: Record<string, unknown> = {
        ...pickInputs(props),
        groupCode: member.code,
        companyName: member.companyName,
      };
      // Given a userName, the security id is an output only (the inputs carry exactly one of the two).
      if (props.userName !== undefined && props.userName !== "") delete inputs.userSecurityId;
      return { id, props: outputs(inputs, member, environment), inputs };
    } catch (err) {
      // The user is gone, or the environment was upgraded to 25+ (user groups removed): the membership is gone.
      if (isNotFound(err)) return { id: "", props: {} };
      throw err;
    }
  },

  async update(_id, olds, news) {
    // Only ignored inputs (adopt, timeouts, companyId) reach update: everything else replaces.
    const { environment } = connectionFor(news);
    return {
      outs: {
        ...olds,
        ...userInputs(news),
        userSecurityId: olds.userSecurityId,
        groupCode: olds.groupCode,
        environment,
      },
    };
  },

  async delete(id, props) {
    const { automation } = connectionFor(props);
    try {
      progress(KIND, `removing user ${String(props.userSecurityId)} from user group '${String(props.groupCode)}'`);
      await automation.userGroupMembers.delete(String(props.userSecurityId), id, "*", {
        companyId: props.companyId as string | undefined,
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  },
};

function normaliser(olds: Record<string, unknown>) {
  return (key: string, value: unknown) => {
    if (key === "environment" && (value === undefined || value === "")) return olds.environment;
    if (key === "groupCode" && typeof value === "string") return value.toUpperCase();
    return value;
  };
}

function pickInputs(props: Record<string, unknown>): Record<string, unknown> {
  const { memberId: _a, groupName: _b, ...rest } = props;
  return rest;
}
