/**
 * Shared user / security-group resolution for UserGroupMember and PermissionSetAssignment: turns the principal
 * inputs (`userSecurityId`, `userName`, `securityGroupId`) into a BC security id with errors that name the input.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AutomationApi, Grantee, SecurityGroup, User } from "../api";
import { isNotFound } from "../errors";
import { atLeast, bcVersion } from "./extension/bc";
import type { ChangeRule, PropertyBag } from "./framework/diff";
import { containsUnknown } from "./framework/inputs";
import { didYouMean } from "./framework/preview-checks";

export const USER_KEYS = ["userSecurityId", "userName"] as const;
export const PRINCIPAL_KEYS = ["userSecurityId", "userName", "securityGroupId"] as const;

const isSet = (value: unknown) => value !== undefined && value !== null && value !== "";

/** Check failures unless exactly one of `keys` is set (unknown preview values count as set). */
export function exactlyOne(inputs: PropertyBag, keys: readonly string[]): pulumi.dynamic.CheckFailure[] {
  const given = keys.filter((k) => isSet(inputs[k]));
  if (given.length === 1) return [];
  const list = keys.join(", ");
  if (given.length === 0) {
    return [{ property: keys[0]!, reason: `is required: set exactly one of ${list}` }];
  }
  return given.map((k) => ({
    property: k,
    reason: `conflicts with ${given.filter((g) => g !== k).join(", ")}: set exactly one of ${list}`,
  }));
}

/** A user by `userSecurityId` or `userName`; unknown users fail with a message naming the input. */
export async function resolveUser(
  automation: AutomationApi,
  inputs: { userSecurityId?: unknown; userName?: unknown },
  companyId?: string,
): Promise<User> {
  const environment = automation.environment;
  if (isSet(inputs.userSecurityId)) {
    const id = String(inputs.userSecurityId);
    try {
      return await automation.users.get(id, { companyId });
    } catch (err) {
      if (isNotFound(err)) {
        throw new Error(
          `userSecurityId: no user with security id ${id} in environment '${environment}'. Check the id (users come from Entra ID; sync new users in BC first) or give userName instead.`,
        );
      }
      throw err;
    }
  }
  const userName = String(inputs.userName ?? "");
  const user = await automation.users.findByUserName(userName, { companyId });
  if (!user) {
    throw new Error(
      `userName: no user named '${userName}' in environment '${environment}'. BC user names are the names shown on the Users page (e.g. ADMIN); users come from Entra ID, so add the user there and sync users in BC first.`,
    );
  }
  return user;
}

/** A security group by its Entra group id; unknown groups fail listing the groups that exist. */
export async function resolveSecurityGroup(
  automation: AutomationApi,
  securityGroupId: string,
  companyId?: string,
): Promise<SecurityGroup> {
  const group = await automation.securityGroups.find(securityGroupId, { companyId });
  if (!group) {
    const known = await automation.securityGroups.list({ companyId }).catch(() => []);
    const listing =
      known.length > 0 ? ` Security groups there: ${known.map((g) => `${g.code} (${g.id})`).join(", ")}.` : "";
    const version = await bcVersion(automation).catch(() => undefined);
    const tooOld =
      version !== undefined && !atLeast(version, "24.0")
        ? ` Environment '${automation.environment}' runs BC ${version}: security groups can be managed through the API from BC 24.0 (before that the API lists none); assign the permission sets per user (userName) until it is upgraded.`
        : "";
    throw new Error(
      `securityGroupId: no security group with Entra group id ${securityGroupId} in environment '${automation.environment}'. Add the Entra group as a security group in BC (Security Groups page) first.${listing}${tooOld}`,
    );
  }
  return group;
}

/** The security id of the BC user row that represents a security group (`groupUserSecurityID` in 28.x). */
export function groupSecurityId(group: SecurityGroup): string {
  const value = group.groupUserSecurityId ?? (group as Record<string, unknown>).groupUserSecurityID;
  return typeof value === "string" ? value.toLowerCase() : "";
}

export interface ResolvedPrincipal {
  grantee: Grantee;
  principalSecurityId: string;
}

/** The grantee of a permission assignment from its principal inputs. */
export async function resolvePrincipal(
  automation: AutomationApi,
  inputs: { securityGroupId?: unknown; userSecurityId?: unknown; userName?: unknown },
  companyId?: string,
): Promise<ResolvedPrincipal> {
  if (isSet(inputs.securityGroupId)) {
    const group = await resolveSecurityGroup(automation, String(inputs.securityGroupId), companyId);
    return { grantee: { securityGroupId: group.id }, principalSecurityId: groupSecurityId(group) };
  }
  const user = await resolveUser(automation, inputs, companyId);
  const id = user.userSecurityId.toLowerCase();
  return { grantee: { userSecurityId: id }, principalSecurityId: id };
}

