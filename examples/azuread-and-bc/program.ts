import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import * as bc from "pulumi-businesscentral";

/** Dynamics 365 Business Central's first-party application (the same id in every Entra tenant). */
export const BUSINESS_CENTRAL_APP_ID = "996def3d-b36c-4153-8607-a6fd3c01b89f";
/** The application permission the Automation API requires. */
export const AUTOMATION_ROLE = "Automation.ReadWrite.All";
/**
 * The application permission the Admin Center API requires: AppSource installs and, on BC 29+, per-tenant extension
 * uploads (`pteInstall`) go through it. The app must also be listed in the Admin Center under "Authorized Microsoft
 * Entra apps" (README.md), which no API of Entra ID can do.
 */
export const ADMIN_CENTER_ROLE = "AdminCenter.ReadWrite.All";

/**
 * One program, Entra ID and Business Central: an app registration that requires Business Central's
 * `Automation.ReadWrite.All` and `AdminCenter.ReadWrite.All` application permissions, its service principal, the
 * admin consent for both (app role assignments on Business Central's service principal) and a client secret; then
 * Business Central resources that reach BC through a `bc.Tenant` whose connection is made of those outputs. No
 * `businesscentral:*` stack config is needed. The role ids are read from Business Central's service principal at
 * run time (`appRoleIds`) rather than hard-coded.
 *
 * New credentials and role assignments take a while to propagate in Entra ID: the BC resources wait for them
 * (`propagationTimeout`). Registering the app on the environment's "Microsoft Entra applications" page stays a
 * manual step (README.md); until it is done, the first BC resource fails with the fix.
 */
export function azureAdAndBc() {
  const cfg = new pulumi.Config("azuread-and-bc");
  const displayName = cfg.get("displayName") ?? "pulumi-businesscentral automation";
  const client = azuread.getClientConfigOutput();
  const bcSp = azuread.getServicePrincipalOutput({ clientId: BUSINESS_CENTRAL_APP_ID });
  const roleId = (role: string) =>
    bcSp.appRoleIds.apply((ids) => {
      const id = ids[role];
      if (!id) throw new Error(`Business Central's service principal has no ${role} app role`);
      return id;
    });
  const automationRoleId = roleId(AUTOMATION_ROLE);
  const adminCenterRoleId = roleId(ADMIN_CENTER_ROLE);

  const app = new azuread.Application("bc-automation", {
    displayName,
    signInAudience: "AzureADMyOrg",
    requiredResourceAccesses: [
      {
        resourceAppId: BUSINESS_CENTRAL_APP_ID,
        resourceAccesses: [
          { id: automationRoleId, type: "Role" },
          { id: adminCenterRoleId, type: "Role" },
        ],
      },
    ],
  });

  const sp = new azuread.ServicePrincipal("bc-automation", { clientId: app.clientId });

  // Admin consent as code: grant both application permissions to our service principal.
  const consent = new azuread.AppRoleAssignment("bc-automation-consent", {
    principalObjectId: sp.objectId,
    resourceObjectId: bcSp.objectId,
    appRoleId: automationRoleId,
  });
  const adminCenterConsent = new azuread.AppRoleAssignment("bc-admin-center-consent", {
    principalObjectId: sp.objectId,
    resourceObjectId: bcSp.objectId,
    appRoleId: adminCenterRoleId,
  });

  const password = new azuread.ApplicationPassword("bc-automation-secret", {
    applicationId: app.id,
    displayName: "pulumi-businesscentral",
  });

  // Business Central, reached with the app created above. The secret depends on both consents, so no BC request is
  // made before the roles are granted.
  const tenant = new bc.Tenant("bc", {
    tenantId: client.tenantId,
    clientId: app.clientId,
    clientSecret: pulumi.all([password.value, consent.id, adminCenterConsent.id]).apply(([value]) => value),
    environment: cfg.get("environment") ?? "production",
    propagationTimeout: cfg.get("propagationTimeout") ?? "10m",
    // Only for the local emulator (or a sovereign cloud): where Entra ID and BC live, and a CA to trust.
    authorityHost: cfg.get("authorityHost"),
    apiBaseUrl: cfg.get("apiBaseUrl"),
    caCertPath: cfg.get("caCertPath"),
  });
  const company = new bc.Company(
    "contoso",
    { displayName: cfg.get("companyName") ?? "Contoso Ltd." },
    { parent: tenant },
  );
  const access = new bc.PermissionSetAssignment(
    "admin-full-access",
    { userName: cfg.get("userName") ?? "ADMIN", roleId: "D365 BUS FULL ACCESS", company: company.name },
    { parent: tenant },
  );

  return {
    companyId: company.companyId,
    assignmentId: access.assignmentId,
    tenantId: client.tenantId,
    clientId: app.clientId,
    clientSecret: pulumi.secret(password.value),
    servicePrincipalObjectId: sp.objectId,
    consentId: consent.id,
    adminCenterConsentId: adminCenterConsent.id,
  };
}
