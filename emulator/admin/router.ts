/**
 * The Business Central Admin Center API subset (reference §12) on the emulator's origin: `/admin/v2.{0..29}/…`.
 * Every failure is answered in the Admin Center's error shape (not BC's `{"error":…}` wrapper) by this handler;
 * the server's own `ms-correlation-x` header stays on every answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerDeps } from "../server-deps";
import type { EnvironmentState } from "../state/model";
import { atLeast, parseApiVersion, requireVersion } from "./api-version";
import {
  availableUpdates,
  cancelUpdate,
  installApp,
  listAppOperations,
  listInstalledApps,
  uninstallApp,
  uninstallRequirements,
  updateApp,
} from "./apps";
import { authenticateAdmin } from "./auth";
import { authorizeApp, listAuthorizedApps, manageableTenants, removeAuthorizedApp } from "./authorized-apps";
import { readJsonBody } from "./body";
import type { AdminContext } from "./context";
import {
  checkFamily,
  copyEnvironment,
  createEnvironment,
  deleteEnvironment,
  getEnvironment,
  getEnvironmentOperation,
  getOperation,
  listApplications,
  listEnvironments,
  listOperations,
  quotas,
  recoverEnvironment,
  requireActiveEnvironment,
  requireListedEnvironment,
  ringVersions,
} from "./environments";
import { restoreEnvironment } from "./environment-restore";
import {
  clearSecurityGroup,
  getM365Access,
  getSecurityGroup,
  getUpdateWindow,
  listTimeZones,
  putUpdateWindow,
  setAppInsightsKey,
  setM365Access,
  setSecurityGroup,
} from "./environment-settings";
import { AdminError, invalidInput, methodNotAllowed, routeNotFound, sendAdminError } from "./errors";
import { pteInstall, removeScheduledPteVersion, scheduledPteOperations } from "./pte";

const PREFIX = "/admin/";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Serves `/admin/…` and returns true; returns false for any other path. Time-driven work is the clock's (../clock.ts). */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: ServerDeps,
): Promise<boolean> {
  if (!url.pathname.startsWith(PREFIX)) return false;
  try {
    await serve(req, res, url, deps);
  } catch (err) {
    sendAdminError(res, err);
  }
  return true;
}

async function serve(req: IncomingMessage, res: ServerResponse, url: URL, deps: ServerDeps) {
  const path = url.pathname;
  const [versionText, ...rawSegments] = path.slice(PREFIX.length).split("/");
  let segments: string[];
  try {
    segments = rawSegments.filter((s, i) => s !== "" || i < rawSegments.length - 1).map(decodeURIComponent);
  } catch {
    throw routeNotFound(path);
  }
  const caller = await authenticateAdmin(req, deps);
  const version = parseApiVersion(versionText);
  if (!version) {
    throw new AdminError(404, "NotFound", `The API version '${versionText}' is not supported; use v2.0 to v2.29.`);
  }
  const ctx: AdminContext = { req, res, deps, caller, tenant: caller.tenant, version, path, now: deps.now() };
  await dispatch(ctx, req.method ?? "GET", segments);
}

/** Case-insensitive literal segment match (ASP.NET routing). */
const is = (segment: string | undefined, literal: string) => segment?.toLowerCase() === literal.toLowerCase();