/** The grantee recorded in state (for read and delete, without resolving names again). */
export function granteeFromState(props: PropertyBag): Grantee {
  if (isSet(props.securityGroupId)) return { securityGroupId: String(props.securityGroupId) };
  return { userSecurityId: String(props.principalSecurityId ?? props.userSecurityId) };
}

/**
 * The change rule of a principal: another user or group replaces. `resolvedKey` names the output holding the
 * resolved user security id, so switching from `userName` to the same user's `userSecurityId` is no change and an
 * unchanged `userName` (any case) is no change.
 */
export function principalRule(keys: readonly string[], resolvedKey: string): ChangeRule {
  const identity = (side: PropertyBag, olds: PropertyBag): string => {
    if (isSet(side.securityGroupId)) return `group:${String(side.securityGroupId).toLowerCase()}`;
    if (side === olds) return `user:${String(olds[resolvedKey] ?? "").toLowerCase()}`;
    if (isSet(side.userSecurityId)) return `user:${String(side.userSecurityId).toLowerCase()}`;
    const name = String(side.userName ?? "").toUpperCase();
    if (isSet(olds.userName) && name === String(olds.userName).toUpperCase()) {
      return `user:${String(olds[resolvedKey] ?? "").toLowerCase()}`;
    }
    return `name:${name}`;
  };
  return {
    keys,
    label: keys.map((k) => `\`${k}\``).join(" / "),
    change: "replace",
    why: "Another principal is another object. Switching from `userName` to the same user's id, or a change of case in `userName`, is no change.",
    value: identity,
    // A new userName resolves at create: it may name the user the old assignment already has.
    sameRowPossible: (olds, news) => identity(news, olds).startsWith("name:"),
    report: (olds, news) => {
      const changed = keys.filter((k) => isSet(news[k]) || isSet(olds[k]));
      return changed.length > 0 ? changed : [keys[0]!];
    },
  };
}

/** Preview check: the principal inputs name a user or security group the environment has (unknown inputs skipped). */
export async function verifyPrincipal(
  automation: AutomationApi,
  inputs: { securityGroupId?: unknown; userSecurityId?: unknown; userName?: unknown },
  companyId?: string,
): Promise<pulumi.dynamic.CheckFailure[]> {
  const environment = automation.environment;
  if (isSet(inputs.securityGroupId)) {
    const id = inputs.securityGroupId;
    if (typeof id !== "string" || containsUnknown(id)) return [];
    // Before BC 24 the API lists no security groups: nothing to judge by, create says why.
    const groups = await automation.snapshots.securityGroups(companyId, "settled").catch(() => undefined);
    if (!groups || groups.size === 0 || groups.has(id.toLowerCase())) return [];
    const listing = [...groups.values()].map(({ principal: g }) => `${g.code} (${g.id})`).join(", ");
    return [
      {
        property: "securityGroupId",
        reason: `no security group with Entra group id ${id} in environment '${environment}' (security groups: ${listing}). Add the Entra group as a security group in BC (Security Groups page) first, or correct the id.`,
      },
    ];
  }
  const users = await automation.snapshots.users(companyId, "settled");
  if (isSet(inputs.userSecurityId)) {
    const id = inputs.userSecurityId;
    if (typeof id !== "string" || containsUnknown(id) || users.has(id.toLowerCase())) return [];
    return [
      {
        property: "userSecurityId",
        reason: `no user with security id ${id} in environment '${environment}'. Check the id (Users page → User Security ID; users come from Entra ID, so sync new users in BC first) or give userName instead.`,
      },
    ];
  }
  const name = inputs.userName;
  if (typeof name !== "string" || containsUnknown(name)) return [];
  const names = [...users.values()].map(({ principal }) => principal.userName);
  if (names.some((n) => n.toUpperCase() === name.toUpperCase())) return [];
  return [
    {
      property: "userName",
      reason: `no user named '${name}' in environment '${environment}'.${didYouMean(name, names)} BC user names are the names on the Users page (e.g. ADMIN); users come from Entra ID, so add the user there and sync users in BC first (Users › Update users from Microsoft 365).`,
    },
  ];
}
