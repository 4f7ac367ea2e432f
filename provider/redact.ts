/**
 * Redaction of credentials from anything the provider prints or throws: debug logs, error messages, doctor output.
 *
 * Three layers, because no single one is enough:
 * 1. Values registered at runtime (the configured client secret, every access token and assertion we handle) are
 *    replaced wherever they appear, whatever the surrounding format.
 * 2. Shapes that are always credentials are replaced by pattern: JWTs, `Bearer …`, PEM private keys.
 * 3. Well-known parameter names (`client_secret=…`, `"access_token": "…"`) have their values replaced.
 */

const MASK = "[REDACTED]";

/** Shortest value we register: shorter strings would mangle ordinary text and are not real credentials. */
const MIN_SECRET_LENGTH = 6;
const MAX_EPHEMERAL = 256;

/**
 * Registered values. Configured credentials are kept for the life of the redactor; tokens (which rotate) go to a
 * bounded set so a long run does not grow without limit.
 */
export class Redactor {
  private readonly permanent = new Set<string>();
  private readonly ephemeral = new Set<string>();
  private ordered: string[] = [];

  /**
   * Registers a value so that `redact` removes it from any later output. `ephemeral` is for access tokens and
   * assertions: the newest few hundred are remembered (they also match the JWT pattern).
   */
  register(value: string | undefined, options: { ephemeral?: boolean } = {}): void {
    if (!value || value.length < MIN_SECRET_LENGTH || this.permanent.has(value) || this.ephemeral.has(value)) return;
    if (options.ephemeral) {
      this.ephemeral.add(value);
      if (this.ephemeral.size > MAX_EPHEMERAL) this.ephemeral.delete(this.ephemeral.values().next().value as string);
    } else {
      this.permanent.add(value);
    }
    // Longest first, so a secret containing another registered value is removed whole.
    this.ordered = [...this.permanent, ...this.ephemeral].sort((a, b) => b.length - a.length);
  }

  /** Removes credentials from free text. Safe to call on anything; idempotent. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.ordered) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
    }
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }
}

/**
 * The process's redactor. Unlike the rest of the provider's state (provider/runtime.ts) it is process-wide on
 * purpose: an error or log line may be written outside any operation, and every one must lose every credential the
 * process has seen. The provider runtime exposes it as `runtime.redaction`.
 */
export const processRedactor = new Redactor();

/** Registers a value with the process's redactor (`Redactor.register`). */
export function registerSecret(value: string | undefined, options: { ephemeral?: boolean } = {}): void {
  processRedactor.register(value, options);
}

const SENSITIVE_NAMES = [
  "client_secret",
  "client_assertion",
  "assertion",
  "access_token",
  "refresh_token",
  "id_token",
  "password",
  "clientSecret",
  "secret",
  "privateKey",
  "privateKeyPem",
];
const NAMES = SENSITIVE_NAMES.join("|");

const PATTERNS: [RegExp, string][] = [
  // PEM private keys (any flavour).
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, MASK],
  // JWT / JWS compact serialisation: three base64url parts, the first starting with `eyJ` (`{"`).
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g, MASK],
  // Authorization header values.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${MASK}`],
  // JSON: "client_secret": "…"
  [new RegExp(`("(?:${NAMES})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, "gi"), `$1"${MASK}"`],
  // form / query: client_secret=…
  [new RegExp(`\\b((?:${NAMES})=)[^&\\s"']+`, "gi"), `$1${MASK}`],
];

/** Removes credentials (registered with the process's redactor, or shaped like one) from free text. */
export function redactText(text: string): string {
  return processRedactor.redact(text);
}

const SENSITIVE_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-ms-token"]);

/** A copy of the headers with credential-bearing headers masked and every other value passed through redactText. */
export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (SENSITIVE_HEADERS.has(name.toLowerCase())) out[name] = MASK;
    else if (Array.isArray(value)) out[name] = value.map(redactText);
    else out[name] = value === undefined ? undefined : redactText(value);
  }
  return out;
}

/** Query parameters that carry credentials in the URLs we might log (SAS signatures, auth codes). */
const SENSITIVE_QUERY = /([?&](?:sig|code|client_secret|client_assertion|token|access_token)=)[^&#]*/gi;

/** A URL with user info and credential-bearing query parameters masked (and the rest passed through redactText). */
export function redactUrl(url: string): string {
  return redactText(
    url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, "$1[REDACTED]@").replace(SENSITIVE_QUERY, `$1${MASK}`),
  );
}
