/**
 * State invariants that hold whatever requests were sent (emulator/state/model.ts): keys unique where BC's
 * tables have a primary key, references between rows resolve, statuses stay in their option sets.
 * Checked after every fuzz run; a violation means a handler wrote inconsistent state.
 */
import type { EmulatorState, EnvironmentState, TenantState } from "../../../emulator/state/model";

const lower = (s: string) => s.toLowerCase();
const RAPIDSTART_STATUSES = new Set(["No", "Scheduled", "InProgress", "Completed", "Error"]);

/** Violations found in the whole state (empty when consistent). */
export function stateInvariants(state: EmulatorState): string[] {
  const problems: string[] = [];
  for (const tenant of state.tenants) {
    problems.push(...tenantInvariants(tenant));
    for (const env of tenant.environments) {
      problems.push(...environmentInvariants(env).map((p) => `${tenant.id}/${env.name}: ${p}`));
    }
  }
  return problems;
}

function tenantInvariants(tenant: TenantState): string[] {
  const problems: string[] = [];
  duplicates(
    tenant.environments.map((e) => lower(e.name)),
    "environment name",
    problems,
  );
  duplicates(
    tenant.apps.map((a) => lower(a.clientId)),
    "Entra app client id",
    problems,
  );
  if (tenant.adminCenter) {
    duplicates(
      tenant.adminCenter.operations.map((o) => o.id),
      "environment operation id",
      problems,
    );
    const active = new Set(tenant.environments.map((e) => lower(e.name)));
    for (const env of tenant.adminCenter.inactiveEnvironments) {
      if (active.has(lower(env.name))) problems.push(`environment '${env.name}' is both active and inactive`);
    }
  }
  return problems;
}

function environmentInvariants(env: EnvironmentState): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };

  // Companies: primary key Name, SystemId unique.
  duplicates(
    env.companies.map((c) => lower(c.id)),
    "company id",
    problems,
  );
  duplicates(
    env.companies.map((c) => lower(c.name)),
    "company name",
    problems,
  );

  // Principals: users, application users and security-group users.
  duplicates(
    env.users.map((u) => lower(u.userSecurityId)),
    "user security id",
    problems,
  );
  const users = new Set(env.users.map((u) => lower(u.userSecurityId)));
  duplicates(
    env.entraApplications.map((a) => lower(a.clientId)),
    "Entra application client id",
    problems,
  );
  for (const app of env.entraApplications) {
    check(users.has(lower(app.userSecurityId)), `Entra application ${app.clientId} has no application user`);
  }
  duplicates(
    env.securityGroups.map((g) => lower(g.id)),
    "security group id",
    problems,
  );
  duplicates(
    env.securityGroups.map((g) => lower(g.code)),
    "security group code",
    problems,
  );
  for (const group of env.securityGroups) {
    for (const member of group.memberUserSecurityIds) {
      check(users.has(lower(member)), `security group ${group.code} member ${member} is not a user`);
    }
  }
  const principals = new Set([...users, ...env.securityGroups.map((g) => lower(g.groupUserSecurityId))]);

  // Access Control: every row names a principal and a defined permission set; its primary key is unique.
  const roles = new Set(env.permissionSets.map((p) => p.id));
  duplicates(
    env.accessControls.map((ac) => lower(ac.id)),
    "access control id",
    problems,
  );
  duplicates(
    env.accessControls.map((ac) =>
      [lower(ac.userSecurityId), ac.roleId, lower(ac.company), ac.scope, lower(ac.appId)].join("|"),
    ),
    "access control (user, role, company, scope, app)",
    problems,
  );
  for (const ac of env.accessControls) {
    check(
      principals.has(lower(ac.userSecurityId)),
      `access control ${ac.id} names unknown principal ${ac.userSecurityId}`,
    );
    check(roles.has(ac.roleId), `access control ${ac.id} names undefined permission set '${ac.roleId}'`);
  }

  // Legacy user groups (< 25).
  const groupCodes = new Set(env.userGroups.map((g) => g.code));
  duplicates(
    env.userGroups.map((g) => g.code),
    "user group code",
    problems,
  );
  duplicates(
    env.userGroupMembers.map((m) => [m.code, lower(m.userSecurityId), lower(m.companyName)].join("|")),
    "user group member",
    problems,
  );
  for (const m of env.userGroupMembers) {
    check(groupCodes.has(m.code), `user group member of unknown group '${m.code}'`);
    check(users.has(lower(m.userSecurityId)), `user group member ${m.userSecurityId} is not a user`);
  }
  for (const p of env.userGroupPermissions) {
    check(groupCodes.has(p.userGroupCode), `user group permission of unknown group '${p.userGroupCode}'`);
    check(roles.has(p.roleId), `user group permission names undefined permission set '${p.roleId}'`);
  }

  // Configuration packages: each belongs to exactly one company, codes unique per company.
  const packageIds: string[] = [];
  for (const company of env.companies) {
    duplicates(
      company.configurationPackages.map((p) => lower(p.code)),
      `configuration package code in '${company.name}'`,
      problems,
    );
    for (const pkg of company.configurationPackages) {
      packageIds.push(lower(pkg.id));
      check(pkg.code.trim() !== "", `configuration package ${pkg.id} has a blank code`);
      check(pkg.code === pkg.code.toUpperCase(), `configuration package code '${pkg.code}' is not upper case`);
      check(RAPIDSTART_STATUSES.has(pkg.importStatus), `package ${pkg.code} importStatus '${pkg.importStatus}'`);
      check(RAPIDSTART_STATUSES.has(pkg.applyStatus), `package ${pkg.code} applyStatus '${pkg.applyStatus}'`);
      check(pkg.numberOfRecords >= 0 && pkg.numberOfErrors >= 0, `package ${pkg.code} has negative counts`);
    }
  }
  duplicates(packageIds, "configuration package id (in more than one company)", problems);

  // Extensions: package ids unique, at most one installed version of an app.
  duplicates(
    env.publishedApps.map((a) => lower(a.packageId)),
    "published app package id",
    problems,
  );
  duplicates(
    env.publishedApps.filter((a) => a.isInstalled).map((a) => lower(a.id)),
    "installed app id (two versions installed)",
    problems,
  );
  duplicates(
    env.deploymentOperations.map((o) => lower(o.operationID)),
    "deployment operation id",
    problems,
  );
  duplicates(
    (env.scheduledJobs ?? []).map((j) => lower(j.id)),
    "scheduled job id",
    problems,
  );
  duplicates(
    (env.featureKeys ?? []).map((f) => f.id),
    "feature key id",
    problems,
  );

  // Row versions feed ETags: always a positive integer.
  const versioned = [
    ...env.companies,
    ...env.users,
    ...env.accessControls,
    ...env.securityGroups,
    ...env.userGroups,
    ...env.userGroupMembers,
    ...env.userGroupPermissions,
    ...env.companies.flatMap((c) => c.configurationPackages),
    ...(env.scheduledJobs ?? []),
    ...(env.featureKeys ?? []),
  ];
  for (const row of versioned) {
    if (!Number.isInteger(row.rev) || row.rev < 1) {
      problems.push(`row with rev ${row.rev}: ${JSON.stringify(row).slice(0, 100)}`);
      break;
    }
  }
  return problems;
}

function duplicates(values: string[], what: string, problems: string[]) {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) problems.push(`duplicate ${what}: '${value}'`);
    seen.add(value);
  }
}
