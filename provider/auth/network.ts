/**
 * MSAL's network module on undici: MSAL's built-in client uses the global fetch, which knows neither our extra CA
 * (the emulator's) nor our proxy settings. Also the last line of defence for "no request leaves for Microsoft's
 * hosts when pointed elsewhere": with `allowedOrigins` set, any other origin is refused before a socket opens.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { type Dispatcher, request } from "undici";
import { debug } from "../debug";
import { classify } from "../net";
import { redactUrl } from "../redact";

export interface UndiciNetworkOptions {
  dispatcher: Dispatcher;
  /** Only these origins may be contacted (undefined: any). */
  allowedOrigins?: string[];
  /** Per-request timeout (ms). Default 30 s. */
  timeoutMs?: number;
  /** Observer for tests: every request MSAL makes. */
  onRequest?: (method: string, url: string) => void;
}

export class UndiciNetworkModule implements INetworkModule {
  /**
   * The last transport failure, described. MSAL turns any error thrown here into a bare `network_error`, so the
   * token provider reads the cause from here to say what went wrong (TLS, refused, DNS, refused origin).
   */
  lastFailure?: { message: string; code?: string };

  constructor(private readonly options: UndiciNetworkOptions) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>("GET", url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>("POST", url, options);
  }

  private async send<T>(
    method: "GET" | "POST",
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const origin = new URL(url).origin;
    if (this.options.allowedOrigins && !this.options.allowedOrigins.includes(origin)) {
      const message =
        `refusing to contact ${origin}: the authority host is ${this.options.allowedOrigins.join(", ")}, ` +
        "so no request may leave for another host";
      this.lastFailure = { message };
      throw new Error(message);
    }
    this.options.onRequest?.(method, url);
    const started = Date.now();
    debug(() => `entra → ${method} ${redactUrl(url)}`);
    let res: Awaited<ReturnType<typeof request>>;
    let text: string;
    try {
      res = await request(url, {
        method,
        dispatcher: this.options.dispatcher,
        headers: options?.headers,
        body: method === "POST" ? (options?.body ?? "") : undefined,
        signal: AbortSignal.timeout(timeout ?? this.options.timeoutMs ?? 30_000),
      });
      text = await res.body.text();
    } catch (err) {
      const failure = classify(err);
      this.lastFailure = { message: `${method} ${redactUrl(url)}: ${failure.message}`, code: failure.code };
      debug(`entra ✗ ${this.lastFailure.message}`);
      throw err;
    }
    this.lastFailure = undefined;
    debug(() => `entra ← ${res.statusCode} ${method} ${redactUrl(url)} in ${Date.now() - started} ms`);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      // MSAL expects JSON; a proxy's HTML error page becomes an OAuth-shaped error it can report.
      body = {
        error: "invalid_response",
        error_description: `HTTP ${res.statusCode} with a non-JSON body from ${origin}`,
      };
    }
    return { headers, body: body as T, status: res.statusCode };
  }
}
