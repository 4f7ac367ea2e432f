import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as bc from "pulumi-businesscentral";

/**
 * Hydrates a Business Central environment: a company set up from a RapidStart package, an AppSource app and a
 * per-tenant extension, permission sets for a user and a security group, and (on a BC 24 sandbox, where legacy
 * user groups still exist) a user group membership. Every knob below is stack config under `hydrate:`.
 * Run `node dist/examples/hydrate-tenant/prepare.js` first: it builds the .rapidstart and .app files.
 */
export async function hydrateTenant() {
  const cfg = new pulumi.Config("hydrate");
  const build = cfg.get("buildDir") ?? path.join(__dirname, "build");
  const legacyEnvironment = cfg.get("legacyEnvironment") ?? "sandbox-24";

  const company = new bc.Company("contoso", {
    displayName: cfg.get("companyName") ?? "Contoso Ltd.",
  });

  const setup = new bc.ConfigurationPackage("contoso-setup", {
    companyId: company.companyId,
    code: "CRONUS.SETUP", // must equal the Code inside the .rapidstart file
    packageName: cfg.get("packageName") ?? "Contoso setup",
    file: new pulumi.asset.FileAsset(path.join(build, cfg.get("packageFile") ?? "cronus-setup.rapidstart")),
  });

  const payments = new bc.Extension("contoso-payments", {
    appSource: { appId: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", version: cfg.get("paymentsVersion") ?? "5.0.0.0" },
    acceptIsvEula: true,
  });

  const extras = new bc.Extension("contoso-extras", {
    file: path.join(build, `contoso-extras-${cfg.get("extrasVersion") ?? "1.0.0.0"}.app`),
    // BC 29+ takes per-tenant extensions through the Admin Center's pteInstall, which requires the EULA flag.
    acceptIsvEula: true,
  });

  const joe = new bc.PermissionSetAssignment("joe-full-access", {
    userName: "JOE",
    roleId: cfg.get("joeRole") ?? "D365 BUS FULL ACCESS",
    company: company.name,
  });

  const finance = new bc.PermissionSetAssignment("finance-accountants", {
    securityGroupId: "0b6d4c2a-91e3-4f57-8a1d-3c5e7f9a1b2d",
    roleId: "D365 ACCOUNTANTS",
  });

  const megan = new bc.UserGroupMember("megan-accountants", {
    environment: legacyEnvironment,
    userName: "MEGAN",
    groupCode: cfg.get("meganGroup") ?? "D365 ACCOUNTANTS",
  });

  return {
    companyId: company.companyId,
    companyName: company.name,
    packageRecords: setup.numberOfRecords,
    packageApplyStatus: setup.applyStatus,
    paymentsVersion: payments.version,
    extrasVersion: extras.version,
    joeAssignment: joe.assignmentId,
    financeAssignment: finance.assignmentId,
    meganMembership: megan.memberId,
  };
}
