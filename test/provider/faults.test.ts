/**
 * The client against the emulator's fault injection and limits (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/operational-limits-online): throttling, bursts, dropped
 * connections, slow responses, and the per-principal limiter measured at the server.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { buildPackageXml, packRapidStart } from "../../formats/rapidstart";
import { TokenProvider } from "../../provider/auth/token-provider";
import { AutomationApi } from "../../provider/automation";
import type { ConnectOptions } from "../../provider/connection";
import { AmbiguousOutcomeError, TransportError } from "../../provider/errors";
import { HttpClient } from "../../provider/http/client";
import { resetProviderCaches, settingsFor, startTestEmulator, connect, testRuntime } from "./helpers/emu";

/** A list with a paging option is always sent (a plain list is one read shared by the whole run). */
const EVERY_TIME = { maxPageSize: 20_000 };

let emu: RunningEmulator;
beforeAll(async () => {
  // The emulator's own concurrency gate is widened so what it measures is the client's limiter.
  emu = await startTestEmulator({ limits: { maxConcurrent: 50 } });
});
afterAll(() => emu.stop());
afterEach(() => {
  emu.faults.clear();
  resetProviderCaches();
});

const FAST: ConnectOptions = { retry: { baseDelayMs: 20, maxDelayMs: 100 } };
const api = (options: ConnectOptions = FAST) => connect(settingsFor(emu), options).automation();
const fired = (id: string) => emu.faults.list().find((f) => f.id === id)?.fired ?? 0;

