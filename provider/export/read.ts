/**
 * Reads what `export` writes out: an environment's companies, installed apps, permission set assignments of users
 * and security groups, and (BC ≤ 24) user group memberships. Only GET requests: export never changes BC.
 */
import type { AutomationApi, Extension, PermissionSet, SecurityGroup, User, UserPermission } from "../automation";
import { extensionVersion } from "../automation";

export interface ExportedCompany {
  name: string;
  displayName: string;
  businessProfileId: string;
}

export interface ExportedApp {
  appId: string;
  name: string;
  publisher: string;
  version: string;
  /** `Global` (AppSource or Microsoft), `PTE` or `Dev`. */
  publishedAs: string;
}

export interface ExportedAssignment {
  /** A user by name, or a security group by its Entra group id. */
  principal: { userName: string } | { securityGroupId: string; code: string; groupName: string };
  roleId: string;
  roleName: string;
  company: string;
  scope: string;
  appId: string;
  /** Whether `roleId` alone names more than one permission set (the program must then say which). */
  ambiguous: boolean;
}

export interface ExportedMembership {
  userName: string;
  groupCode: string;
  companyName: string;
}

export interface EnvironmentSnapshot {
  environment: string;
  companies: ExportedCompany[];
  apps: ExportedApp[];
  assignments: ExportedAssignment[];
  /** Undefined when the environment has no user groups (BC 25+). */
  memberships?: ExportedMembership[];
  /** The environment as the Admin Center shows it (provider/export/environment.ts); undefined when not read. */
  admin?: import("./environment").EnvironmentExport;
}

export async function readEnvironment(automation: AutomationApi): Promise<EnvironmentSnapshot> {
  const companies = await automation.companies.list();
  const extensions = await automation.extensions.list();
  const users = await automation.users.list();
  const permissionSets = await automation.permissionSets.list();
  const groups = await automation.securityGroups.list().catch(() => [] as SecurityGroup[]);
  const assignments: ExportedAssignment[] = [];
  const assignmentOf = (principal: ExportedAssignment["principal"], p: UserPermission) =>
    toAssignment(principal, p, permissionSets);
  for (const user of users) {
    const granted = await automation.userPermissions.list({ userSecurityId: user.userSecurityId });
    assignments.push(...granted.map((p) => assignmentOf({ userName: user.userName }, p)));
  }
  for (const group of groups) {
    const granted = await automation.userPermissions.list({ securityGroupId: group.id });
    const principal = { securityGroupId: group.id, code: group.code, groupName: group.groupName };
    assignments.push(...granted.map((p) => assignmentOf(principal, p)));
  }
  return {
    environment: automation.environment,
    companies: companies.map((c) => ({
      name: c.name,
      displayName: c.displayName,
      businessProfileId: c.businessProfileId ?? "",
    })),
    apps: extensions.filter((e) => e.isInstalled).map(appOf),
    assignments,
    memberships: await readMemberships(automation, users),
  };
}

function appOf(e: Extension): ExportedApp {
  return {
    appId: e.id.toLowerCase(),
    name: e.displayName,
    publisher: e.publisher,
    version: extensionVersion(e),
    publishedAs: e.publishedAs,
  };
}

function toAssignment(
  principal: ExportedAssignment["principal"],
  p: UserPermission,
  permissionSets: PermissionSet[],
): ExportedAssignment {
  const sameRole = permissionSets.filter((s) => s.id.toUpperCase() === p.roleId.toUpperCase());
  return {
    principal,
    roleId: p.roleId,
    roleName: p.displayName,
    company: p.company,
    scope: p.scope,
    appId: p.appId.toLowerCase(),
    ambiguous: sameRole.length > 1,
  };
}

async function readMemberships(automation: AutomationApi, users: User[]): Promise<ExportedMembership[] | undefined> {
  if (!(await automation.userGroups.available())) return undefined;
  const memberships: ExportedMembership[] = [];
  for (const user of users) {
    const members = await automation.userGroupMembers.list(user.userSecurityId);
    memberships.push(
      ...members.map((m) => ({ userName: user.userName, groupCode: m.code, companyName: m.companyName })),
    );
  }
  return memberships;
}
