import type { IncomingMessage, ServerResponse } from "node:http";
import { BcError } from "./errors";

/** Requests larger than BC's documented body limit (350 MB) are refused before they are buffered. */
export const MAX_BODY_BYTES = 350 * 1024 * 1024;

/** Reads a request body up to `limit` bytes; larger bodies fail with 413 without being held in memory. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) {
    req.resume();
    throw new BcError(413, "RequestEntityTooLarge", `The request body exceeds the maximum size of ${limit} bytes.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new BcError(413, "RequestEntityTooLarge", `The request body exceeds the maximum size of ${limit} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-length": 0, ...headers });
  res.end();
}

export function sendBytes(res: ServerResponse, status: number, bytes: Buffer, contentType: string) {
  res.writeHead(status, { "content-type": contentType, "content-length": bytes.length });
  res.end(bytes);
}

/** The bearer token of a request, or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}
