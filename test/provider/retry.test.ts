import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "undici";
import { staticTokenSource, type TokenSource } from "../../provider/auth/token-provider";
import { AmbiguousOutcomeError, BcApiError, TransportError } from "../../provider/errors";
import { HttpClient, type HttpClientOptions } from "../../provider/http/client";
import { backoffDelay, parseRetryAfter } from "../../provider/http/retry";
import { type Loopback, delay, drop, json, startLoopback } from "./helpers/loopback";
import { failureOf } from "../helpers/failure";

let server: Loopback;
const dispatcher = new Agent({ keepAliveTimeout: 1000 });

beforeAll(async () => {
  server = await startLoopback();
});
afterAll(async () => {
  await server.close();
  await dispatcher.close();
});
afterEach(() => {
  server.seen.length = 0;
  server.maxInFlight = 0;
});

const FAST = { baseDelayMs: 10, maxDelayMs: 40 };
function client(options: Partial<HttpClientOptions> = {}) {
  return new HttpClient({ dispatcher, tokens: staticTokenSource("test-token"), retry: FAST, ...options });
}
const get = (c: HttpClient, path = "/x", extra = {}) =>
  c.request({ method: "GET", url: `${server.url}${path}`, ...extra });
const post = (c: HttpClient, path = "/x", extra = {}) =>
  c.request({
    method: "POST",
    url: `${server.url}${path}`,
    body: "{}",
    headers: { "content-type": "application/json" },
    ...extra,
  });

describe("Retry-After and backoff", () => {
  it("parses delta-seconds and HTTP dates", () => {
    const now = Date.parse("2026-11-01T10:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Sun, 01 Nov 2026 10:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Sun, 01 Nov 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it("draws full-jitter delays under an exponential, capped ceiling", () => {
    const opts = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, { ...opts, random: () => 0.999 })).toBe(99);
    expect(backoffDelay(3, { ...opts, random: () => 0.5 })).toBe(200);
    expect(backoffDelay(10, { ...opts, random: () => 0.999 })).toBe(999);
    expect(backoffDelay(4, { ...opts, random: () => 0 })).toBe(0);
  });
});

