/**
 * The innermost step: one attempt over undici, and a classification of how it failed. Whether a failed attempt
 * may have reached the server decides whether a non-idempotent request can be sent again (policies/retry).
 */
import { statSync } from "node:fs";
import { type Dispatcher, request } from "undici";
import { FileBodyError, fileChunks } from "./file-stream";
import { type FileBody, type HttpResponse, isFileBody, type PipelineRequest } from "./types";

/** Why an attempt produced no response. */
export class AttemptFailure extends Error {
  constructor(
    /** `connect`: never reached the server; `reset`: connection failed mid-request; `timeout`; `tls`; `aborted`. */
    readonly kind: "connect" | "reset" | "timeout" | "tls" | "aborted",
    /** Whether the request may have been (partly) delivered to the server. */
    readonly maybeSent: boolean,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "AttemptFailure";
  }
}

/** undici / Node error codes raised before any byte of the request was written. */
const PRE_SEND = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const TLS = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_UNTRUSTED",
]);

export function transport(dispatcher: Dispatcher) {
  return async function send(req: PipelineRequest, signal?: AbortSignal): Promise<HttpResponse> {
    if (!isFileBody(req.body)) return exchange(dispatcher, req, req.body, undefined, signal);
    // Read afresh for every attempt, so a retry sends the whole file again (file-stream.ts).
    const chunks = fileChunks(req.body);
    try {
      return await exchange(dispatcher, req, chunks, req.body.size, signal);
    } finally {
      // Closes the file if undici stopped pulling chunks midway (a generator never started opened nothing).
      chunks.return().catch(() => undefined);
    }
  };
}

async function exchange(
  dispatcher: Dispatcher,
  req: PipelineRequest,
  payload: Exclude<PipelineRequest["body"], FileBody> | AsyncIterable<Buffer>,
  contentLength: number | undefined,
  signal: AbortSignal | undefined,
): Promise<HttpResponse> {
  let res: Dispatcher.ResponseData;
  try {
    res = await request(req.url, {
      method: req.method,
      headers: contentLength === undefined ? req.headers : { ...req.headers, "content-length": String(contentLength) },
      body: payload as Dispatcher.RequestOptions["body"], // undici also takes async iterables; its types omit them
      dispatcher,
      signal,
    });
  } catch (err) {
    if (err instanceof FileBodyError) throw err; // the file, not the connection: not worth a retry
    throw classify(err, signal);
  }
  let body: Buffer;
  try {
    body = Buffer.from(await res.body.arrayBuffer());
  } catch (err) {
    // Headers arrived, so the server processed (or is processing) the request.
    const failure = classify(err, signal);
    throw new AttemptFailure(failure.kind, true, `response body interrupted: ${failure.message}`, failure.code);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return { status: res.statusCode, headers, body, attempts: req.attempt, tokenRoles: req.tokenRoles };
}

/** A body streamed from `path` (its size read now; the file must not change until the request is done). */
export function fileBody(path: string): FileBody {
  return { kind: "file", path, size: statSync(path).size };
}

export function classify(err: unknown, signal?: AbortSignal): AttemptFailure {
  if (err instanceof AttemptFailure) return err;
  if (signal?.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    if (reason?.name === "TimeoutError") return new AttemptFailure("timeout", true, "timed out");
    return new AttemptFailure("aborted", true, "cancelled");
  }
  const code = errorCode(err);
  const message = (err as Error)?.message ?? String(err);
  if (code && TLS.has(code)) {
    return new AttemptFailure(
      "tls",
      false,
      `TLS certificate check failed (${code}): ${message}. If this is the emulator or a TLS-inspecting proxy, set its CA with businesscentral:caCertPath or BC_CA_CERT_PATH.`,
      code,
    );
  }
  if (code && PRE_SEND.has(code))
    return new AttemptFailure("connect", false, `connection failed (${code}): ${message}`, code);
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
    return new AttemptFailure("timeout", true, `timed out (${code})`, code);
  }
  return new AttemptFailure("reset", true, `connection failed${code ? ` (${code})` : ""}: ${message}`, code);
}

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let i = 0; i < 4 && current && typeof current === "object"; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
