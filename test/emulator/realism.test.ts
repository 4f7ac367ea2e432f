import { afterEach, describe, expect, it } from "vitest";
import { startEmulatorHarness, type TestEmulator } from "../helpers/emulator";

let t: TestEmulator | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const companiesPath = (t: TestEmulator) => `${t.apiRoot()}/companies`;

describe("BC limits per principal", () => {
  it("processes at most 5 requests at once and queues the rest (all succeed)", async () => {
    t = await startEmulatorHarness({ latency: { kind: "fixed", ms: 60 } });
    await t.token();
    const results = await Promise.all(Array.from({ length: 25 }, () => t!.call("GET", "companies")));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(t.emu.maxConcurrent()).toBe(5);
  });

  it("answers 429 with BC's text when processed + queued exceed the connection limit", async () => {
    // The latency keeps all 14 requests in processing at once even on a loaded machine (TLS set-ups included).
    t = await startEmulatorHarness({ latency: { kind: "fixed", ms: 1_500 }, limits: { maxConnections: 10 } });
    await t.token();
    const results = await Promise.all(Array.from({ length: 14 }, () => t!.call("GET", "companies")));
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBe(4);
    expect(refused[0].json.error.message).toMatch(/^Too many requests reached\. Actual \(11\)\. Maximum \(10\)\./);
    expect(results.filter((r) => r.status === 200).length).toBe(10);
  });

  it("answers 429 once the sliding-window budget is spent, with Retry-After by default", async () => {
    t = await startEmulatorHarness({ limits: { windowRequests: 5, windowMs: 60_000 } });
    for (let i = 0; i < 5; i++) expect((await t.call("GET", "companies")).status).toBe(200);
    const over = await t.call("GET", "companies");
    expect(over.status).toBe(429);
    expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("omits Retry-After on 429 when switched off", async () => {
    t = await startEmulatorHarness({ limits: { windowRequests: 1, windowMs: 60_000, retryAfterOn429: false } });
    await t.call("GET", "companies");
    const over = await t.call("GET", "companies");
    expect(over.status).toBe(429);
    expect(over.headers["retry-after"]).toBeUndefined();
  });

  it("answers 503 when a request waits in the queue longer than the queue timeout", async () => {
    t = await startEmulatorHarness({
      timeScale: 1,
      latency: { kind: "fixed", ms: 400 },
      limits: { maxConcurrent: 1, queueTimeoutMs: 100 },
    });
    await t.token();
    const [a, b] = await Promise.all([t.call("GET", "companies"), t.call("GET", "companies")]);
    expect([a.status, b.status].sort()).toEqual([200, 503]);
  });

  it("can be turned off", async () => {
    t = await startEmulatorHarness({ limits: false, latency: { kind: "fixed", ms: 40 } });
    await t.token();
    await Promise.all(Array.from({ length: 12 }, () => t!.call("GET", "companies")));
    expect(t.emu.maxConcurrent()).toBe(0);
  });
});

describe("time limits", () => {
  it("answers 408 past the operation timeout and 504 past the gateway timeout (scaled)", async () => {
    t = await startEmulatorHarness({ timeScale: 0.001 }); // 8 min ⇒ 480 ms, 10 min ⇒ 600 ms
    t.emu.faults.add({ path: "*/companies", delayMs: 530, count: 1 });
    const slow = await t.call("GET", "companies");
    expect(slow.status).toBe(408);
    t.emu.faults.add({ path: "*/companies", delayMs: 900, count: 1 });
    const slower = await t.call("GET", "companies");
    expect(slower.status).toBe(504);
  });
});

describe("latency", () => {
  it("adds the configured fixed latency", async () => {
    t = await startEmulatorHarness({ latency: { kind: "fixed", ms: 120 } });
    await t.token();
    const started = Date.now();
    await t.call("GET", "companies");
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
  });
});

describe("fault injection", () => {
  it("answers a status with a BC-shaped body for `count` times, and reports how often it fired", async () => {
    t = await startEmulatorHarness();
    const rule = t.emu.faults.add({ method: "GET", path: "*/companies", status: 503, retryAfter: 2, count: 2 });
    const a = await t.call("GET", "companies");
    const b = await t.call("GET", "companies");
    const c = await t.call("GET", "companies");
    expect([a.status, b.status, c.status]).toEqual([503, 503, 200]);
    expect(a.json.error.code).toBe("ServiceUnavailable");
    expect(a.headers["retry-after"]).toBe("2");
    expect(t.emu.faults.list().find((f) => f.id === rule.id)?.fired).toBe(2);
  });

  it("matches by method and path pattern only", async () => {
    t = await startEmulatorHarness();
    t.emu.faults.add({ method: "POST", path: "*/automationCompanies", status: 500 });
    const cid = await t.companyId();
    expect((await t.call("GET", `companies(${cid})/automationCompanies`)).status).toBe(200);
    const post = await t.call("POST", `companies(${cid})/automationCompanies`, { body: { displayName: "Never" } });
    expect(post.status).toBe(500);
    expect(post.json.error.code).toBe("Internal_ServerError");
    const names = (await t.call("GET", "companies")).json.value.map((c: { name: string }) => c.name);
    expect(names).not.toContain("Never");
  });

  it("fires with a probability (seeded, so reproducible)", async () => {
    t = await startEmulatorHarness({ faultSeed: 42 });
    t.emu.faults.add({ path: "*/companies", status: 500, probability: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await t.call("GET", "companies")).status);
    const failed = statuses.filter((s) => s === 500).length;
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(35);
  });

  it("drops the connection before the server acts: the POST did not take effect", async () => {
    t = await startEmulatorHarness();
    const cid = await t.companyId();
    t.emu.faults.add({ method: "POST", path: "*/automationCompanies", drop: "before", count: 1 });
    await expect(
      t.call("POST", `companies(${cid})/automationCompanies`, { body: { displayName: "Dropped Before" } }),
    ).rejects.toThrow();
    const names = (await t.call("GET", "companies")).json.value.map((c: { name: string }) => c.name);
    expect(names).not.toContain("Dropped Before");
  });

  it("drops the connection after the server acted: the POST took effect although the client saw an error", async () => {
    t = await startEmulatorHarness();
    const cid = await t.companyId();
    t.emu.faults.add({ method: "POST", path: "*/automationCompanies", drop: "after", count: 1 });
    await expect(
      t.call("POST", `companies(${cid})/automationCompanies`, { body: { displayName: "Dropped After" } }),
    ).rejects.toThrow();
    const names = (await t.call("GET", "companies")).json.value.map((c: { name: string }) => c.name);
    expect(names).toContain("Dropped After");
  });

  it("sends a slow body", async () => {
    t = await startEmulatorHarness();
    await t.token();
    t.emu.faults.add({ path: "*/companies", slowBodyMs: 300, count: 1 });
    const started = Date.now();
    const res = await t.call("GET", "companies");
    expect(res.status).toBe(200);
    expect(res.json.value.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("is controllable over the control plane, and refuses an invalid rule naming the field", async () => {
    t = await startEmulatorHarness();
    const admin = t.emu.adminToken;
    const control = `${t.emu.baseUrl}/_emulator/faults`;
    const bad = await t.call("POST", control, { token: admin, body: { path: "*", status: 42 } });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain("'status'");
    const noEffect = await t.call("POST", control, { token: admin, body: { path: "*" } });
    expect(noEffect.status).toBe(400);
    const added = await t.call("POST", control, { token: admin, body: { path: "*/companies", status: 502, count: 1 } });
    expect(added.status).toBe(201);
    expect((await t.call("GET", "companies")).status).toBe(502);
    const listed = await t.call("GET", control, { token: admin });
    expect(listed.json.value[0]).toMatchObject({ id: added.json.id, fired: 1 });
    expect((await t.call("DELETE", `${control}/${added.json.id}`, { token: admin })).status).toBe(204);
    expect((await t.call("GET", control, { token: admin })).json.value).toEqual([]);
  });

  it("starts with rules given as options", async () => {
    t = await startEmulatorHarness({ faults: [{ path: "*/companies", status: 429, count: 1 }] });
    expect((await t.call("GET", "companies")).status).toBe(429);
    expect((await t.call("GET", "companies")).status).toBe(200);
  });
});

void companiesPath;
