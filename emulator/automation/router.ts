import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BcError, methodNotAllowed, notFoundRoute } from "../errors";
import { readBody, sendBytes, sendEmpty, sendJson } from "../http";
import type { AnyEntitySet, AutomationContext, Parent } from "./entity";
import { activeFields } from "./entity";
import { etagFor } from "./etag";
import { featuresOf } from "./features";
import { bindKey, parseKeySegment, splitPath } from "./odata/keys";
import { pageRows, preferredPageSize } from "./odata/paging";
import { applyQuery, parseQueryOptions, selectFields, type QueryOptions } from "./odata/query";
import { authenticate, authorizeAutomation, requirePermissionSet } from "./auth";
import { parseJsonBody, requireFields, validateBody } from "./validate";
import { wireOf } from "./wire";
import { companiesSet } from "./entities/companies";
import { companyScopedSets } from "./registry";
import type { ServerDeps } from "../server-deps";
import type { CompanyState, EnvironmentState } from "../state/model";

const ROUTE = /^\/v2\.0\/([^/]+)(?:\/([^/]+))?\/api\/microsoft\/automation\/v2\.0(?:\/(.*))?$/;
const MAX_PAGE_SIZE = 20_000;
const ODATA_HEADERS = {
  "content-type": "application/json; odata.metadata=minimal; odata.streaming=true",
  "odata-version": "4.0",
};

type Cursor =
  | { kind: "collection"; def: AnyEntitySet; parent?: Parent; path: string }
  | { kind: "entity"; def: AnyEntitySet; row: unknown; parent?: Parent; path: string }
  | { kind: "media"; def: AnyEntitySet; row: unknown; name: string; parent?: Parent }
  | { kind: "action"; def: AnyEntitySet; row: unknown; name: string; parent?: Parent };

/**
 * Why BC does not serve an environment: 404, or 503 while it is Preparing after its create/copy/restore or
 * Restarting. BC's answer to a not-yet-Active environment is undocumented: 503 is the emulator's choice.
 */
function notServed(inactive: readonly EnvironmentState[], envName: string): BcError {
  const env = inactive.find((e) => e.name.toLowerCase() === envName.toLowerCase());
  if (env?.admin?.activeAt !== undefined) {
    return new BcError(
      503,
      "ServiceUnavailable",
      `The environment '${env.name}' is ${env.admin.status} and not available yet. Try again later.`,
      { "retry-after": "10" },
    );
  }
  return new BcError(404, "BadRequest_NotFound", `The environment '${envName}' does not exist.`);
}

/** Serves `/v2.0/[{tenant}/]{environment}/api/microsoft/automation/v2.0/...`. Returns false for other paths. */
export async function handleAutomation(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: ServerDeps,
): Promise<boolean> {
  if (!url.pathname.startsWith("/v2.0/")) return false;
  const match = ROUTE.exec(url.pathname);
  if (!match) throw notFoundRoute(url.pathname);
  const [, first, second, rest = ""] = match;
  let tenantInPath: string | undefined;
  let envName: string;
  try {
    tenantInPath = second === undefined ? undefined : decodeURIComponent(first);
    envName = decodeURIComponent(second ?? first);
  } catch {
    throw notFoundRoute(url.pathname);
  }

  const state = deps.state();
  const caller = await authenticate(req, deps.entra, state.tenants, tenantInPath);
  const env = caller.tenant.environments.find((e) => e.name.toLowerCase() === envName.toLowerCase());
  if (!env) throw notServed(caller.tenant.adminCenter?.inactiveEnvironments ?? [], envName);
  const app = authorizeAutomation(caller, env, deps.behaviour);

  const serviceRoot = `${deps.origin()}/v2.0/${second === undefined ? "" : `${first}/`}${second ?? first}/api/microsoft/automation/v2.0`;
  const ctx: AutomationContext = {
    tenant: caller.tenant,
    env,
    features: featuresOf(env, deps.behaviour),
    caller: env.users.find((u) => u.userSecurityId === app.userSecurityId) ?? {
      userSecurityId: app.userSecurityId,
      userName: app.description,
    },
    behaviour: deps.behaviour,
    delays: deps.delays,
    timeScale: deps.timeScale,
    now: deps.now,
    newGuid: () => randomUUID(),
    changed: deps.changed,
    transient: deps.transient,
    // Added for media links (extensionUpload.extensionContent@odata.mediaEditLink); see AutomationContext.serviceRoot.
    serviceRoot,
  };

  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch {
    throw new BcError(404, "BadRequest_NotFound", "Bad Request - Error in query syntax.");
  }
  if (path === "" || path === "$metadata") {
    sendJson(res, 200, serviceDocument(serviceRoot), ODATA_HEADERS);
    return true;
  }
  const segments = splitPath(path);
  if (segments.length === 0) throw notFoundRoute(url.pathname);
  const cursor = resolve(ctx, segments, url, app.userSecurityId);
  await dispatch(req, res, url, ctx, cursor, serviceRoot);
  return true;
}

