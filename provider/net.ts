/**
 * How a request that got no response failed, shared by the HTTP pipeline (http/transport.ts, http/retry.ts) and
 * MSAL's network module (auth/network.ts): whether it may have reached the server decides whether a
 * non-idempotent request can be sent again, and the message names the likely cause (TLS, DNS, refused, timeout).
 */

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
