/**
 * The Business Central Admin Center API subset (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api) on the emulator's origin: `/admin/v2.{0..29}/…`.
 * Every failure is answered in the Admin Center's error shape (not BC's `{"error":…}` wrapper) by this handler;
 * the server's own `ms-correlation-x` header stays on every answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerDeps } from "../server-deps";
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

/** Path parameters of a matched route, by the name in its pattern. */
type Params = Record<string, string>;
type Handler = (ctx: AdminContext, params: Params) => unknown;

interface Route {
  /**
   * Segments after `/admin/v2.x/`: literals match case-insensitively (ASP.NET routing), `{name}` captures one
   * segment, a final `**` matches one or more (a catch-all that lets the parameters before it be checked).
   */
  path: string;
  /** The API version (2.x) that introduced it; older versions answer 404 as for an unknown route. */
  since?: number;
  /** Handlers by HTTP method (`*`: any); another method answers 405. */
  methods: Partial<Record<string, Handler>>;
  /** Methods not listed here try the next matching route instead of answering 405. */
  otherMethods?: "next";
}

/**
 * Checks of path parameters, run when a route matches. The application family decides which routes exist, so it is
 * checked before the version gate; an app id after it.
 */
const PARAMS: Record<string, { beforeVersionGate: boolean; check: (value: string) => void }> = {
  family: { beforeVersionGate: true, check: checkFamily },
  appId: {
    beforeVersionGate: false,
    check: (value) => {
      if (!GUID.test(value)) throw invalidInput("appId", `'${value}' is not a valid app id (a GUID).`);
    },
  },
};

const json = (ctx: AdminContext, required = true) => readJsonBody(ctx.req, required);
const env = (ctx: AdminContext, p: Params) => requireActiveEnvironment(ctx, p.family, p.environmentName);
/** Settings are read and written on any environment that is listed (not soft-deleted), active or not. */
const listed = (ctx: AdminContext, p: Params) => requireListedEnvironment(ctx, p.family, p.environmentName);
const notFound: Handler = (ctx) => {
  throw routeNotFound(ctx.path);
};

const ENVIRONMENT = "applications/{family}/environments/{environmentName}";
const APPS = `${ENVIRONMENT}/apps`;

