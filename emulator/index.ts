import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createEntra } from "./entra";
import { DEFAULT_ASYNC_DELAYS, DEFAULT_BEHAVIOUR, type EmulatorOptions } from "./options";
import { RequestLog, type RequestLogEntry } from "./request-log";
import { createHttpsServer } from "./server";
import type { ServerDeps } from "./server-deps";
import type { EmulatorState } from "./state/model";
import { defaultSeed, loadSeedFile, stateFromSeed, type SeedInput } from "./state/seed";
import { StateStore } from "./state/store";
import { ensureTlsMaterial } from "./tls/certificates";
import { FaultInjector, type FaultReport, type FaultRule } from "./realism/faults";
import { DEFAULT_BATCH } from "./automation/batch";
import { latencySource, meanLatency } from "./realism/latency";
import { DEFAULT_LIMITS, PrincipalLimiter } from "./realism/limits";
import { DEFAULT_TIMEOUTS, type RealismParts } from "./realism/pipeline";

export type { EmulatorOptions } from "./options";
export type { EmulatorState } from "./state/model";
export type { SeedInput } from "./state/seed";
export type { FaultRule, FaultReport } from "./realism/faults";
export { defaultSeed, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TENANT_ID } from "./state/seed";

/** A running emulator: where it listens, the seeded credentials, and handles to inspect and change it. */
export interface RunningEmulator {
  /** BC API origin (stands for `https://api.businesscentral.dynamics.com`). */
  baseUrl: string;
  /** Entra ID authority host (stands for `https://login.microsoftonline.com`); the same origin. */
  authorityHost: string;
  tenantId: string;
  environment: string;
  clientId: string;
  clientSecret: string;
  /** PEM file of the CA that signed the server certificate; clients trust the emulator through it. */
  caCertPath: string;
  caCertPem: string;
  adminToken: string;
  stateDir: string;
  /** The live state. Mutate it through `mutate` so the change is persisted. */
  state(): EmulatorState;
  mutate(change: (state: EmulatorState) => void): void;
  /** Replaces the state with a new seed. */
  seed(seed: SeedInput): void;
  /** Back to the seed the emulator started with. */
  reset(): void;
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /** Fault injection: add a rule (returns it with its id), list rules with how often each fired, clear. */
  faults: { add(rule: FaultRule): FaultReport; list(): FaultReport[]; remove(id: string): boolean; clear(): void };
  /** Highest number of requests a principal (`<tenantId>:<clientId>`) had in processing at once. */
  maxConcurrent(principal?: string): number;
  stop(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const ownsStateDir = !options.stateDir;
  const stateDir = resolve(options.stateDir ?? mkdtempSync(join(tmpdir(), "bc-emulator-")));
  const seedInput = resolveSeed(options.seed);
  const initial = () => stateFromSeed(seedInput);
  const store = StateStore.open(stateDir, initial);
  const tls = await ensureTlsMaterial(stateDir);
  const log = new RequestLog();
  let origin = "";
  const now = () => Date.now();
  const entra = await createEntra({
    state: () => store.state,
    origin: () => origin,
    stateDir,
    options: { tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600 },
    now,
  });
  const timeScale = options.timeScale ?? 1;
  const limits = options.limits === false ? undefined : { ...DEFAULT_LIMITS, ...options.limits };
  const limiter = limits ? new PrincipalLimiter(limits, timeScale) : undefined;
  const faults = new FaultInjector(options.faults ?? [], options.faultSeed);
  const realism: RealismParts = {
    limiter,
    limits,
    faults,
    latency: latencySource(options.latency),
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    timeScale,
    batch: {
      operationMs: options.batch?.operationMs ?? meanLatency(options.latency),
      countEachOperation: options.batch?.countEachOperation ?? DEFAULT_BATCH.countEachOperation,
    },
  };
  const adminToken = options.adminToken ?? randomBytes(24).toString("base64url");
  const deps: ServerDeps = {
    state: () => store.state,
    origin: () => origin,
    entra,
    behaviour: { ...DEFAULT_BEHAVIOUR, ...options.behaviour },
    delays: { ...DEFAULT_ASYNC_DELAYS, ...options.asyncDelays },
    timeScale,
    now,
    changed: () => store.markChanged(),
    transient: { companyInUseRefusals: new Map() },
  };
  const reset = () => store.replace(initial());

  const server = createHttpsServer({
    tls,
    deps,
    store,
    log,
    control: { adminToken, info: () => info(), reset, faults, limiter },
    realism,
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, "127.0.0.1", () => ok());
  });
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const primary = primaryIdentity(store.state);
  const info = () => ({
    baseUrl: origin,
    authorityHost: origin,
    tenantId: primary.tenantId,
    environment: primary.environment,
    clientId: primary.clientId,
    clientSecret: primary.clientSecret,
    caCertPath: tls.caCertPath,
    adminToken,
    stateDir,
  });

  return {
    ...info(),
    caCertPem: tls.caCertPem,
    state: () => store.state,
    mutate(change) {
      change(store.state);
      store.markChanged();
      store.flush();
    },
    seed: (seed) => store.replace(stateFromSeed(seed)),
    reset,
    requests: () => log.list(),
    clearRequests: () => log.clear(),
    faults: {
      add: (rule) => faults.add(rule),
      list: () => faults.list(),
      remove: (id) => faults.remove(id),
      clear: () => faults.clear(),
    },
    maxConcurrent: (principal = `${primary.tenantId}:${primary.clientId}`) => limiter?.maxActive(principal) ?? 0,
    async stop() {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      store.flush();
      if (ownsStateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

function resolveSeed(seed: EmulatorOptions["seed"]): SeedInput {
  if (seed === undefined) return defaultSeed();
  if (typeof seed === "string") return loadSeedFile(seed);
  return seed;
}

/** The first tenant, its first environment and first app with a secret: what the CLI prints and tests use. */
function primaryIdentity(state: EmulatorState) {
  const tenant = state.tenants[0];
  const app = tenant?.apps.find((a) => a.secrets.length > 0) ?? tenant?.apps[0];
  return {
    tenantId: tenant?.id ?? "",
    environment: tenant?.environments[0]?.name ?? "",
    clientId: app?.clientId ?? "",
    clientSecret: app?.secrets[0] ?? "",
  };
}
