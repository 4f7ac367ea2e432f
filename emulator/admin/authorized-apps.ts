/**
 * `authorizedAadApps` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_authorizedaadapps): the tenant's "Authorized Microsoft Entra apps" list. Listing, adding and
 * removing entries is documented as not usable by an app (service-to-service) identity, so app-only tokens get
 * 403 here and the list is changed through the control plane (`emu.mutate`) or a delegated token.
 * `manageableTenants` (API 2.24) is app-only and answers the tenants the app may manage — here, the token's tenant.
 * Authorizing does not grant admin consent or assign permission sets inside environments.
 */
import { requireVersion } from "./api-version";
import { type AdminContext, reply, replyEmpty } from "./context";
import { AdminError, invalidInput } from "./errors";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function requireDelegated(ctx: AdminContext) {
  if (!ctx.caller.delegated) {
    throw new AdminError(
      403,
      "Forbidden",
      "Managing authorized Microsoft Entra apps is not supported for service-to-service (app-only) authentication; use a delegated admin token.",
    );
  }
}

function entry(ctx: AdminContext, clientId: string) {
  const app = ctx.tenant.apps.find((a) => a.clientId.toLowerCase() === clientId);
  return { appId: clientId, isAdminConsentGranted: (app?.grantedRoles.length ?? 0) > 0 };
}

export function listAuthorizedApps(ctx: AdminContext) {
  requireDelegated(ctx);
  // A bare JSON array, not wrapped in `value` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_authorizedaadapps).
  reply(
    ctx,
    200,
    (ctx.tenant.authorizedAdminApps ?? []).map((id) => entry(ctx, id.toLowerCase())),
  );
}

export function authorizeApp(ctx: AdminContext, clientId: string) {
  requireDelegated(ctx);
  if (!GUID.test(clientId)) throw invalidInput("appClientId", `'${clientId}' is not a valid application (client) id.`);
  const id = clientId.toLowerCase();
  ctx.tenant.authorizedAdminApps ??= [];
  if (!ctx.tenant.authorizedAdminApps.some((a) => a.toLowerCase() === id)) ctx.tenant.authorizedAdminApps.push(id);
  ctx.deps.changed();
  reply(ctx, 200, entry(ctx, id));
}

export function removeAuthorizedApp(ctx: AdminContext, clientId: string) {
  requireDelegated(ctx);
  const id = clientId.toLowerCase();
  const before = ctx.tenant.authorizedAdminApps ?? [];
  if (!before.some((a) => a.toLowerCase() === id)) {
    throw new AdminError(404, "ResourceDoesNotExist", `The app '${clientId}' is not authorized.`, { target: clientId });
  }
  ctx.tenant.authorizedAdminApps = before.filter((a) => a.toLowerCase() !== id);
  ctx.deps.changed();
  replyEmpty(ctx, 204);
}

export function manageableTenants(ctx: AdminContext) {
  requireVersion(ctx.version, 24, ctx.path);
  if (ctx.caller.delegated) {
    throw new AdminError(403, "Forbidden", "This endpoint is only available to app-only (service-to-service) tokens.");
  }
  reply(ctx, 200, { value: [{ entraTenantId: ctx.tenant.id }] });
}
