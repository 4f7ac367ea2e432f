import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { handleAutomation } from "./automation/router";
import { sendAdminError } from "./admin/errors";
import { handleAdmin } from "./admin/router";
import { advanceClock } from "./clock";
import { BcError, bcErrorBody, notFoundRoute } from "./errors";
import { CONTROL_PREFIX, handleControl, type ControlDeps } from "./control/control-plane";
import type { RequestLog } from "./request-log";
import type { ServerDeps } from "./server-deps";
import type { StateStore } from "./state/store";
import type { TlsMaterial } from "./tls/certificates";
import { isApiPath, type RealismParts, withRealism } from "./realism/pipeline";
import { principalOf } from "./realism/limits";
import { isBatchPath, serveBatch } from "./automation/batch";

export interface HttpServerParts {
  tls: TlsMaterial;
  deps: ServerDeps;
  store: StateStore;
  log: RequestLog;
  control: Omit<ControlDeps, "store" | "log">;
  realism: RealismParts;
}

/** One HTTPS origin on loopback serving Entra ID, the BC APIs and the control plane. */
export function createHttpsServer(parts: HttpServerParts): Server {
  const { deps, store, log } = parts;
  const control: ControlDeps = { ...parts.control, store, log };
  return createServer({ cert: parts.tls.certPem, key: parts.tls.keyPem }, (req, res) => {
    const started = Date.now();
    const correlationId = randomUUID();
    res.setHeader("ms-correlation-x", correlationId);
    const path = pathnameOf(req.url);
    const serve = () =>
      isBatchPath(path)
        ? serveBatch(req, res, batchServing(req, parts, deps, control))
        : route(req, res, deps, control);
    (isApiPath(path) ? withRealism(req, res, path, parts.realism, serve) : serve())
      .catch((err) => sendError(res, err, correlationId, path.startsWith("/admin/")))
      .finally(() => {
        store.flush();
        if (!req.url?.startsWith(CONTROL_PREFIX)) {
          log.add({
            at: new Date(started).toISOString(),
            method: req.method ?? "",
            path,
            status: res.statusCode,
            durationMs: Date.now() - started,
          });
        }
      });
  });
}

async function route(req: IncomingMessage, res: ServerResponse, deps: ServerDeps, control: ControlDeps) {
  let url: URL;
  try {
    url = new URL(req.url ?? "/", deps.origin());
  } catch {
    throw new BcError(400, "BadRequest_InvalidRequestUrl", "The request URL is not valid.");
  }
  if (url.pathname.startsWith(CONTROL_PREFIX)) return handleControl(req, res, url, control);
  if (await deps.entra.handle(req, res, url)) return;
  // One clock step for the BC and Admin Center APIs, before either is routed (see ./clock.ts).
  advanceClock(deps);
  if (await handleAdmin(req, res, url, deps)) return;
  if (await handleAutomation(req, res, url, deps)) return;
  throw notFoundRoute(url.pathname);
}

/** A `$batch` serves each operation through `route`, charging BC's costs per operation (automation/batch.ts). */
function batchServing(req: IncomingMessage, parts: HttpServerParts, deps: ServerDeps, control: ControlDeps) {
  const { limiter, batch } = parts.realism;
  return {
    serveOne: (one: IncomingMessage, res: ServerResponse) => route(one, res, deps, control),
    operationMs: batch.operationMs,
    charge:
      limiter && batch.countEachOperation
        ? (authorization: string | undefined, operations: number) =>
            limiter.charge(principalOf(authorization, req.socket.remoteAddress ?? "?"), operations)
        : undefined,
  };
}

function sendError(res: ServerResponse, err: unknown, correlationId: string, adminShape: boolean) {
  // The Admin Center API has its own error shape (not wrapped in `error`); one writer for it.
  if (adminShape) return sendAdminError(res, err);
  const known = err instanceof BcError ? err : undefined;
  if (!known) {
    // An emulator bug: answer like BC's internal errors and keep serving. Never print request data.
    process.stderr.write(`emulator: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  const error = known ?? new BcError(500, "Internal_ServerError", "An unexpected error occurred on the server.");
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = bcErrorBody(error, correlationId);
  res.writeHead(error.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    ...error.headers,
  });
  res.end(body);
}

/** The path the router will see (dot segments resolved, `\\` as `/`), so realism and the error shape follow routing. */
function pathnameOf(target = "/"): string {
  try {
    return new URL(target, "https://emulator.invalid").pathname;
  } catch {
    return target.split("?")[0];
  }
}
