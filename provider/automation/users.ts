/**
 * Users, their permission set assignments, permission sets, security groups and (≤ BC 24) user groups
 * (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis). All are environment-wide but addressed under some company (the first one, unless given).
 *
 * Permission assignments are Access Control rows reached through a navigation: `users({id})/userPermissions` or
 * `securityGroups('{id}')/userPermissions` (the top-level set needs a user filter and cannot create).
 */
import { isNotFound } from "../errors";
import { sendOnce } from "../http/reconcile";
import type { CallOptions, ListOptions } from "./client";
import type { AutomationContext } from "./context";
import { eqFilter, isPlainList, keySegment } from "./odata";
import {
  entities,
  type PermissionSet,
  type SecurityGroup,
  type User,
  type UserGroup,
  type UserGroupMember,
  type UserPermission,
} from "./schemas";

type Scoped = CallOptions & { companyId?: string };
type ScopedList = ListOptions & { companyId?: string };

export interface UserPatch {
  state?: "Enabled" | "Disabled";
  /** ISO date-time; `0001-01-01T00:00:00Z` clears it. */
  expiryDate?: string;
  /** BC 25.0+. */
  contactEmail?: string;
}

export interface NewPermission {
  /** Permission set id, e.g. `D365 BUS FULL ACCESS`. */
  roleId: string;
  /** Company name; "" (default) = all companies. */
  company?: string;
  /** Disambiguators when the same role id exists in several apps/scopes (`System` or `Tenant`). */
  scope?: string;
  appId?: string;
}

export interface NewUserGroupMember {
  /** User group code. */
  code: string;
  /** Company name; "" = all companies. */
  companyName?: string;
}

/** The principal a permission assignment belongs to. */
export type Grantee = { userSecurityId: string } | { securityGroupId: string };

export function usersApi({ client, snapshots, scopeCompany }: AutomationContext) {
  const collection = async (companyId?: string) => client.companyUrl(companyId ?? (await scopeCompany.id()), "users");
  const api = {
    list(options: ScopedList = {}): Promise<User[]> {
      return collection(options.companyId).then((url) => client.list(entities.user, url, options));
    },
    /** From the run's shared read of users; a user not in it is asked for directly (404 if really absent). */
    async get(userSecurityId: string, options: Scoped = {}): Promise<User> {
      const shared = (await snapshots.users(options.companyId)).get(userSecurityId.toLowerCase());
      if (shared) return shared.principal;
      return client.get(
        entities.user,
        `${await collection(options.companyId)}${keySegment(userSecurityId, "guid")}`,
        options,
      );
    },
    /** A user by `userName` (BC stores user names upper-case; the filter is exact). */
    async findByUserName(userName: string, options: Scoped = {}): Promise<User | undefined> {
      const wanted = userName.toUpperCase();
      for (const { principal } of (await snapshots.users(options.companyId)).values()) {
        if (principal.userName.toUpperCase() === wanted) return principal;
      }
      const exact = await api.list({ ...options, filter: eqFilter({ userName }) });
      if (exact[0] || userName === userName.toUpperCase()) return exact[0];
      return (await api.list({ ...options, filter: eqFilter({ userName: userName.toUpperCase() }) }))[0];
    },
    /** `PATCH users({id})` (state, expiryDate, contactEmail). */
    async update(userSecurityId: string, patch: UserPatch, etag = "*", options: Scoped = {}): Promise<User> {
      return client.patch(
        entities.user,
        `${await collection(options.companyId)}${keySegment(userSecurityId, "guid")}`,
        patch,
        etag,
        options,
      );
    },
  };
  return api;
}

