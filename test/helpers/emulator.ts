/**
 * Black-box helpers for emulator tests: start an emulator, obtain tokens over real HTTPS from its Entra side,
 * and call its APIs with undici. No provider code is used here.
 */
import { Agent, request } from "undici";
import { startEmulator, type EmulatorOptions, type RunningEmulator } from "../../emulator";

export const BC_SCOPE = "https://api.businesscentral.dynamics.com/.default";

export interface TestEmulator {
  emu: RunningEmulator;
  agent: Agent;
  /** Automation API root for the default tenant/environment, e.g. `https://127.0.0.1:1234/v2.0/<tid>/production/api/microsoft/automation/v2.0`. */
  apiRoot(environment?: string): string;
  /** A token for the default app (cached per test emulator). */
  token(): Promise<string>;
  /** A token for any client id and secret (throws with the Entra error on failure). */
  tokenFor(clientId: string, secret: string, tenant?: string): Promise<string>;
  /** Calls a BC path (absolute URL, or a path relative to apiRoot()) with the default token unless `token` is given. */
  call(method: string, path: string, init?: CallInit): Promise<CallResult>;
  /** The first company of the default environment. */
  companyId(environment?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface CallInit {
  body?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
  token?: string | null;
  environment?: string;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
  json: any;
}

export async function startEmulatorHarness(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const emu = await startEmulator({ timeScale: 0.01, ...options });
  const agent = new Agent({ connect: { ca: emu.caCertPem } });
  let cached: string | undefined;
  const apiRoot = (environment = emu.environment) =>
    `${emu.baseUrl}/v2.0/${emu.tenantId}/${environment}/api/microsoft/automation/v2.0`;

  async function tokenFor(clientId: string, secret: string, tenant = emu.tenantId): Promise<string> {
    const res = await request(`${emu.authorityHost}/${tenant}/oauth2/v2.0/token`, {
      method: "POST",
      dispatcher: agent,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: secret,
        scope: BC_SCOPE,
      }).toString(),
    });
    const json = (await res.body.json()) as { access_token?: string; error_description?: string };
    if (res.statusCode !== 200 || !json.access_token)
      throw new Error(`token request failed: ${json.error_description}`);
    return json.access_token;
  }

  const token = async () => {
    cached ??= await tokenFor(emu.clientId, emu.clientSecret);
    return cached;
  };

  async function call(method: string, path: string, init: CallInit = {}): Promise<CallResult> {
    const url = /^https?:/.test(path) ? path : `${apiRoot(init.environment)}/${path.replace(/^\//, "")}`;
    const headers: Record<string, string> = { ...init.headers };
    const bearer = init.token === undefined ? await token() : init.token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let body: string | Buffer | undefined;
    if (init.raw) body = init.raw;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await request(url, { method: method as "GET", dispatcher: agent, headers, body });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, json };
  }

  async function companyId(environment?: string) {
    const res = await call("GET", "companies", { environment });
    return res.json.value[0].id as string;
  }

  return {
    emu,
    agent,
    apiRoot,
    token,
    tokenFor,
    call,
    companyId,
    async stop() {
      await agent.close();
      await emu.stop();
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("waitFor: timed out");
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