describe("retry policy against a loopback server", () => {
  it("survives 429 with Retry-After in seconds, waiting as told", async () => {
    server.setHandler((_, res, i) =>
      i === 0 ? json(res, 429, {}, { "retry-after": "1" }) : json(res, 200, { ok: 1 }),
    );
    const started = Date.now();
    const res = await get(client());
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(2);
    expect(server.seen[1]!.at - server.seen[0]!.at).toBeGreaterThanOrEqual(990);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("survives 429 with Retry-After as an HTTP date", async () => {
    server.setHandler((_, res, i) =>
      i === 0 ? json(res, 429, {}, { "retry-after": new Date(Date.now() + 2000).toUTCString() }) : json(res, 200, {}),
    );
    const res = await get(client());
    expect(res.status).toBe(200);
    // HTTP dates have one-second resolution: the wait is between 1 and 2 s.
    expect(server.seen[1]!.at - server.seen[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it("survives 429 without Retry-After by backing off", async () => {
    server.setHandler((_, res, i) =>
      i < 3 ? json(res, 429, { error: { code: "TooManyRequests", message: "slow down" } }) : json(res, 200, {}),
    );
    const res = await get(client());
    expect(res.attempts).toBe(4);
  });

  it("survives a burst of 503s and reports the attempts when the burst outlasts them", async () => {
    server.setHandler((_, res, i) => (i < 4 ? json(res, 503, {}) : json(res, 200, {})));
    expect((await get(client())).attempts).toBe(5);
    server.seen.length = 0;
    server.setHandler((_, res) => json(res, 503, { error: { code: "ServiceUnavailable", message: "busy" } }));
    const err = (await failureOf(get(client({ retry: { ...FAST, maxAttempts: 3 } })))) as BcApiError;
    expect(err).toBeInstanceOf(BcApiError);
    expect(err.status).toBe(503);
    expect(err.attempts).toBe(3);
    expect(err.message).toContain("after 3 attempts");
    expect(server.seen).toHaveLength(3);
  });

  it("retries every retryable status for GETs, and never 400/404/409", async () => {
    for (const status of [408, 425, 500, 502, 504]) {
      server.seen.length = 0;
      server.setHandler((_, res, i) => (i === 0 ? json(res, status, {}) : json(res, 200, {})));
      expect((await get(client())).attempts).toBe(2);
    }
    for (const status of [400, 404, 409]) {
      server.seen.length = 0;
      server.setHandler((_, res) => json(res, status, { error: { code: "X", message: "no" } }));
      const err = (await failureOf(get(client()))) as BcApiError;
      expect(err.status).toBe(status);
      expect(server.seen).toHaveLength(1);
    }
  });

  it("retries a GET after a dropped connection", async () => {
    server.setHandler((_, res, i) => (i < 2 ? drop(res) : json(res, 200, { ok: true })));
    const res = await get(client());
    expect(res.status).toBe(200);
    expect(server.seen).toHaveLength(3);
  });

  it("never replays a POST after a dropped connection: AmbiguousOutcomeError", async () => {
    server.setHandler((_, res) => drop(res));
    const err = await failureOf(post(client()));
    expect(err).toBeInstanceOf(AmbiguousOutcomeError);
    expect((err as Error).message).toContain("may or may not have taken effect");
    expect(server.seen).toHaveLength(1);
  });

  it("never replays a POST after a 5xx: AmbiguousOutcomeError carrying the service's error", async () => {
    server.setHandler((_, res) => json(res, 503, { error: { code: "ServiceUnavailable", message: "queue timeout" } }));
    const err = (await failureOf(post(client()))) as AmbiguousOutcomeError;
    expect(err).toBeInstanceOf(AmbiguousOutcomeError);
    expect(err.reason).toContain("queue timeout");
    expect(server.seen).toHaveLength(1);
  });

  it("does retry a POST on 429 (BC did not process it)", async () => {
    server.setHandler((_, res, i) =>
      i === 0 ? json(res, 429, {}, { "retry-after": "0" }) : json(res, 201, { id: 1 }),
    );
    const res = await post(client());
    expect(res.status).toBe(201);
    expect(server.seen).toHaveLength(2);
  });

  it("retries a POST whose connection was refused before sending, then fails clearly", async () => {
    const closed = await startLoopback();
    const url = closed.url;
    await closed.close();
    const c = client({ retry: { ...FAST, maxAttempts: 3 } });
    const err = (await failureOf(c.request({ method: "POST", url: `${url}/x`, body: "{}" }))) as TransportError;
    expect(err).toBeInstanceOf(TransportError);
    expect(err.kind).toBe("connection");
    expect(err.attempts).toBe(3);
    expect(err.message).toContain("ECONNREFUSED");
  });

  it("retries PATCH with If-Match, but not PATCH without it", async () => {
    server.setHandler((_, res, i) => (i === 0 ? json(res, 502, {}) : json(res, 200, {})));
    const c = client();
    const ok = await c.request({ method: "PATCH", url: `${server.url}/x`, headers: { "if-match": "*" }, body: "{}" });
    expect(ok.attempts).toBe(2);
    server.seen.length = 0;
    const err = await failureOf(c.request({ method: "PATCH", url: `${server.url}/x`, body: "{}" }));
    expect(err).toBeInstanceOf(AmbiguousOutcomeError);
  });

  it("times out slow responses per attempt, retries GETs, and fails with a clear timeout", async () => {
    server.setHandler(async (_, res, i) => {
      if (i === 0) await delay(400);
      json(res, 200, { ok: true });
    });
    const res = await get(client({ timeoutMs: 100 }));
    expect(res.attempts).toBe(2);

    server.seen.length = 0;
    server.setHandler(async (_, res) => {
      await delay(400);
      json(res, 200, {});
    });
    const err = (await failureOf(
      get(client({ timeoutMs: 100, retry: { ...FAST, maxAttempts: 2 } })),
    )) as TransportError;
    expect(err).toBeInstanceOf(TransportError);
    expect(err.kind).toBe("timeout");
    expect(err.message).toMatch(/timed out.*100 ms.*after 2 attempts/);
  });

  it("treats a timed-out POST as ambiguous", async () => {
    server.setHandler(async (_, res) => {
      await delay(300);
      json(res, 201, {});
    });
    expect(await failureOf(post(client({ timeoutMs: 80 })))).toBeInstanceOf(AmbiguousOutcomeError);
    expect(server.seen).toHaveLength(1);
  });

  it("gives up at once when Retry-After exceeds the overall deadline", async () => {
    server.setHandler((_, res) =>
      json(res, 429, { error: { code: "TooManyRequests", message: "wait" } }, { "retry-after": "30" }),
    );
    const started = Date.now();
    const err = (await failureOf(get(client({ deadlineMs: 2000 })))) as BcApiError;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.status).toBe(429);
    expect(err.retryAfterMs).toBe(30_000);
    expect(err.hint).toContain("throttling");
  });

  it("stops waiting when cancelled", async () => {
    server.setHandler((_, res) => json(res, 503, {}, { "retry-after": "5" }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = (await failureOf(get(client(), "/x", { signal: controller.signal }))) as TransportError;
    expect(err).toBeInstanceOf(TransportError);
    expect(err.kind).toBe("aborted");
  });

  it("refreshes the token once on 401 and retries (also for POSTs)", async () => {
    let issued = 0;
    const invalidated: string[] = [];
    const tokens: TokenSource = {
      async getToken() {
        issued++;
        const token = issued === 1 ? "stale-token" : "fresh-token";
        return { token, expiresOnMs: Date.now() + 60_000, refreshAtMs: Date.now() + 60_000, roles: [] };
      },
      invalidate: (t) => invalidated.push(t),
    };
    server.setHandler((req, res) =>
      req.headers.authorization === "Bearer fresh-token"
        ? json(res, 201, {})
        : json(res, 401, { error: { code: "Authentication_InvalidCredentials", message: "no" } }),
    );
    const res = await post(client({ tokens }));
    expect(res.status).toBe(201);
    expect(invalidated).toEqual(["stale-token"]);
    expect(server.seen).toHaveLength(2);
  });

  it("gives up after one refresh when the service keeps answering 401", async () => {
    server.setHandler((_, res) =>
      json(res, 401, { error: { code: "Authentication_InvalidCredentials", message: "no" } }),
    );
    const err = (await failureOf(get(client()))) as BcApiError;
    expect(err.status).toBe(401);
    expect(server.seen).toHaveLength(2);
  });

  it("requires https except for loopback hosts", async () => {
    const err = (await failureOf(client().request({ method: "GET", url: "http://example.com/x" }))) as TransportError;
    expect(err.kind).toBe("insecure");
    expect(err.message).toContain("https is required");
  });
});