export function userPermissionsApi({ client, snapshots, scopeCompany }: AutomationContext) {
  const base = async (grantee: Grantee, companyId?: string) => {
    const scope = companyId ?? (await scopeCompany.id());
    return "userSecurityId" in grantee
      ? client.companyUrl(scope, `users${keySegment(grantee.userSecurityId, "guid")}/userPermissions`)
      : client.companyUrl(scope, `securityGroups${keySegment(grantee.securityGroupId, "string")}/userPermissions`);
  };
  const matches = (p: UserPermission, wanted: NewPermission) =>
    p.roleId.toUpperCase() === wanted.roleId.toUpperCase() &&
    p.company === (wanted.company ?? "") &&
    (wanted.scope === undefined || p.scope === wanted.scope) &&
    (wanted.appId === undefined || p.appId.toLowerCase() === wanted.appId.toLowerCase());

  /** Straight from BC, never from a shared read: what recovery after an ambiguous or duplicate create needs. */
  const listFresh = async (grantee: Grantee, options: ScopedList = {}) =>
    client.list(entities.userPermission, await base(grantee, options.companyId), options);
  const findFresh = async (grantee: Grantee, wanted: NewPermission, options: Scoped) =>
    (await listFresh(grantee, options)).find((p) => matches(p, wanted));

  const api = {
    /**
     * The grantee's assignments as BC has them. Without query options from a shared fresh read
     * (`…?$expand=userPermissions` started after the command began, shared by its reads: SharedRead.fresh).
     */
    async list(grantee: Grantee, options: ScopedList = {}): Promise<UserPermission[]> {
      if (isPlainList(options)) {
        const directory =
          "userSecurityId" in grantee
            ? await snapshots.users(options.companyId, "fresh")
            : await snapshots.securityGroups(options.companyId, "fresh");
        const holder = directory.get(
          ("userSecurityId" in grantee ? grantee.userSecurityId : grantee.securityGroupId).toLowerCase(),
        );
        if (holder?.permissions) return [...holder.permissions.values()];
      }
      // Not in the shared read (gone, or too new for it): BC answers, with 404 when the grantee does not exist.
      return listFresh(grantee, options);
    },
    /**
     * The assignment matching role, company (and scope/app if given), or undefined: "not there" from the shared
     * read (a create then finds out from BC's duplicate-key answer), "there" confirmed with BC before it is used.
     */
    async find(grantee: Grantee, wanted: NewPermission, options: Scoped = {}): Promise<UserPermission | undefined> {
      const directory =
        "userSecurityId" in grantee
          ? await snapshots.users(options.companyId)
          : await snapshots.securityGroups(options.companyId);
      const holder = directory.get(
        ("userSecurityId" in grantee ? grantee.userSecurityId : grantee.securityGroupId).toLowerCase(),
      );
      if (holder?.permissions && ![...holder.permissions.values()].some((p) => matches(p, wanted))) return undefined;
      return findFresh(grantee, wanted, options);
    },
    /**
     * Assigns a permission set (201). An ambiguous create is recovered by looking the assignment up. A grant made
     * elsewhere since the shared read (`find` said "not there") meets BC's duplicate-key answer, which is passed on:
     * taking over an existing grant is the resource's decision, never this layer's.
     */
    async create(grantee: Grantee, permission: NewPermission, options: Scoped = {}): Promise<UserPermission> {
      const url = await base(grantee, options.companyId);
      const body: Record<string, unknown> = { roleId: permission.roleId, company: permission.company ?? "" };
      if (permission.scope !== undefined) body.scope = permission.scope;
      if (permission.appId !== undefined) body.appId = permission.appId;
      const created = await sendOnce({
        what: `assign permission set ${permission.roleId}`,
        start: () => client.create(entities.userPermission, url, body, options),
        lookup: () => findFresh(grantee, permission, options),
      });
      snapshots.permissionAdded(grantee, created);
      return created;
    },
    async delete(grantee: Grantee, id: string, etag = "*", options: Scoped = {}): Promise<void> {
      try {
        await client.delete(`${await base(grantee, options.companyId)}${keySegment(id, "guid")}`, etag, options);
      } catch (err) {
        if (isNotFound(err)) snapshots.permissionRemoved(grantee, id);
        throw err;
      }
      snapshots.permissionRemoved(grantee, id);
    },
  };
  return api;
}