function serviceDocument(serviceRoot: string) {
  return {
    "@odata.context": `${serviceRoot}/$metadata`,
    value: [
      { name: "companies", kind: "EntitySet", url: "companies" },
      ...Object.keys(companyScopedSets).map((name) => ({ name, kind: "EntitySet", url: name })),
    ],
  };
}

/** Walks the path segments to the addressed collection, entity, media stream or action. */
function resolve(
  ctx: AutomationContext,
  segments: { name: string; keyText?: string }[],
  url: URL,
  callerId: string,
): Cursor {
  let cursor: Cursor;
  const [head, ...tail] = segments;
  if (head.name === "companies") {
    cursor = { kind: "collection", def: companiesSet, path: "companies" };
  } else {
    // `?company=<id>` stands in for `companies(<id>)/` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/api-endpoint-structure).
    const companyParam = url.searchParams.get("company");
    const def = own(companyScopedSets, head.name);
    if (!companyParam || !def) throw notFoundRoute(url.pathname);
    const company = findByKey(ctx, companiesSet, undefined, companyParam);
    ctx.company = company;
    cursor = { kind: "collection", def, parent: { set: companiesSet, row: company }, path: head.name };
    checkAvailable(ctx, def, url, callerId);
  }
  if (head.keyText !== undefined) cursor = selectKey(ctx, cursor, head.keyText);

  for (const [index, segment] of tail.entries()) {
    if (cursor.kind !== "entity") throw notFoundRoute(url.pathname);
    const isLast = index === tail.length - 1;
    const { def, row } = cursor;
    if (segment.name.startsWith("Microsoft.NAV.")) {
      const name = segment.name.slice("Microsoft.NAV.".length);
      if (!isLast || !own(def.actions, name)) {
        throw new BcError(
          400,
          "BadRequest_NotFound",
          `The action '${segment.name}' is not bound to '${def.entitySet}'.`,
        );
      }
      cursor = { kind: "action", def, row, name, parent: cursor.parent };
      continue;
    }
    if (own(def.media, segment.name) && segment.keyText === undefined) {
      if (!isLast) throw notFoundRoute(url.pathname);
      cursor = { kind: "media", def, row, name: segment.name, parent: cursor.parent };
      continue;
    }
    const child = def === companiesSet ? own(companyScopedSets, segment.name) : own(def.navigations, segment.name);
    if (!child) {
      throw new BcError(404, "BadRequest_ResourceNotFound", `Resource not found for the segment '${segment.name}'.`);
    }
    if (def === companiesSet) ctx.company = row as CompanyState; // the rows of `companies` are companies
    checkAvailable(ctx, child, url, callerId);
    cursor = { kind: "collection", def: child, parent: { set: def, row }, path: `${cursor.path}/${segment.name}` };
    if (segment.keyText !== undefined) cursor = selectKey(ctx, cursor, segment.keyText);
  }
  return cursor;
}

function checkAvailable(ctx: AutomationContext, def: AnyEntitySet, url: URL, callerId: string) {
  if (def.available && !def.available(ctx.features)) throw notFoundRoute(url.pathname);
  requirePermissionSet(ctx.env, callerId, "D365 AUTOMATION", ctx.company?.name, def.page);
}

function selectKey(ctx: AutomationContext, cursor: Cursor, keyText: string): Cursor {
  if (cursor.kind !== "collection")
    throw new BcError(404, "BadRequest_NotFound", "Bad Request - Error in query syntax.");
  const row = findByKey(ctx, cursor.def, cursor.parent, keyText);
  return { kind: "entity", def: cursor.def, row, parent: cursor.parent, path: `${cursor.path}(${keyText})` };
}

function findByKey(ctx: AutomationContext, def: AnyEntitySet, parent: Parent | undefined, keyText: string) {
  const wanted = bindKey(parseKeySegment(keyText), def.keys);
  const row = def
    .list(ctx, parent, keyFilterText(wanted, def))
    .find((candidate) => sameKey(def.keyOf(candidate), wanted));
  if (!row) {
    const ids = Object.entries(wanted)
      .map(([k, v]) => `${k}='${v}'`)
      .join(",");
    throw new BcError(
      404,
      ctx.behaviour.missingKeyCode,
      `The ${def.page} does not exist. Identification fields and values: ${ids}`,
    );
  }
  return row;
}