/** Every Admin Center route the emulator serves, tried in order; the first whose path matches answers. */
const ROUTES: Route[] = [
  // authorizedAadApps (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_authorizedaadapps)
  { path: "authorizedAadApps", methods: { GET: (ctx) => listAuthorizedApps(ctx) } },
  { path: "authorizedAadApps/manageableTenants", methods: { GET: (ctx) => manageableTenants(ctx) } },
  {
    path: "authorizedAadApps/{clientId}",
    methods: {
      PUT: (ctx, p) => authorizeApp(ctx, p.clientId),
      DELETE: (ctx, p) => removeAuthorizedApp(ctx, p.clientId),
    },
  },

  // /environments/… without the application family (operations, quotas; https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments)
  { path: "environments/operations", methods: { GET: (ctx) => listOperations(ctx) } },
  { path: "environments/operations/{operationId}", methods: { GET: (ctx, p) => getOperation(ctx, p.operationId) } },
  { path: "environments/quotas", methods: { GET: (ctx) => quotas(ctx) } },
  {
    path: "environments/{environmentName}/operations",
    methods: { GET: (ctx, p) => listOperations(ctx, p.environmentName) },
  },

  // applications/… (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments)
  { path: "applications", methods: { GET: (ctx) => listApplications(ctx) } },
  { path: "applications/environments", methods: { GET: (ctx) => listEnvironments(ctx) } },
  { path: "applications/settings/timezones", methods: { GET: (ctx) => listTimeZones(ctx) } },
  {
    // ringVersions checks the family itself, after the method.
    path: "applications/{applicationFamily}/Countries/{country}/Rings/{ring}",
    methods: { GET: (ctx, p) => ringVersions(ctx, p.applicationFamily, p.country, p.ring) },
  },
  { path: "applications/{family}/environments", methods: { GET: (ctx) => listEnvironments(ctx) } },
  // GET …/environments/operations lists operations; other verbs fall through (a PUT there is an invalid name).
  {
    path: "applications/{family}/environments/operations",
    methods: { GET: (ctx) => listOperations(ctx) },
    otherMethods: "next",
  },
  {
    path: ENVIRONMENT,
    methods: {
      GET: (ctx, p) => getEnvironment(ctx, p.family, p.environmentName),
      PUT: async (ctx, p) => createEnvironment(ctx, p.family, p.environmentName, await json(ctx)),
      DELETE: (ctx, p) => deleteEnvironment(ctx, p.family, p.environmentName),
      // API 2.8 and earlier copied with a POST on the source environment (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments).
      POST: async (ctx, p) => {
        if (atLeast(ctx.version, 9)) throw methodNotAllowed("POST", ctx.path);
        return copyEnvironment(ctx, p.family, p.environmentName, await json(ctx));
      },
    },
  },
  {
    path: `${ENVIRONMENT}/copy`,
    since: 9,
    methods: { POST: async (ctx, p) => copyEnvironment(ctx, p.family, p.environmentName, await json(ctx)) },
  },
  {
    path: `${ENVIRONMENT}/recover`,
    methods: { POST: (ctx, p) => recoverEnvironment(ctx, p.family, p.environmentName) },
  },
  {
    path: `${ENVIRONMENT}/restore`,
    methods: { POST: async (ctx, p) => restoreEnvironment(ctx, p.family, p.environmentName, await json(ctx)) },
  },
  { path: `${ENVIRONMENT}/operations`, methods: { GET: (ctx, p) => listOperations(ctx, p.environmentName) } },
  {
    path: `${ENVIRONMENT}/operations/{operationId}`,
    methods: { GET: (ctx, p) => getEnvironmentOperation(ctx, p.family, p.environmentName, p.operationId) },
  },

  // …/environments/{name}/settings/… (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environment_settings)
  {
    path: `${ENVIRONMENT}/settings/upgrade`,
    methods: {
      GET: (ctx, p) => getUpdateWindow(ctx, listed(ctx, p)),
      PUT: async (ctx, p) => putUpdateWindow(ctx, listed(ctx, p), await json(ctx)),
    },
  },
  {
    // The docs showed PUT from 2022-12 to 2024-01; every real client POSTs.
    path: `${ENVIRONMENT}/settings/appinsightskey`,
    methods: {
      POST: async (ctx, p) => setAppInsightsKey(ctx, listed(ctx, p), await json(ctx)),
      PUT: async (ctx, p) => setAppInsightsKey(ctx, listed(ctx, p), await json(ctx)),
    },
  },
  {
    path: `${ENVIRONMENT}/settings/securitygroupaccess`,
    methods: {
      GET: (ctx, p) => getSecurityGroup(ctx, listed(ctx, p)),
      POST: async (ctx, p) => setSecurityGroup(ctx, listed(ctx, p), await json(ctx)),
      DELETE: (ctx, p) => clearSecurityGroup(ctx, listed(ctx, p)),
    },
  },
  {
    path: `${ENVIRONMENT}/settings/accesswithm365licenses`,
    methods: {
      GET: (ctx, p) => getM365Access(ctx, listed(ctx, p)),
      POST: async (ctx, p) => setM365Access(ctx, listed(ctx, p), await json(ctx)),
    },
  },

  // …/environments/{name}/apps/… (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management)
  { path: APPS, methods: { GET: (ctx, p) => listInstalledApps(ctx, env(ctx, p)) } },
  { path: `${APPS}/availableUpdates`, methods: { GET: (ctx, p) => availableUpdates(ctx, env(ctx, p)) } },
  { path: `${APPS}/pteInstall`, since: 29, methods: { POST: (ctx, p) => pteInstall(ctx, env(ctx, p)) } },
  {
    path: `${APPS}/scheduledPteOperations`,
    since: 29,
    methods: { GET: (ctx, p) => scheduledPteOperations(ctx, env(ctx, p)) },
  },
  {
    path: `${APPS}/{appId}/install`,
    since: 6,
    methods: { POST: async (ctx, p) => installApp(ctx, env(ctx, p), p.appId, await json(ctx)) },
  },
  {
    path: `${APPS}/{appId}/update`,
    methods: { POST: async (ctx, p) => updateApp(ctx, env(ctx, p), p.appId, await json(ctx)) },
  },
  {
    path: `${APPS}/{appId}/update/cancel`,
    methods: { POST: async (ctx, p) => cancelUpdate(ctx, env(ctx, p), p.appId, await json(ctx)) },
  },
  {
    path: `${APPS}/{appId}/uninstall`,
    since: 6,
    methods: { POST: async (ctx, p) => uninstallApp(ctx, env(ctx, p), p.appId, await json(ctx, false)) },
  },
  {
    path: `${APPS}/{appId}/uninstallRequirements`,
    since: 25,
    methods: { GET: (ctx, p) => uninstallRequirements(ctx, env(ctx, p), p.appId) },
  },
  {
    path: `${APPS}/{appId}/removeScheduledPteVersion`,
    since: 29,
    methods: { POST: async (ctx, p) => removeScheduledPteVersion(ctx, env(ctx, p), p.appId, await json(ctx)) },
  },
  { path: `${APPS}/{appId}/operations`, methods: { GET: (ctx, p) => listAppOperations(ctx, env(ctx, p), p.appId) } },
  {
    path: `${APPS}/{appId}/operations/{operationId}`,
    methods: { GET: (ctx, p) => listAppOperations(ctx, env(ctx, p), p.appId, p.operationId) },
  },
  // Anything else below a valid app id, or below a valid family's environments: 404 (after checking those).
  { path: `${APPS}/{appId}/**`, methods: { "*": notFound } },
  { path: "applications/{family}/environments/**", methods: { "*": notFound } },
];

const COMPILED = ROUTES.map((route) => ({ route, pattern: route.path.split("/") }));

async function dispatch(ctx: AdminContext, method: string, segments: string[]) {
  for (const { route, pattern } of COMPILED) {
    const params = match(pattern, segments);
    if (!params) continue;
    const handler = route.methods[method] ?? route.methods["*"];
    if (!handler && route.otherMethods === "next") continue;
    checkParams(params, true);
    if (route.since !== undefined) requireVersion(ctx.version, route.since, ctx.path);
    checkParams(params, false);
    if (!handler) throw methodNotAllowed(method, ctx.path);
    return handler(ctx, params);
  }
  throw routeNotFound(ctx.path);
}

function checkParams(params: Params, beforeVersionGate: boolean): void {
  for (const [name, value] of Object.entries(params)) {
    const param = PARAMS[name];
    if (param?.beforeVersionGate === beforeVersionGate) param.check(value);
  }
}

/** The parameters of `segments` under `pattern`, or undefined when it does not match. */
function match(pattern: readonly string[], segments: readonly string[]): Params | undefined {
  const params: Params = {};
  for (const [i, part] of pattern.entries()) {
    if (part === "**") return segments.length > i ? params : undefined;
    const segment = segments[i];
    if (segment === undefined) return undefined;
    if (part.startsWith("{")) params[part.slice(1, -1)] = segment;
    else if (part.toLowerCase() !== segment.toLowerCase()) return undefined;
  }
  return segments.length === pattern.length ? params : undefined;
}
