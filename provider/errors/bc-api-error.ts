/**
 * One error type for everything a Business Central call can answer with, whichever service answered (the
 * Automation API, the Admin Center API, Entra ID). The message says what failed, BC's code and text, the HTTP
 * status and the correlation id and, for the failures users meet while setting up, what to do about it.
 * Every text passes through `redactText`, so no secret, token or assertion can reach a Pulumi error.
 */
import { redactText } from "../redact";

export type Service = "automation" | "admin" | "entra" | "http";

export interface BcApiErrorInit {
  status: number;
  code: string;
  /** The service's own message, CorrelationId suffix removed. */
  serviceMessage: string;
  correlationId?: string;
  method: string;
  /** URL path (and query) of the request, without the origin. */
  path: string;
  service: Service;
  hint?: string;
  /** From a `Retry-After` header, when the service sent one. */
  retryAfterMs?: number;
  /** Admin Center app-management requirements (missing dependencies etc.). */
  requirements?: unknown[];
  /** How many attempts were made (more than 1 when the request was retried). */
  attempts?: number;
  /** The roles claim of the access token the failed request carried, when known. */
  tokenRoles?: string[];
}

export class BcApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly serviceMessage: string;
  readonly correlationId?: string;
  readonly method: string;
  readonly path: string;
  readonly service: Service;
  readonly hint?: string;
  readonly retryAfterMs?: number;
  readonly requirements?: unknown[];
  readonly attempts: number;
  readonly tokenRoles?: string[];

  constructor(init: BcApiErrorInit) {
    super(redactText(formatMessage(init)));
    this.name = "BcApiError";
    this.status = init.status;
    this.code = init.code;
    this.serviceMessage = redactText(init.serviceMessage);
    this.correlationId = init.correlationId;
    this.method = init.method;
    this.path = redactText(init.path);
    this.service = init.service;
    this.hint = init.hint === undefined ? undefined : redactText(init.hint);
    this.retryAfterMs = init.retryAfterMs;
    this.requirements = init.requirements;
    this.attempts = init.attempts ?? 1;
    this.tokenRoles = init.tokenRoles;
  }
}

const SERVICE_NAMES: Record<Service, string> = {
  entra: "Entra ID token request",
  admin: "Admin Center API",
  automation: "Business Central API",
  http: "Business Central API",
};

function formatMessage(e: BcApiErrorInit): string {
  const status = e.status > 0 ? `HTTP ${e.status}` : "no HTTP status";
  const corr = e.correlationId ? `, correlation id ${e.correlationId}` : "";
  const tries = e.attempts && e.attempts > 1 ? `, after ${e.attempts} attempts` : "";
  let text = `${SERVICE_NAMES[e.service]}: ${e.method} ${e.path} failed (${status}, ${e.code}${corr}${tries}): ${e.serviceMessage}`;
  if (e.requirements && e.requirements.length > 0) text += `\nRequirements: ${JSON.stringify(e.requirements)}`;
  if (e.hint) text += `\nWhat to do: ${e.hint}`;
  return text;
}
