/**
 * OData JSON `$batch` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/use-odata-batch, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/operational-limits-online: `POST …/automation/v2.0/$batch`, at most 100 operations):
 * `{"requests":[{"id","method","url","headers","body"}]}` answered with `{"responses":[{"id","status","headers","body"}]}`,
 * each operation served by the normal router, in order, as its own request would be (its own status; one failing
 * operation does not stop the others). `Isolation: snapshot` (all or nothing) is not modelled: refused with 400.
 *
 * Cost model, so a batch saves round trips but not server work: the batch request pays the configured latency once
 * (one round trip plus the first operation, as any request), and every further operation adds `operationMs` of
 * server time while the batch holds its processing slot. How BC counts a batch against the per-principal request
 * window is not documented [UNK]: `countEachOperation` (default true, the conservative choice) charges every
 * operation beyond the first to the window as a request of its own.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { BcError, bcErrorBody } from "../errors";
import { readBody, sendJson } from "../http";

export interface BatchOptions {
  /** Server time each operation after the first adds to the batch (ms). Default: the request latency's mean. */
  operationMs?: number;
  /** Charge every operation to the principal's request window (default true). */
  countEachOperation: boolean;
}

export const DEFAULT_BATCH: BatchOptions = { countEachOperation: true };
export const MAX_BATCH_OPERATIONS = 100;

/** What the batch needs from the server: how to serve one operation, and the realism costs. */
export interface BatchServing {
  /** Serves one operation as a request of its own (authentication, routing, errors thrown as BcError). */
  serveOne(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Server time per operation after the first (ms). */
  operationMs: number;
  /** Charges operations to the caller's request window (throws BcError 429 when it is spent). */
  charge?(authorization: string | undefined, operations: number): void;
}

interface BatchOperation {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export function isBatchPath(path: string): boolean {
  return /^\/v2\.0\/[^/]+(?:\/[^/]+)?\/api\/microsoft\/automation\/v2\.0\/\$batch$/.test(path);
}

export async function serveBatch(req: IncomingMessage, res: ServerResponse, serving: BatchServing): Promise<void> {
  if (req.method !== "POST") throw new BcError(405, "BadRequest_MethodNotAllowed", "$batch accepts POST only.");
  if (/snapshot/i.test(String(req.headers.isolation ?? ""))) {
    throw new BcError(400, "BadRequest", "The emulator does not model transactional batches (Isolation: snapshot).");
  }
  const operations = parseOperations(await readBody(req));
  if (serving.charge && operations.length > 1) serving.charge(req.headers.authorization, operations.length - 1);
  const serviceRoot = (req.url ?? "").replace(/\/\$batch(\?.*)?$/, "");
  const responses = [];
  for (const [index, op] of operations.entries()) {
    if (index > 0 && serving.operationMs > 0) await new Promise((r) => setTimeout(r, serving.operationMs));
    responses.push(await serveOperation(req, op, serviceRoot, serving));
  }
  sendJson(res, 200, { responses }, { "odata-version": "4.0" });
}

function parseOperations(raw: Buffer): BatchOperation[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new BcError(400, "BadRequest", "The batch request body is not valid JSON.");
  }
  const requests = (parsed as { requests?: unknown })?.requests;
  if (!Array.isArray(requests) || requests.length === 0) {
    throw new BcError(400, "BadRequest", "A JSON batch needs a non-empty 'requests' array.");
  }
  if (requests.length > MAX_BATCH_OPERATIONS) {
    throw new BcError(
      400,
      "BadRequest",
      `The batch has ${requests.length} operations; at most ${MAX_BATCH_OPERATIONS} are allowed.`,
    );
  }
  return requests.map((r: unknown, i) => {
    const op = r as Partial<BatchOperation>;
    if (typeof op.method !== "string" || typeof op.url !== "string") {
      throw new BcError(400, "BadRequest", `Batch operation ${i + 1} needs 'method' and 'url'.`);
    }
    return {
      id: String(op.id ?? i + 1),
      method: op.method.toUpperCase(),
      url: op.url,
      headers: op.headers,
      body: op.body,
    };
  });
}

/** One operation through the normal router, on a request/response pair of its own. */
async function serveOperation(outer: IncomingMessage, op: BatchOperation, serviceRoot: string, serving: BatchServing) {
  const body = op.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(op.body));
  const url = /^https?:/i.test(op.url)
    ? new URL(op.url).pathname + new URL(op.url).search
    : `${serviceRoot}/${op.url.replace(/^\//, "")}`;
  const req = Object.assign(Readable.from(body.length > 0 ? [body] : []), {
    method: op.method,
    url,
    headers: {
      ...lowerCase(op.headers),
      authorization: outer.headers.authorization,
      host: outer.headers.host,
      ...(body.length > 0 ? { "content-type": "application/json", "content-length": String(body.length) } : {}),
    },
    socket: outer.socket,
  }) as unknown as IncomingMessage;
  const captured = new CapturedResponse();
  try {
    await serving.serveOne(req, captured as unknown as ServerResponse);
  } catch (err) {
    const error =
      err instanceof BcError ? err : new BcError(500, "Internal_ServerError", "An unexpected error occurred.");
    captured.writeHead(error.status, { "content-type": "application/json", ...error.headers });
    captured.end(bcErrorBody(error));
  }
  return { id: op.id, ...captured.result() };
}

/** The response side of one operation, kept instead of sent. */
class CapturedResponse {
  statusCode = 200;
  headersSent = false;
  private headers: Record<string, string> = {};
  private chunks: Buffer[] = [];

  setHeader(name: string, value: string | number) {
    this.headers[name.toLowerCase()] = String(value);
    return this;
  }

  writeHead(status: number, headers: Record<string, string | number> = {}) {
    this.statusCode = status;
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
    this.headersSent = true;
    return this;
  }

  end(chunk?: string | Buffer) {
    if (chunk !== undefined) this.chunks.push(Buffer.from(chunk));
    return this;
  }

  result() {
    const text = Buffer.concat(this.chunks).toString("utf8");
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const { "content-length": _length, ...headers } = this.headers;
    return { status: this.statusCode, headers, ...(body === undefined ? {} : { body }) };
  }
}

function lowerCase(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
}