async function dispatch(ctx: AdminContext, method: string, s: string[]) {
  const only = (allowed: string, handler: () => unknown | Promise<unknown>) => {
    if (method !== allowed) throw methodNotAllowed(method, ctx.path);
    return handler();
  };
  const json = (required: boolean) => readJsonBody(ctx.req, required);

  // authorizedAadApps (reference §12.4)
  if (is(s[0], "authorizedAadApps")) {
    if (s.length === 1) return only("GET", () => listAuthorizedApps(ctx));
    if (s.length === 2 && is(s[1], "manageableTenants")) return only("GET", () => manageableTenants(ctx));
    if (s.length === 2) {
      if (method === "PUT") return authorizeApp(ctx, s[1]);
      if (method === "DELETE") return removeAuthorizedApp(ctx, s[1]);
      throw methodNotAllowed(method, ctx.path);
    }
    throw routeNotFound(ctx.path);
  }

  // /environments/… without the application family (operations, quotas; reference §12.2)
  if (is(s[0], "environments")) {
    if (s.length === 2 && is(s[1], "operations")) return only("GET", () => listOperations(ctx));
    if (s.length === 3 && is(s[1], "operations")) return only("GET", () => getOperation(ctx, s[2]));
    if (s.length === 2 && is(s[1], "quotas")) return only("GET", () => quotas(ctx));
    if (s.length === 3 && is(s[2], "operations")) return only("GET", () => listOperations(ctx, s[1]));
    throw routeNotFound(ctx.path);
  }

  if (!is(s[0], "applications")) throw routeNotFound(ctx.path);
  if (s.length === 1) return only("GET", () => listApplications(ctx));
  if (s.length === 2 && is(s[1], "environments")) return only("GET", () => listEnvironments(ctx));
  if (s.length === 3 && is(s[1], "settings") && is(s[2], "timezones")) return only("GET", () => listTimeZones(ctx));
  const family = s[1];
  if (s.length === 6 && is(s[2], "Countries") && is(s[4], "Rings")) {
    return only("GET", () => ringVersions(ctx, family, s[3], s[5]));
  }
  if (!is(s[2], "environments")) throw routeNotFound(ctx.path);
  checkFamily(family);
  if (s.length === 3) return only("GET", () => listEnvironments(ctx));
  // GET …/environments/operations lists operations; other verbs fall through (a PUT there is an invalid name).
  if (s.length === 4 && is(s[3], "operations") && ctx.req.method === "GET") return listOperations(ctx);
  const name = s[3];

  if (s.length === 4) {
    switch (method) {
      case "GET":
        return getEnvironment(ctx, family, name);
      case "PUT":
        return createEnvironment(ctx, family, name, await json(true));
      case "DELETE":
        return deleteEnvironment(ctx, family, name);
      case "POST":
        // API 2.8 and earlier copied with a POST on the source environment (reference §12.2).
        if (atLeast(ctx.version, 9)) throw methodNotAllowed(method, ctx.path);
        return copyEnvironment(ctx, family, name, await json(true));
      default:
        throw methodNotAllowed(method, ctx.path);
    }
  }
  if (s.length === 5 && is(s[4], "copy")) {
    if (!atLeast(ctx.version, 9)) throw routeNotFound(ctx.path);
    return only("POST", async () => copyEnvironment(ctx, family, name, await json(true)));
  }
  if (s.length === 5 && is(s[4], "recover")) return only("POST", () => recoverEnvironment(ctx, family, name));
  if (s.length === 5 && is(s[4], "restore")) {
    return only("POST", async () => restoreEnvironment(ctx, family, name, await json(true)));
  }
  if (s.length === 5 && is(s[4], "operations")) return only("GET", () => listOperations(ctx, name));
  if (s.length === 6 && is(s[4], "operations")) {
    return only("GET", () => getEnvironmentOperation(ctx, family, name, s[5]));
  }
  if (s.length === 6 && is(s[4], "settings")) return dispatchSettings(ctx, method, family, name, s[5]);
  if (is(s[4], "apps")) return dispatchApps(ctx, method, family, name, s.slice(5));
  throw routeNotFound(ctx.path);
}

