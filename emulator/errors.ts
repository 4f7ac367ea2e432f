import { randomUUID } from "node:crypto";

/**
 * An error answered in Business Central's OData error shape:
 * `{"error":{"code":"…","message":"<text>  CorrelationId:  <guid>."}}` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/dynamics-error-codes).
 */
export class BcError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Business Central's message suffix: two spaces, `CorrelationId:`, two spaces, the GUID and a full stop. */
export function withCorrelationId(message: string, correlationId: string): string {
  const text = message.endsWith(".") ? message : `${message}.`;
  return `${text}  CorrelationId:  ${correlationId}.`;
}

export function bcErrorBody(err: BcError, correlationId: string = randomUUID()): string {
  return JSON.stringify({ error: { code: err.code, message: withCorrelationId(err.message, correlationId) } });
}

// Shorthands for the errors the automation pages raise most often.

export const notFoundRoute = (path: string) =>
  new BcError(404, "BadRequest_NotFound", `No HTTP resource was found that matches the request URI '${path}'.`);

export const querySyntax = () => new BcError(404, "BadRequest_NotFound", "Bad Request - Error in query syntax.");

export const dialog = (message: string) => new BcError(400, "Application_DialogException", message);

export const badRequest = (message: string) => new BcError(400, "BadRequest", message);

export const invalidCredentials = () =>
  new BcError(401, "Authentication_InvalidCredentials", "The server has rejected the client credentials.");

export const methodNotAllowed = (method: string, entitySet: string) =>
  new BcError(
    405,
    "BadRequest_MethodNotAllowed",
    `'${method}' requests for '${entitySet}' of EdmType 'Entity' are not allowed within Dynamics 365 Business Central OData web services.`,
  );
