import type { IncomingMessage } from "node:http";
import { BcError, invalidCredentials } from "../errors";
import { bearerToken } from "../http";
import type { Entra } from "../entra";
import type { BehaviourSwitches } from "../options";
import type { BcEntraApplication, EnvironmentState, TenantState } from "../state/model";

export const BC_AUDIENCE = "https://api.businesscentral.dynamics.com";
export const AUTOMATION_ROLE = "Automation.ReadWrite.All";
export const ADMIN_CENTER_ROLE = "AdminCenter.ReadWrite.All";

export interface Caller {
  clientId: string;
  tenant: TenantState;
  roles: string[];
}

/** Verifies the bearer token of a BC request: signature, expiry, audience and (when the URL names one) tenant. */
export async function authenticate(
  req: IncomingMessage,
  entra: Entra,
  tenants: TenantState[],
  tenantInPath: string | undefined,
): Promise<Caller> {
  const token = bearerToken(req);
  if (!token) throw invalidCredentials();
  let claims: Awaited<ReturnType<Entra["verifyAccessToken"]>>;
  try {
    claims = await entra.verifyAccessToken(token);
  } catch {
    throw invalidCredentials();
  }
  const audiences = [BC_AUDIENCE, `${BC_AUDIENCE}/`, "996def3d-b36c-4153-8607-a6fd3c01b89f"];
  if (!audiences.includes(claims.aud)) throw invalidCredentials();
  const tenant = tenants.find((t) => t.id === claims.tid);
  if (!tenant) throw invalidCredentials();
  if (tenantInPath !== undefined && !matchesTenant(tenant, tenantInPath)) throw invalidCredentials();
  return { clientId: claims.appid, tenant, roles: claims.roles ?? [] };
}

export function matchesTenant(tenant: TenantState, text: string): boolean {
  const lower = text.toLowerCase();
  return tenant.id.toLowerCase() === lower || tenant.domains.some((d) => d.toLowerCase() === lower);
}

/**
 * BC's own checks for an automation call: the app role in the token, and the app registered and Enabled on the
 * environment's "Microsoft Entra applications" page (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication). All answer 401 by default (not documented).
 */
export function authorizeAutomation(
  caller: Caller,
  env: EnvironmentState,
  behaviour: BehaviourSwitches,
): BcEntraApplication {
  const app = env.entraApplications.find((a) => a.clientId.toLowerCase() === caller.clientId.toLowerCase());
  if (!app) throw invalidCredentials();
  const softStatus = behaviour.authFailureStatus;
  if (!caller.roles.includes(AUTOMATION_ROLE) || app.state !== "Enabled") {
    if (softStatus === 403) {
      throw new BcError(
        403,
        "Authorization_InsufficientPermissions",
        app.state !== "Enabled"
          ? "The Microsoft Entra application is disabled in this environment."
          : `The access token does not contain the role '${AUTOMATION_ROLE}'.`,
      );
    }
    throw invalidCredentials();
  }
  return app;
}

/**
 * An app acts with the permission sets assigned to its application user (Access Control rows). A row with a company
 * applies in that company only; a blank company means every company (BC's AL source). Without a company in
 * the URL (the root `companies` set) only rows for all companies count.
 */
export function hasPermissionSet(
  env: EnvironmentState,
  userSecurityId: string,
  roleId: string,
  companyName: string | undefined,
): boolean {
  return env.accessControls.some(
    (ac) =>
      ac.userSecurityId.toLowerCase() === userSecurityId.toLowerCase() &&
      ac.roleId === roleId &&
      (ac.company === "" || ac.company.toLowerCase() === companyName?.toLowerCase()),
  );
}

/** The platform's refusal of a page the caller's permission sets do not open. */
export function requirePermissionSet(
  env: EnvironmentState,
  userSecurityId: string,
  roleId: string,
  companyName: string | undefined,
  page: string,
) {
  if (!hasPermissionSet(env, userSecurityId, roleId, companyName)) {
    throw new BcError(
      403,
      "Authorization_InsufficientPermissions",
      `You do not have the following permissions on Page ${page}: Execute. The permission set '${roleId}' grants them; assign it to the application on the "Microsoft Entra applications" page.`,
    );
  }
}
