import type { IncomingMessage } from "node:http";
import { readBody } from "../http";
import { AdminError, invalidInput } from "./errors";

export interface MultipartForm {
  fields: Map<string, string>;
  files: Map<string, { filename: string; bytes: Buffer }>;
}

/**
 * Reads a `multipart/form-data` body with the WHATWG parser Node ships (undici's `Response.formData()`), so the
 * emulator does not carry its own MIME parser. Field names are matched case-insensitively (ASP.NET form binding).
 * The body is limited before it is buffered; a malformed body is a 400, never a crash.
 */
export async function readMultipart(req: IncomingMessage, maxBytes: number): Promise<MultipartForm> {
  const contentType = String(req.headers["content-type"] ?? "");
  if (!/^multipart\/form-data\s*;/i.test(contentType) || !/boundary=/i.test(contentType)) {
    throw new AdminError(
      415,
      "UnsupportedMediaType",
      "The request must be sent as multipart/form-data (with a boundary).",
    );
  }
  const bytes = await readBody(req, maxBytes);
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(bytes), { headers: { "content-type": contentType } }).formData();
  } catch {
    throw invalidInput("body", "The request body is not valid multipart/form-data.");
  }
  const fields = new Map<string, string>();
  const files = new Map<string, { filename: string; bytes: Buffer }>();
  for (const [name, value] of form.entries()) {
    const key = name.toLowerCase();
    if (typeof value === "string") fields.set(key, value);
    else files.set(key, { filename: value.name ?? "", bytes: Buffer.from(await value.arrayBuffer()) });
  }
  return { fields, files };
}
