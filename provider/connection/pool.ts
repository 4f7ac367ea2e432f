/**
 * The connections of one provider runtime: settings + token provider + HTTP client (with the principal's shared
 * limiter) + typed APIs. `connect(settings)` returns the same connection for the same settings, so every resource
 * of a stack shares tokens, sockets and limits:
 *
 *   const conn = runtime.connect(settings);
 *   const api = conn.automation();            // default environment
 *   const companies = await api.companies.list();
 */
import { createHash } from "node:crypto";
import type { Dispatcher } from "undici";
import { AdminCenterApi } from "../admin";
import { TokenCache, TokenProvider, type TokenSource } from "../auth/token-provider";
import { AutomationApi } from "../automation";
import { CommandClock } from "../automation/shared-read";
import { HttpClient } from "../http/client";
import { DispatcherPool } from "../http/dispatcher";
import { type LimiterOptions, LimiterPool } from "../http/limiter";
import type { RetryOptions } from "../http/retry";
import { type ConnectionSettings, principalKey } from "./settings";

export interface ConnectOptions {
  retry?: Partial<RetryOptions>;
  /** Limits for the principal (applied when its limiter is first created in the runtime). */
  limits?: Partial<LimiterOptions>;
  /** Per-attempt timeout (ms). */
  timeoutMs?: number;
  /** Overall budget per request (ms). */
  deadlineMs?: number;
  /** Replace the token source (tests, benchmarks). */
  tokens?: TokenSource;
  /** Observer for every request MSAL sends (tests). */
  onTokenRequest?: (method: string, url: string) => void;
}

export interface BcConnection {
  readonly settings: ConnectionSettings;
  readonly tokens: TokenSource;
  readonly http: HttpClient;
  /** Automation API of an environment (default: the settings' environment). */
  automation(environment?: string): AutomationApi;
  /** Admin Center API. */
  admin(): AdminCenterApi;
}

/** Sockets, limiters, tokens and connections shared by every operation of a runtime. */
export class ConnectionPool {
  /** One undici dispatcher per (extra CA, proxy). */
  readonly dispatchers = new DispatcherPool();
  /** One limiter per principal (`tenant:client`). */
  readonly limiters = new LimiterPool();
  /** Tokens and MSAL applications per (authority, client, credential). */
  readonly tokens = new TokenCache();
  private readonly connections = new Map<string, { connection: BcConnection; dispatcher: Dispatcher }>();

  /** `commands`: when the command served began; refresh reads take only loads begun after it (shared-read.ts). */
  constructor(private readonly commands: CommandClock = new CommandClock()) {}

  connect(settings: ConnectionSettings, options: ConnectOptions = {}): BcConnection {
    const key = connectionKey(settings, options);
    const dispatcher = this.dispatchers.get({ caCertPem: settings.caCertPem, proxy: settings.proxy });
    const cached = key ? this.connections.get(key) : undefined;
    // A cached connection is only reused while its dispatcher is alive (`close` replaces them).
    if (cached && cached.dispatcher === dispatcher) return cached.connection;

    const tokens =
      options.tokens ??
      new TokenProvider(settings, { dispatcher, cache: this.tokens, onNetworkRequest: options.onTokenRequest });
    const http = new HttpClient({
      dispatcher,
      tokens,
      limiter: this.limiters.for(principalKey(settings), options.limits),
      retry: options.retry,
      timeoutMs: options.timeoutMs,
      deadlineMs: options.deadlineMs,
    });
    const connection = newConnection(settings, tokens, http, () => this.commands.started);
    if (key) this.connections.set(key, { connection, dispatcher });
    return connection;
  }

  /** Closes every socket; later `connect`s open new ones. */
  async close(): Promise<void> {
    this.connections.clear();
    await this.dispatchers.close();
  }
}

function newConnection(
  settings: ConnectionSettings,
  tokens: TokenSource,
  http: HttpClient,
  commandStart: () => number,
): BcConnection {
  const automations = new Map<string, AutomationApi>();
  let admin: AdminCenterApi | undefined;
  return {
    settings,
    tokens,
    http,
    automation(environment = settings.environment) {
      let api = automations.get(environment.toLowerCase());
      if (!api) {
        api = new AutomationApi(http, {
          apiBaseUrl: settings.apiBaseUrl,
          tenantId: settings.tenantId,
          environment,
          tenantInUrl: settings.tenantInUrl,
          scopeCompany: settings.scopeCompany,
          snapshots: { commandStart },
        });
        automations.set(environment.toLowerCase(), api);
      }
      return api;
    },
    admin() {
      admin ??= new AdminCenterApi(http, { apiBaseUrl: settings.apiBaseUrl, apiVersion: settings.adminApiVersion });
      return admin;
    },
  };
}

/** Cache key of a connection; undefined (no caching) when a custom token source or observer is given. */
function connectionKey(settings: ConnectionSettings, options: ConnectOptions): string | undefined {
  if (options.tokens || options.onTokenRequest) return undefined;
  if (settings.credential.kind === "federated" && !("tokenFile" in settings.credential)) return undefined;
  const h = createHash("sha256");
  h.update(JSON.stringify({ ...settings, credential: undefined }));
  const c = settings.credential;
  h.update(
    c.kind === "secret"
      ? `s:${c.secret}`
      : c.kind === "certificate"
        ? `c:${c.certificatePem}:${c.privateKeyPem}:${c.sendX5c}`
        : `f:${"tokenFile" in c ? c.tokenFile : ""}`,
  );
  h.update(
    JSON.stringify({ retry: options.retry, limits: options.limits, t: options.timeoutMs, d: options.deadlineMs }),
  );
  return h.digest("hex");
}
