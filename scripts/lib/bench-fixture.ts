/**
 * The benchmark's emulator: the default seed plus `users` bench users, BC's limits on, a fixed (or jittered)
 * latency on every API request, a request log read phase by phase, and a token as a script would fetch it.
 */
import { type Agent, request } from "undici";
import { type EmulatorOptions, type RunningEmulator, defaultSeed, startEmulator } from "../../emulator";

export const BENCH_ROLES = ["D365 READ", "D365 BUS FULL ACCESS"] as const;
export const BENCH_COMPANIES = ["Bench Company 1", "Bench Company 2"] as const;

export interface BenchOptions {
  users: number;
  latencyMs: number;
  jitterMs: number;
}

export const benchUserName = (i: number) => `BENCH${String(i + 1).padStart(4, "0")}`;

/** The id of the benchmark's tenant `i` (0: the default seed's own tenant). */
const benchTenantId = (i: number) => `b3c40000-0000-4000-8000-${String(i).padStart(12, "0")}`;

/**
 * The default seed with `users` bench users in its production environment; with `tenants` > 1, copies of that tenant
 * (ids from `benchTenantId`, the same multitenant app and secret), as a partner's customers: BC's limits are per
 * tenant and principal, so each has its own.
 */
export async function startBenchEmulator(
  options: BenchOptions,
  extra: EmulatorOptions = {},
  tenants = 1,
): Promise<RunningEmulator> {
  const seed = defaultSeed();
  const template = seed.tenants?.[0];
  const production = template?.environments?.find((e) => e.name === "production");
  if (!template || !production?.users) throw new Error("the default seed has no production environment with users");
  for (let i = 0; i < options.users; i++) {
    production.users.push({
      userName: benchUserName(i),
      displayName: `Bench User ${i + 1}`,
      contactEmail: `bench${i + 1}@cronus.example`,
    });
  }
  for (let i = 1; i < tenants; i++) {
    const copy = structuredClone(template);
    copy.id = benchTenantId(i);
    copy.domains = [`bench${i}.onmicrosoft.com`];
    seed.tenants.push(copy);
  }
  const latency: EmulatorOptions["latency"] =
    options.jitterMs > 0
      ? {
          kind: "uniform",
          minMs: Math.max(0, options.latencyMs - options.jitterMs),
          maxMs: options.latencyMs + options.jitterMs,
        }
      : { kind: "fixed", ms: options.latencyMs };
  return startEmulator({ seed, latency, ...extra });
}

export interface PhaseRequests {
  /** Automation / Admin Center API requests. */
  api: number;
  writes: number;
  /** Entra token requests. */
  token: number;
  byMethod: Record<string, number>;
}

/** Requests served since the last call (and clears the log). */
export function takeRequests(emu: RunningEmulator): PhaseRequests {
  const served = emu.requests();
  emu.clearRequests();
  const api = served.filter((r) => r.path.startsWith("/v2.0/") || r.path.startsWith("/admin/"));
  const byMethod: Record<string, number> = {};
  for (const r of api) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
  return {
    api: api.length,
    writes: api.filter((r) => r.method !== "GET").length,
    token: served.filter((r) => r.path.endsWith("/oauth2/v2.0/token")).length,
    byMethod,
  };
}

/** The `businesscentral:*` stack config for the emulator's default app (the secret marked secret). */
export function benchStackConfig(emu: RunningEmulator) {
  return {
    "businesscentral:tenantId": { value: emu.tenantId },
    "businesscentral:clientId": { value: emu.clientId },
    "businesscentral:clientSecret": { value: emu.clientSecret, secret: true },
    "businesscentral:environment": { value: emu.environment },
    "businesscentral:authorityHost": { value: emu.authorityHost },
    "businesscentral:apiBaseUrl": { value: emu.baseUrl },
    "businesscentral:caCertPath": { value: emu.caCertPath },
  };
}

/** A client-credentials token for the emulator's default app, as a script would fetch it. */
export async function clientCredentialsToken(emu: RunningEmulator, dispatcher: Agent): Promise<string> {
  const res = await request(`${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    dispatcher,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
      scope: "https://api.businesscentral.dynamics.com/.default",
    }).toString(),
  });
  const body = (await res.body.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`baseline: no token (HTTP ${res.statusCode})`);
  return body.access_token;
}
