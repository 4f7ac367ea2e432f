import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as bc from "pulumi-businesscentral";

/**
 * Hydrates a Business Central environment: a company set up from a RapidStart package, an AppSource app and a
 * per-tenant extension, permission sets for a user and a security group, and (on a BC 24 sandbox, where legacy
 * user groups still exist) a user group membership. Every knob below is stack config under `hydrate:`; the ids
 * of things that already exist in the tenant (the AppSource app, the security group, the users) are required
 * config, set in Pulumi.yaml to the emulator's sample data (README.md: how to point it at a real tenant).
 * The .rapidstart and .app files come from `buildDir` (default: ./build; in this repository
 * `node dist/examples/hydrate-tenant/prepare.js` writes them there).
 */
export async function hydrateTenant() {
  const cfg = new pulumi.Config("hydrate");
  const build = cfg.get("buildDir") ?? path.join(__dirname, "build");
  const legacyEnvironment = cfg.require("legacyEnvironment");

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
    appSource: { appId: cfg.require("paymentsAppId"), version: cfg.require("paymentsVersion") },
    acceptIsvEula: true,
  });

  const extras = new bc.Extension("contoso-extras", {
    file: path.join(build, cfg.get("extrasFile") ?? `contoso-extras-${cfg.get("extrasVersion") ?? "1.0.0.0"}.app`),
    // BC 29+ takes per-tenant extensions through the Admin Center's pteInstall, which requires the EULA flag.
    acceptIsvEula: true,
  });

  const joe = new bc.PermissionSetAssignment("joe-full-access", {
    userName: cfg.require("userName"),
    roleId: cfg.get("joeRole") ?? "D365 BUS FULL ACCESS",
    company: company.name,
  });

  const finance = new bc.PermissionSetAssignment("finance-accountants", {
    securityGroupId: cfg.require("financeGroupId"),
    roleId: "D365 ACCOUNTANTS",
  });

  const megan = new bc.UserGroupMember("megan-accountants", {
    environment: legacyEnvironment,
    userName: cfg.require("legacyUserName"),
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