/** `…/environments/{name}/settings/{setting}` (admin-center-settings.md §1–§4). */
async function dispatchSettings(ctx: AdminContext, method: string, family: string, envName: string, setting: string) {
  const env = requireListedEnvironment(ctx, family, envName);
  const json = () => readJsonBody(ctx.req, true);
  const methods = (handlers: Record<string, () => unknown>) => {
    const handler = handlers[method];
    if (!handler) throw methodNotAllowed(method, ctx.path);
    return handler();
  };
  switch (setting.toLowerCase()) {
    case "upgrade":
      return methods({
        GET: () => getUpdateWindow(ctx, env),
        PUT: async () => putUpdateWindow(ctx, env, await json()),
      });
    case "appinsightskey":
      // The docs showed PUT from 2022-12 to 2024-01; every real client POSTs.
      return methods({
        POST: async () => setAppInsightsKey(ctx, env, await json()),
        PUT: async () => setAppInsightsKey(ctx, env, await json()),
      });
    case "securitygroupaccess":
      return methods({
        GET: () => getSecurityGroup(ctx, env),
        POST: async () => setSecurityGroup(ctx, env, await json()),
        DELETE: () => clearSecurityGroup(ctx, env),
      });
    case "accesswithm365licenses":
      return methods({
        GET: () => getM365Access(ctx, env),
        POST: async () => setM365Access(ctx, env, await json()),
      });
    default:
      throw routeNotFound(ctx.path);
  }
}

/** `…/environments/{name}/apps/…` (reference §12.3). */
async function dispatchApps(ctx: AdminContext, method: string, family: string, envName: string, s: string[]) {
  const only = (allowed: string, handler: () => unknown | Promise<unknown>) => {
    if (method !== allowed) throw methodNotAllowed(method, ctx.path);
    return handler();
  };
  const env = (): EnvironmentState => requireActiveEnvironment(ctx, family, envName);
  const json = (required: boolean) => readJsonBody(ctx.req, required);
  // Version gates first, so an older API version answers 404 before the body or the environment is looked at.
  const introduced: Record<string, number> = {
    pteinstall: 29,
    scheduledpteoperations: 29,
    install: 6,
    uninstall: 6,
    uninstallrequirements: 25,
    removescheduledpteversion: 29,
  };
  const gate = introduced[(s.length === 1 ? s[0] : (s[1] ?? "")).toLowerCase()];
  if (gate !== undefined) requireVersion(ctx.version, gate, ctx.path);

  if (s.length === 0) return only("GET", () => listInstalledApps(ctx, env()));
  if (s.length === 1 && is(s[0], "availableUpdates")) return only("GET", () => availableUpdates(ctx, env()));
  if (s.length === 1 && is(s[0], "pteInstall")) return only("POST", () => pteInstall(ctx, env()));
  if (s.length === 1 && is(s[0], "scheduledPteOperations"))
    return only("GET", () => scheduledPteOperations(ctx, env()));
  const appId = s[0];
  if (!GUID.test(appId)) {
    if (s.length === 1) throw routeNotFound(ctx.path);
    throw invalidInput("appId", `'${appId}' is not a valid app id (a GUID).`);
  }
  const action = s[1];
  if (s.length === 2 && is(action, "install"))
    return only("POST", async () => installApp(ctx, env(), appId, await json(true)));
  if (s.length === 2 && is(action, "update"))
    return only("POST", async () => updateApp(ctx, env(), appId, await json(true)));
  if (s.length === 3 && is(action, "update") && is(s[2], "cancel")) {
    return only("POST", async () => cancelUpdate(ctx, env(), appId, await json(true)));
  }
  if (s.length === 2 && is(action, "uninstall")) {
    return only("POST", async () => uninstallApp(ctx, env(), appId, await json(false)));
  }
  if (s.length === 2 && is(action, "uninstallRequirements")) {
    return only("GET", () => uninstallRequirements(ctx, env(), appId));
  }
  if (s.length === 2 && is(action, "removeScheduledPteVersion")) {
    return only("POST", async () => removeScheduledPteVersion(ctx, env(), appId, await json(true)));
  }
  if (s.length === 2 && is(action, "operations")) return only("GET", () => listAppOperations(ctx, env(), appId));
  if (s.length === 3 && is(action, "operations")) return only("GET", () => listAppOperations(ctx, env(), appId, s[2]));
  throw routeNotFound(ctx.path);
}
