/**
 * The Pulumi program of the acceptance suite (test/acceptance, docs/acceptance.md), run through the real engine by
 * dist/scripts/stack.js `--program`. It declares one object of every resource kind the suite can exercise against
 * the target environment, named `pbc-acc-<run>`, and reads every lookup. Configuration under `acc:` (the suite
 * writes it); a case without its inputs is left out. The connection comes from the provider's environment
 * variables (AZURE_TENANT_ID, …, BC_ENVIRONMENT), as a user's program would have it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as bc from "../../sdk";

const cfg = new pulumi.Config("acc");
const prefix = cfg.require("name");
const environment = cfg.require("environment");
const stage = cfg.get("stage") ?? "create";
const renamed = stage !== "create";

const company = new bc.Company("company", {
  environment,
  displayName: renamed ? `${prefix} renamed` : prefix,
  timeouts: { delete: "5m" },
});

const packageFile = cfg.get("packageFile");
if (packageFile) {
  new bc.ConfigurationPackage("package", {
    environment,
    companyId: company.companyId,
    code: prefix.toUpperCase(),
    packageName: `${prefix} acceptance`,
    file: packageFile,
  });
}

const userName = cfg.get("userName");
if (userName) {
  const user = bc.getUserOutput({ environment, userName });
  const role = bc.getPermissionSetOutput({ environment, roleId: cfg.get("roleId") ?? "D365 BUS FULL ACCESS" });
  new bc.PermissionSetAssignment("user-grant", {
    environment,
    userSecurityId: user.userSecurityId,
    roleId: role.roleId,
    scope: role.scope.apply((s) => s as "System" | "Tenant"),
    appId: role.appId,
    company: company.name,
  });
}

const securityGroupId = cfg.get("securityGroupId");
if (securityGroupId) {
  new bc.PermissionSetAssignment("group-grant", {
    environment,
    securityGroupId,
    roleId: cfg.get("roleId") ?? "D365 BUS FULL ACCESS",
    company: company.name,
  });
}

const userGroupCode = cfg.get("userGroupCode");
if (userName && userGroupCode) {
  new bc.UserGroupMember("membership", {
    environment,
    userName,
    groupCode: userGroupCode,
    companyName: company.name,
  });
}

const appSourceAppId = cfg.get("appSourceAppId");
if (appSourceAppId) {
  new bc.Extension("appsource", {
    environment,
    appSource: { appId: appSourceAppId },
    acceptIsvEula: true,
  });
}

const pteFile = renamed ? (cfg.get("pteFileV2") ?? cfg.get("pteFile")) : cfg.get("pteFile");
if (pteFile) {
  new bc.Extension("pte", { environment, file: pteFile, timeouts: { create: "15m", update: "15m" } });
}

const copyName = cfg.get("copyName");
if (copyName) {
  new bc.Environment("copy", {
    name: copyName,
    type: "Sandbox",
    copyFrom: { environment, type: "Sandbox" },
    timeouts: { create: "2h", delete: "1h" },
  });
}

// The company lookup: a company the environment had before the run (CRONUS in a sandbox), named by the suite.
const existing = cfg.get("lookupCompany");
export const lookedUpCompanyId = existing ? bc.getCompanyOutput({ environment, name: existing }).companyId : undefined;

// And the company this `up` creates, looked up once it exists (after the lookup above has read the companies): the
// program fails, and with it the suite's `up`, unless the lookup finds it and agrees with the resource.
export const lookedUpOwnCompanyId = pulumi
  .all([bc.getCompanyOutput({ environment, name: company.name }).companyId, company.companyId])
  .apply(([found, created]) => {
    if (found !== created) throw new Error(`getCompany found ${found} for the run's company, created as ${created}`);
    return found;
  });