export function permissionSetsApi({ client, snapshots, scopeCompany }: AutomationContext) {
  const api = {
    async list(options: ScopedList = {}): Promise<PermissionSet[]> {
      const url = client.companyUrl(options.companyId ?? (await scopeCompany.id()), "permissionSets");
      return client.list(entities.permissionSet, url, options);
    },
    /** Permission sets with this role id (one per app/scope that defines it); none in the shared read ⇒ asks BC. */
    async find(roleId: string, options: Scoped = {}): Promise<PermissionSet[]> {
      const wanted = roleId.toUpperCase();
      const shared = (await snapshots.permissionSets(options.companyId)).filter((p) => p.id.toUpperCase() === wanted);
      if (shared.length > 0) return shared;
      return api.list({ ...options, filter: eqFilter({ id: roleId }) });
    },
  };
  return api;
}

export function securityGroupsApi({ client, snapshots, scopeCompany }: AutomationContext) {
  const collection = async (companyId?: string) =>
    client.companyUrl(companyId ?? (await scopeCompany.id()), "securityGroups");
  const api = {
    async list(options: ScopedList = {}): Promise<SecurityGroup[]> {
      return client.list(entities.securityGroup, await collection(options.companyId), options);
    },
    /** By Entra group object id (the key). */
    async get(id: string, options: Scoped = {}): Promise<SecurityGroup> {
      return client.get(
        entities.securityGroup,
        `${await collection(options.companyId)}${keySegment(id, "string")}`,
        options,
      );
    },
    /** From the run's shared read; a group not in it is asked for directly. */
    async find(id: string, options: Scoped = {}): Promise<SecurityGroup | undefined> {
      const shared = await snapshots.securityGroups(options.companyId).catch(() => undefined);
      const holder = shared?.get(id.toLowerCase());
      if (holder) return holder.principal;
      try {
        return await api.get(id, options);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
  };
  return api;
}

/** Legacy user groups: removed in BC 25.0 (404 there; see `available`). */
export function userGroupsApi({ client, scopeCompany }: AutomationContext) {
  const api = {
    async list(options: ScopedList = {}): Promise<UserGroup[]> {
      const url = client.companyUrl(options.companyId ?? (await scopeCompany.id()), "userGroups");
      return client.list(entities.userGroup, url, options);
    },
    /** Whether this environment still has user groups (BC ≤ 24). */
    async available(options: Scoped = {}): Promise<boolean> {
      try {
        await api.list({ ...options, top: 1 });
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
  };
  return api;
}

export function userGroupMembersApi({ client, scopeCompany }: AutomationContext) {
  const base = async (userSecurityId: string, companyId?: string) =>
    client.companyUrl(
      companyId ?? (await scopeCompany.id()),
      `users${keySegment(userSecurityId, "guid")}/userGroupMembers`,
    );
  const api = {
    async list(userSecurityId: string, options: ScopedList = {}): Promise<UserGroupMember[]> {
      return client.list(entities.userGroupMember, await base(userSecurityId, options.companyId), options);
    },
    async find(
      userSecurityId: string,
      member: NewUserGroupMember,
      options: Scoped = {},
    ): Promise<UserGroupMember | undefined> {
      const all = await api.list(userSecurityId, options);
      return all.find(
        (m) => m.code.toUpperCase() === member.code.toUpperCase() && m.companyName === (member.companyName ?? ""),
      );
    },
    async create(userSecurityId: string, member: NewUserGroupMember, options: Scoped = {}): Promise<UserGroupMember> {
      const url = await base(userSecurityId, options.companyId);
      const body = { code: member.code, companyName: member.companyName ?? "" };
      return sendOnce({
        what: `add user to user group ${member.code}`,
        start: () => client.create(entities.userGroupMember, url, body, options),
        lookup: () => api.find(userSecurityId, member, options),
      });
    },
    async delete(userSecurityId: string, id: string, etag = "*", options: Scoped = {}): Promise<void> {
      await client.delete(`${await base(userSecurityId, options.companyId)}${keySegment(id, "guid")}`, etag, options);
    },
  };
  return api;
}
