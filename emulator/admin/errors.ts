import type { ServerResponse } from "node:http";
import { BcError } from "../errors";

/**
 * An error answered in the Admin Center API's shape (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api): NOT wrapped in `error`, no correlation
 * suffix in the message — `{"code","message","target"?,"extensionData"?,"clientError"?}`, plus `data` for the
 * app-management 400s (`data.requirements[]`, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management).
 */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: {
      target?: string;
      extensionData?: Record<string, unknown>;
      clientError?: unknown[];
      data?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
  }
}

export function adminErrorBody(err: AdminError): Record<string, unknown> {
  const body: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.extra.target !== undefined) body.target = err.extra.target;
  if (err.extra.extensionData !== undefined) body.extensionData = err.extra.extensionData;
  if (err.extra.clientError !== undefined) body.clientError = err.extra.clientError;
  if (err.extra.data !== undefined) body.data = err.extra.data;
  return body;
}

/**
 * Writes any failure in the Admin Center shape. BcErrors from shared helpers (e.g. the 413 of `readBody`) keep
 * their status and code; anything else is an emulator bug and answers 500 `Unknown` (the API's code for
 * unhandled errors) without echoing request data.
 */
export function sendAdminError(res: ServerResponse, err: unknown) {
  let error: AdminError;
  if (err instanceof AdminError) error = err;
  else if (err instanceof BcError) error = new AdminError(err.status, err.code, err.message, { headers: err.headers });
  else {
    process.stderr.write(`emulator: internal error (admin): ${(err as Error)?.stack ?? String(err)}\n`);
    error = new AdminError(500, "Unknown", "An unexpected error occurred.");
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(adminErrorBody(error));
  res.writeHead(error.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...error.extra.headers,
  });
  res.end(text);
}

// Shorthands for the errors the Admin Center API documents (codes as the docs spell them).

export const routeNotFound = (path: string) =>
  new AdminError(404, "NotFound", `No HTTP resource was found that matches the request URI '${path}'.`);

export const methodNotAllowed = (method: string, path: string) =>
  new AdminError(405, "MethodNotAllowed", `The requested resource '${path}' does not support http method '${method}'.`);

export const environmentNotFound = (family: string, name: string) =>
  new AdminError(404, "environmentNotFound", `The environment '${name}' could not be found.`, {
    target: `${family}/${name}`,
  });

export const invalidInput = (target: string, message: string) =>
  new AdminError(400, "invalidInput", message, { target });

export const requestBodyRequired = () =>
  new AdminError(400, "requestBodyRequired", "The request body must be provided.");
