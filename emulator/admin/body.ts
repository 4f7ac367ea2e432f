import type { IncomingMessage } from "node:http";
import { readBody } from "../http";
import { AdminError, invalidInput, requestBodyRequired } from "./errors";

/** Admin Center request bodies are small JSON objects; anything bigger is refused before it is buffered. */
const MAX_JSON_BYTES = 1024 * 1024;

/**
 * A JSON request body whose properties are matched case-insensitively, as ASP.NET model binding does (BCCH sends
 * `AcceptIsvEula` and `NewEnvironmentName`; the docs write `acceptIsvEula`).
 */
export class JsonBody {
  private readonly byLowerName = new Map<string, unknown>();

  constructor(readonly raw: Record<string, unknown>) {
    for (const [key, value] of Object.entries(raw)) this.byLowerName.set(key.toLowerCase(), value);
  }

  get(name: string): unknown {
    return this.byLowerName.get(name.toLowerCase());
  }

  /** A string property; absent or null ⇒ undefined, another type ⇒ 400 invalidInput. */
  string(name: string): string | undefined {
    const value = this.get(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw invalidInput(name, `The property '${name}' must be a string.`);
    return value;
  }

  /** A boolean property (JSON true/false, or the strings "true"/"false" as model binding accepts). */
  bool(name: string): boolean | undefined {
    const value = this.get(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "boolean") return value;
    if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
    throw invalidInput(name, `The property '${name}' must be a boolean.`);
  }
}

/**
 * Reads a JSON object body. `required` bodies that are missing answer `requestBodyRequired`; a body that is not
 * JSON (or not declared as JSON) answers 415/400 in the Admin Center shape.
 */
export async function readJsonBody(req: IncomingMessage, required: boolean): Promise<JsonBody> {
  const bytes = await readBody(req, MAX_JSON_BYTES);
  const text = bytes.toString("utf8").trim();
  if (text === "") {
    if (required) throw requestBodyRequired();
    return new JsonBody({});
  }
  const contentType = String(req.headers["content-type"] ?? "").toLowerCase();
  if (contentType !== "" && !/^application\/([\w.+-]*\+)?json\b/.test(contentType)) {
    throw new AdminError(
      415,
      "UnsupportedMediaType",
      `The request content type '${contentType.split(";")[0]}' is not supported; send application/json.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidInput("body", "The request body is not valid JSON.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw invalidInput("body", "The request body must be a JSON object.");
  }
  return new JsonBody(parsed as Record<string, unknown>);
}