/** A key lookup counts as a filter on the key fields (pages that demand a filter accept it). */
function keyFilterText(key: Record<string, unknown>, def: AnyEntitySet): string {
  const quoted = (k: string) => def.keys.find((f) => f.name === k)?.type === "string";
  return Object.entries(key)
    .map(([k, v]) => `${k} eq ${quoted(k) ? `'${String(v).replace(/'/g, "''")}'` : v}`)
    .join(" and ");
}

function sameKey(a: Record<string, unknown>, b: Record<string, unknown>) {
  return Object.entries(b).every(([k, v]) => {
    const x = a[k];
    return typeof x === "string" && typeof v === "string" ? x.toLowerCase() === v.toLowerCase() : x === v;
  });
}

async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: AutomationContext,
  cursor: Cursor,
  serviceRoot: string,
) {
  const method = req.method ?? "GET";
  const contextPath = (path: string) => `${serviceRoot}/$metadata#${path.replace(/\([^)]*\)$/, "")}`;
  switch (cursor.kind) {
    case "collection": {
      const { def, parent } = cursor;
      if (method === "GET") {
        const query = parseQueryOptions(
          url.searchParams,
          { name: def.entityType, fields: fieldTypes(def, ctx) },
          navigationNames(def, ctx),
        );
        const all = def
          .list(ctx, parent, url.searchParams.get("$filter") ?? undefined)
          .map((row) => entityJson(ctx, def, row, query));
        const matched = applyQuery(all, { ...query, top: undefined, skip: undefined });
        const windowed = applyQuery(matched, { skip: query.skip, top: query.top });
        const pageSize = Math.min(preferredPageSize(req.headers.prefer) ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
        const { page, nextSkiptoken } = pageRows(windowed, { maxPageSize: pageSize, skiptoken: query.skiptoken });
        const body: Record<string, unknown> = { "@odata.context": contextPath(cursor.path) };
        if (query.count) body["@odata.count"] = matched.length;
        body.value = page.map((row) =>
          selectFields(row, query.select, ["@odata.etag", ...def.keys.map((k) => k.name)]),
        );
        if (nextSkiptoken) {
          const next = new URL(url.toString());
          next.searchParams.set("$skiptoken", nextSkiptoken);
          body["@odata.nextLink"] =
            `${serviceRoot}${next.pathname.slice(next.pathname.indexOf("/api/microsoft/automation/v2.0") + "/api/microsoft/automation/v2.0".length)}${next.search}`;
        }
        const headers: Record<string, string> = { ...ODATA_HEADERS };
        if (req.headers.prefer && preferredPageSize(req.headers.prefer) !== undefined) {
          headers["preference-applied"] = `odata.maxpagesize=${pageSize}`;
        }
        sendJson(res, 200, body, headers);
        return;
      }
      if (method === "POST") {
        if (!def.insert) throw methodNotAllowed(method, def.entitySet);
        const body = validateBody(def, ctx, parseJsonBody(await readBody(req), req.headers["content-type"]), "insert");
        requireFields(def, ctx, body);
        const row = def.insert(ctx, body, parent);
        ctx.changed();
        sendEntity(res, 201, ctx, def, row, `${contextPath(cursor.path)}/$entity`);
        return;
      }
      throw methodNotAllowed(method, def.entitySet);
    }
    case "entity": {
      const { def, row, parent } = cursor;
      if (method === "GET") {
        const query = parseQueryOptions(
          url.searchParams,
          { name: def.entityType, fields: fieldTypes(def, ctx) },
          navigationNames(def, ctx),
        );
        const json = selectFields(entityJson(ctx, def, row, query), query.select, [
          "@odata.etag",
          ...def.keys.map((k) => k.name),
        ]);
        sendJson(
          res,
          200,
          { "@odata.context": `${contextPath(cursor.path)}/$entity`, ...json },
          { ...ODATA_HEADERS, etag: String(json["@odata.etag"]) },
        );
        return;
      }
      if (method === "PATCH" || method === "PUT") {
        if (!def.modify) throw methodNotAllowed(method, def.entitySet);
        checkIfMatch(req, ctx, def, row);
        const body = validateBody(def, ctx, parseJsonBody(await readBody(req), req.headers["content-type"]), "modify");
        def.modify(ctx, row, body, parent);
        ctx.changed();
        sendEntity(res, 200, ctx, def, row, `${contextPath(cursor.path)}/$entity`);
        return;
      }
      if (method === "DELETE") {
        if (!def.remove) throw methodNotAllowed(method, def.entitySet);
        checkIfMatch(req, ctx, def, row);
        def.remove(ctx, row, parent);
        ctx.changed();
        sendEmpty(res, 204);
        return;
      }
      throw methodNotAllowed(method, def.entitySet);
    }
    case "media": {
      const media = cursor.def.media![cursor.name];
      if (method === "GET") {
        sendBytes(res, 200, media.read(ctx, cursor.row), "application/octet-stream");
        return;
      }
      if (method === "PATCH" || method === "PUT") {
        checkIfMatch(req, ctx, cursor.def, cursor.row);
        media.write(ctx, cursor.row, await readBody(req));
        ctx.changed();
        sendEmpty(res, 204);
        return;
      }
      throw methodNotAllowed(method, cursor.def.entitySet);
    }
    case "action": {
      if (method !== "POST") throw methodNotAllowed(method, cursor.def.entitySet);
      checkOfferedIfMatch(req, ctx, cursor.def, cursor.row);
      const raw = await readBody(req);
      const body = raw.length > 0 ? parseJsonBody(raw, req.headers["content-type"]) : {};
      const result = cursor.def.actions![cursor.name](ctx, cursor.row, cursor.parent, body);
      ctx.changed();
      if (ctx.behaviour.actionResponses === "docs") return sendEmpty(res, 204);
      if (result.kind === "Deleted") return sendEmpty(res, 204);
      if (result.kind === "Updated") return sendEmpty(res, 200);
      if (result.body) return sendJson(res, 201, result.body, ODATA_HEADERS);
      return sendEmpty(res, 201);
    }
  }
}

/** Navigations that exist in this environment's version (absent ones cannot be expanded either). */
function navigationNames(def: AnyEntitySet, ctx: AutomationContext): string[] {
  const all = def === companiesSet ? companyScopedSets : (def.navigations ?? {});
  return Object.entries(all)
    .filter(([, child]) => !child.available || child.available(ctx.features))
    .map(([name]) => name);
}

function fieldTypes(def: AnyEntitySet, ctx: AutomationContext) {
  return Object.fromEntries(Object.entries(activeFields(def, ctx.features)).map(([k, v]) => [k, v.type]));
}

/** The wire JSON of one row with its ETag, expanding navigations the query asked for. */
function entityJson(ctx: AutomationContext, def: AnyEntitySet, row: unknown, query?: QueryOptions) {
  const wire = wireOf(def, row, ctx);
  const json: Record<string, unknown> = { "@odata.etag": etagFor(wire, def.rev?.(row)), ...wire };
  for (const name of query?.expand ?? []) {
    const child = def === companiesSet ? own(companyScopedSets, name) : own(def.navigations, name);
    if (!child) continue;
    if (def === companiesSet) ctx.company = row as CompanyState; // the rows of `companies` are companies
    json[name] = child.list(ctx, { set: def, row }).map((r) => entityJson(ctx, child, r));
  }
  return json;
}

function sendEntity(
  res: ServerResponse,
  status: number,
  ctx: AutomationContext,
  def: AnyEntitySet,
  row: unknown,
  context: string,
) {
  const json = entityJson(ctx, def, row);
  sendJson(
    res,
    status,
    { "@odata.context": context, ...json },
    { ...ODATA_HEADERS, etag: String(json["@odata.etag"]) },
  );
}

/** PATCH and DELETE need `If-Match` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/developer/devenv-connect-apps-tips): missing ⇒ 400, stale ⇒ 409 (or 412 by switch). */
function checkIfMatch(req: IncomingMessage, ctx: AutomationContext, def: AnyEntitySet, row: unknown) {
  if (!req.headers["if-match"]) {
    throw new BcError(
      400,
      "BadRequest_InvalidToken",
      "Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.",
    );
  }
  checkOfferedIfMatch(req, ctx, def, row);
}

/**
 * A bound action may go without `If-Match`; one that is sent must be `*` or the row's current ETag, else 409
 * (seen in real tenants' traffic: a stale `If-Match` on `extensionUpload(…)/Microsoft.NAV.upload`).
 */
function checkOfferedIfMatch(req: IncomingMessage, ctx: AutomationContext, def: AnyEntitySet, row: unknown) {
  const ifMatch = req.headers["if-match"];
  if (!ifMatch || ifMatch.trim() === "*") return;
  const current = etagFor(wireOf(def, row, ctx), def.rev?.(row));
  const offered = ifMatch.split(",").map((t) => t.trim());
  if (!offered.includes(current)) {
    throw new BcError(
      ctx.behaviour.etagMismatchStatus,
      "Request_EntityChanged",
      "Another user has already changed the record.",
    );
  }
}

/** `record[key]` for the record's own entries only: URL segments like `constructor` must not find Object's members. */
function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
