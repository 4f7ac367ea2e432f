import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendEmpty, sendJson } from "../http";
import type { RequestLog } from "../request-log";
import { stateFromSeed, type SeedInput } from "../state/seed";
import type { StateStore } from "../state/store";
import type { EmulatorState } from "../state/model";
import type { FaultInjector, FaultRule } from "../realism/faults";
import type { PrincipalLimiter } from "../realism/limits";

export const CONTROL_PREFIX = "/_emulator/";

export interface ControlDeps {
  adminToken: string;
  store: StateStore;
  log: RequestLog;
  info: () => Record<string, unknown>;
  reset: () => void;
  faults: FaultInjector;
  limiter?: PrincipalLimiter;
}

/**
 * The emulator's own control plane (not part of any Microsoft API): inspect, replace, reseed and reset state,
 * read the request log. Guarded by the admin token (`Authorization: Bearer <adminToken>`).
 */
export async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, deps: ControlDeps) {
  if (!authorized(req, deps.adminToken)) {
    sendJson(res, 401, {
      code: "Unauthorized",
      message: "The control plane needs 'Authorization: Bearer <adminToken>'.",
    });
    return;
  }
  const route = `${req.method} ${url.pathname.slice(CONTROL_PREFIX.length)}`;
  switch (route) {
    case "GET info":
      return sendJson(res, 200, deps.info());
    case "GET state":
      return sendJson(res, 200, deps.store.state);
    case "PUT state": {
      const next = parseJson(await readBody(req)) as EmulatorState | undefined;
      if (next?.version !== 1 || !Array.isArray(next.tenants)) {
        return sendJson(res, 400, { code: "InvalidState", message: "Body must be an emulator state with version 1." });
      }
      deps.store.replace(next);
      return sendEmpty(res, 204);
    }
    case "POST seed": {
      const seed = parseJson(await readBody(req)) as SeedInput | undefined;
      try {
        deps.store.replace(stateFromSeed(seed ?? ({} as SeedInput)));
      } catch (err) {
        return sendJson(res, 400, { code: "InvalidSeed", message: (err as Error).message });
      }
      return sendEmpty(res, 204);
    }
    case "POST reset":
      deps.reset();
      return sendEmpty(res, 204);
    case "GET requests":
      return sendJson(res, 200, { value: deps.log.list() });
    case "DELETE requests":
      deps.log.clear();
      return sendEmpty(res, 204);
    case "GET faults":
      return sendJson(res, 200, { value: deps.faults.list() });
    case "POST faults": {
      const rule = parseJson(await readBody(req)) as FaultRule | undefined;
      try {
        return sendJson(res, 201, deps.faults.add(rule as FaultRule));
      } catch (err) {
        return sendJson(res, 400, { code: "InvalidFaultRule", message: (err as Error).message });
      }
    }
    case "DELETE faults":
      deps.faults.clear();
      return sendEmpty(res, 204);
    default:
      if (req.method === "DELETE" && url.pathname.startsWith(`${CONTROL_PREFIX}faults/`)) {
        const id = decodeURIComponent(url.pathname.slice(`${CONTROL_PREFIX}faults/`.length));
        return deps.faults.remove(id)
          ? sendEmpty(res, 204)
          : sendJson(res, 404, { code: "NotFound", message: `No fault '${id}'.` });
      }
      if (req.method === "GET" && url.pathname.startsWith(`${CONTROL_PREFIX}limits/`)) {
        const principal = decodeURIComponent(url.pathname.slice(`${CONTROL_PREFIX}limits/`.length));
        return sendJson(res, 200, { principal, maxConcurrent: deps.limiter?.maxActive(principal) ?? 0 });
      }
      return sendJson(res, 404, { code: "NotFound", message: `No control route '${route}'.` });
  }
}

function authorized(req: IncomingMessage, adminToken: string): boolean {
  const header = req.headers.authorization ?? "";
  const given = Buffer.from(header.replace(/^Bearer\s+/i, ""));
  const expected = Buffer.from(adminToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    return undefined;
  }
}
