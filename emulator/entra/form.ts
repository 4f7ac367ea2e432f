import type { IncomingMessage } from "node:http";
import { malformedRequest } from "./errors";

/** Token requests are small; client assertions with an `x5c` chain stay well below this. */
export const MAX_FORM_BYTES = 256 * 1024;

/**
 * Reads an `application/x-www-form-urlencoded` body. Like Entra, a body of another content type is treated as
 * carrying no parameters (the caller then reports the first missing one). Oversized bodies are refused without
 * being buffered.
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > MAX_FORM_BYTES) {
    req.resume();
    throw malformedRequest("The request body is too large.");
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_FORM_BYTES) {
      req.resume();
      throw malformedRequest("The request body is too large.");
    }
    chunks.push(buffer);
  }
  const mediaType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/x-www-form-urlencoded") return new URLSearchParams();
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** A parameter that must appear at most once; "" counts as absent. */
export function single(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw malformedRequest(`The parameter '${name}' appears more than once.`);
  return values[0] === undefined || values[0] === "" ? undefined : values[0];
}

/** Client credentials from an HTTP Basic `Authorization` header (RFC 6749 §2.3.1: form-urlencoded id and secret). */
export function basicCredentials(req: IncomingMessage): { clientId: string; secret: string } | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header.trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) throw malformedRequest("The Authorization header does not carry client credentials.");
  return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}
