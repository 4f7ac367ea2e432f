import type { IncomingMessage } from "node:http";
import { ADMIN_CENTER_ROLE, BC_AUDIENCE } from "../automation/auth";
import { bearerToken } from "../http";
import type { ServerDeps } from "../server-deps";
import type { TenantState } from "../state/model";
import { AdminError } from "./errors";

/** Who calls the Admin Center API: the token's tenant and client id. */
export interface AdminCaller {
  tenant: TenantState;
  clientId: string;
  /** A delegated (user) token carries `scp`; app-only tokens carry `roles` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication). */
  delegated: boolean;
}

const AUDIENCES = [BC_AUDIENCE, `${BC_AUDIENCE}/`, "996def3d-b36c-4153-8607-a6fd3c01b89f"];

const unauthorized = (message: string) =>
  new AdminError(401, "Unauthorized", message, { headers: { "www-authenticate": 'Bearer error="invalid_token"' } });

/**
 * The Admin Center's checks (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api): a valid token for BC's audience, the app role
 * `AdminCenter.ReadWrite.All`, and the client id on the tenant's "Authorized Microsoft Entra apps" list.
 * Token problems answer 401 `Unauthorized`; a valid token without the role or without authorization answers
 * 403 `Forbidden` (the codes are the emulator's choice: the docs do not name them).
 */
export async function authenticateAdmin(req: IncomingMessage, deps: ServerDeps): Promise<AdminCaller> {
  const token = bearerToken(req);
  if (!token) throw unauthorized("The request has no bearer token.");
  let claims: Awaited<ReturnType<ServerDeps["entra"]["verifyAccessToken"]>>;
  try {
    claims = await deps.entra.verifyAccessToken(token);
  } catch {
    throw unauthorized("The access token is invalid or has expired.");
  }
  if (!AUDIENCES.includes(claims.aud)) {
    throw unauthorized(`The access token's audience must be '${BC_AUDIENCE}'.`);
  }
  const tenant = deps.state().tenants.find((t) => t.id.toLowerCase() === String(claims.tid).toLowerCase());
  if (!tenant) throw unauthorized("The access token's tenant is not known to Business Central.");
  const delegated = typeof (claims as unknown as Record<string, unknown>).scp === "string";
  const clientId = String(claims.appid ?? "").toLowerCase();
  if (delegated) return { tenant, clientId, delegated };
  if (!(claims.roles ?? []).includes(ADMIN_CENTER_ROLE)) {
    throw new AdminError(
      403,
      "Forbidden",
      `The access token does not contain the application permission '${ADMIN_CENTER_ROLE}'. Grant it to the app with admin consent.`,
    );
  }
  if (!isAuthorizedAdminApp(tenant, clientId)) {
    throw new AdminError(
      403,
      "Forbidden",
      `The Microsoft Entra app '${clientId}' is not authorized to call the Business Central admin center API for this tenant. Add it under "Authorized Microsoft Entra apps" in the admin center.`,
    );
  }
  return { tenant, clientId, delegated };
}

export function isAuthorizedAdminApp(tenant: TenantState, clientId: string): boolean {
  return (tenant.authorizedAdminApps ?? []).some((id) => id.toLowerCase() === clientId.toLowerCase());
}
