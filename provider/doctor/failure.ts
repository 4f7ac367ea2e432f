import { BcApiError } from "../errors";
import type { Check } from "./types";

/** A failed check from any error: BC's code, message, correlation id and hint, or a network fix. */
export function failure(id: string, title: string, err: unknown): Check {
  if (err instanceof BcApiError) {
    return {
      id,
      title,
      status: "fail",
      detail: `${err.code}${err.status ? ` (HTTP ${err.status})` : ""}: ${err.serviceMessage}${err.correlationId ? ` [correlation id ${err.correlationId}]` : ""}`,
      fix: err.hint,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { id, title, status: "fail", detail: message, fix: networkFix(message) };
}

function networkFix(message: string): string | undefined {
  if (/certificate|TLS|self.signed/i.test(message)) return "Trust the server's CA with --ca-cert or BC_CA_CERT_PATH.";
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|timed out/i.test(message))
    return "Check the host names, network and proxy (HTTPS_PROXY).";
  return undefined;
}
