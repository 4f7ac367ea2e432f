/**
 * The innermost step: one attempt over undici. How a failed attempt failed (and whether it may have reached the
 * server, which decides whether a non-idempotent request can be sent again) is classified in ../net.ts.
 */
import { statSync } from "node:fs";
import { type Dispatcher, request } from "undici";
import { AttemptFailure, classify } from "../net";
import { FileBodyError, fileChunks } from "./file-stream";
import { type FileBody, type HttpResponse, isFileBody, type PipelineRequest } from "./types";

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