describe("throttling and transient failures", () => {
  it("survives 429 with Retry-After, waiting as told", async () => {
    const a = api();
    await a.companies.list(EVERY_TIME); // token and company cached first
    const rule = emu.faults.add({ method: "GET", path: "*/companies", status: 429, retryAfter: 1, count: 1 });
    const started = Date.now();
    expect((await a.companies.list(EVERY_TIME)).length).toBeGreaterThan(0);
    expect(fired(rule.id)).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("survives 429 without Retry-After by backing off", async () => {
    const rule = emu.faults.add({ method: "GET", path: "*/users", status: 429, count: 3 });
    expect((await api().users.list()).length).toBeGreaterThan(0);
    expect(fired(rule.id)).toBe(3);
  });

  it("survives a burst of 503s, and fails clearly when the burst outlasts the attempts", async () => {
    const burst = emu.faults.add({ method: "GET", path: "*/permissionSets", status: 503, count: 4 });
    expect((await api().permissionSets.list()).length).toBeGreaterThan(0);
    expect(fired(burst.id)).toBe(4);
    emu.faults.add({ method: "GET", path: "*/permissionSets", status: 503 });
    const err = await api({ retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 3 } })
      .permissionSets.list()
      .catch((e) => e);
    expect(err.status).toBe(503);
    expect(err.attempts).toBe(3);
    expect(err.message).toContain("ServiceUnavailable");
  });

  it("survives BC's own sliding-window limit (429 Rate limit exceeded)", async () => {
    const limited = await startTestEmulator({ limits: { windowRequests: 5, windowMs: 1000 } });
    try {
      const a = connect(settingsFor(limited), FAST).automation();
      const results = await Promise.all(Array.from({ length: 8 }, () => a.companies.list(EVERY_TIME)));
      expect(results.every((r) => r.length > 0)).toBe(true);
      expect(limited.requests().some((r) => r.status === 429)).toBe(true);
    } finally {
      await limited.stop();
    }
  });

  it("retries a GET whose connection dropped (before or after the server acted)", async () => {
    const before = emu.faults.add({ method: "GET", path: "*/extensions", drop: "before", count: 1 });
    const after = emu.faults.add({ method: "GET", path: "*/extensions", drop: "after", count: 1 });
    expect((await api().extensions.list()).length).toBeGreaterThan(0);
    expect(fired(before.id) + fired(after.id)).toBe(2);
  });

  it("does not replay an import whose connection dropped: AmbiguousOutcomeError, one request", async () => {
    const a = api();
    const companyId = await a.anyCompanyId();
    const code = `F${randomUUID().slice(0, 6)}`.toUpperCase();
    const pkg = await a.configurationPackages.create(companyId, { code });
    const xml = buildPackageXml({
      code,
      tables: [{ tableId: 3, tableName: "Payment Terms", records: [{ Code: "1M" }] }],
    });
    await a.configurationPackages.uploadFile(companyId, pkg.id, code, packRapidStart(xml));
    emu.faults.add({ method: "POST", path: "*/Microsoft.NAV.import", drop: "after", count: 1 });
    emu.clearRequests();
    const err = await a.configurationPackages.import(companyId, pkg.id).catch((e) => e);
    expect(err).toBeInstanceOf(AmbiguousOutcomeError);
    expect(emu.requests().filter((r) => r.method === "POST")).toHaveLength(1);
    // The caller reconciles by reading the package: the import did start.
    const settled = await a.configurationPackages.waitFor(companyId, pkg.id, "import", {
      initialIntervalMs: 20,
      onProgress: () => {},
    });
    expect(settled.importStatus).toBe("Completed");
  });

  it("recovers an ambiguous package create by its code", async () => {
    const a = api();
    const companyId = await a.anyCompanyId();
    const code = `G${randomUUID().slice(0, 6)}`.toUpperCase();
    const rule = emu.faults.add({ method: "POST", path: "*/configurationPackages", status: 502, count: 1 });
    // 502 before acting: the look-up finds nothing, so the create is sent once more.
    const pkg = await a.configurationPackages.create(companyId, { code });
    expect(fired(rule.id)).toBe(1);
    expect((await a.configurationPackages.list(companyId, { code })).map((p) => p.id)).toEqual([pkg.id]);
  });
});

describe("slow responses", () => {
  it("times out a slow attempt and retries it", async () => {
    const rule = emu.faults.add({ method: "GET", path: "*/securityGroups", delayMs: 600, count: 1 });
    const groups = await api({ ...FAST, timeoutMs: 200 }).securityGroups.list();
    expect(groups.length).toBeGreaterThan(0);
    expect(fired(rule.id)).toBe(1);
  });

  it("fails with a clear timeout when every attempt is too slow (also for slow bodies)", async () => {
    emu.faults.add({ method: "GET", path: "*/profiles", delayMs: 400 });
    const a = api({ retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 2 }, timeoutMs: 150 });
    const companyId = await a.anyCompanyId();
    const err = (await a.client
      .getJson(a.client.companyUrl(companyId, "profiles"))
      .catch((e: unknown) => e)) as TransportError;
    expect(err).toBeInstanceOf(TransportError);
    expect(err.kind).toBe("timeout");
    expect(err.message).toMatch(/GET .*profiles: timed out .*150 ms.*after 2 attempts/);

    emu.faults.add({ method: "GET", path: "*/users", slowBodyMs: 600 });
    const slowBody = await a.users.list().catch((e) => e);
    expect(slowBody).toBeInstanceOf(TransportError);
    expect(slowBody.kind).toBe("timeout");
  });
});

describe("the per-principal limiter, measured at the emulator", () => {
  it("never has more than 5 requests of the principal in processing", async () => {
    const slow = await startTestEmulator({ limits: { maxConcurrent: 50 }, latency: { kind: "fixed", ms: 40 } });
    try {
      const a = connect(settingsFor(slow)).automation();
      await Promise.all(Array.from({ length: 40 }, () => a.companies.list(EVERY_TIME)));
      expect(slow.maxConcurrent()).toBe(5);

      // Control: without the client's limiter the same burst exceeds 5 at the server.
      const settings = settingsFor(slow);
      const dispatcher = testRuntime().connections.dispatchers.get({ caCertPem: settings.caCertPem });
      const unlimited = new AutomationApi(
        new HttpClient({ dispatcher, tokens: new TokenProvider(settings, { dispatcher }) }),
        {
          apiBaseUrl: settings.apiBaseUrl,
          tenantId: settings.tenantId,
          environment: settings.environment,
        },
      );
      await Promise.all(Array.from({ length: 40 }, () => unlimited.companies.list(EVERY_TIME)));
      expect(slow.maxConcurrent()).toBeGreaterThan(5);
    } finally {
      await slow.stop();
    }
  });
});
