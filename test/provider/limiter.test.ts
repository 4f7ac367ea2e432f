import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "undici";
import { staticTokenSource } from "../../provider/auth/token-provider";
import { HttpClient } from "../../provider/http/client";
import { LimiterPool, PrincipalLimiter, Semaphore, SlidingWindow } from "../../provider/http/limiter";
import { type Loopback, delay, json, startLoopback } from "./helpers/loopback";

let server: Loopback;
const dispatcher = new Agent({ connections: 50 });
beforeAll(async () => {
  server = await startLoopback(async (_, res) => {
    await delay(30);
    json(res, 200, {});
  });
});
afterAll(async () => {
  await server.close();
  await dispatcher.close();
});

describe("Semaphore and SlidingWindow", () => {
  it("grants permits in arrival order and never more than the limit", async () => {
    const sem = new Semaphore(2);
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map(async (n) => {
        const release = await sem.acquire();
        order.push(n);
        await delay(5);
        release();
      }),
    );
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(sem.maxObserved).toBe(2);
    expect(sem.inFlight).toBe(0);
  });

  it("lets a waiting acquirer be cancelled", async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const controller = new AbortController();
    const waiting = sem.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow();
    expect(sem.queued).toBe(0);
    release();
  });

  it("holds requests beyond the budget until the window slides", async () => {
    const window = new SlidingWindow(3, 200);
    const started = Date.now();
    const times: number[] = [];
    await Promise.all([1, 2, 3, 4, 5, 6].map(() => window.take().then(() => times.push(Date.now() - started))));
    expect(times.filter((t) => t < 100)).toHaveLength(3);
    expect(times.filter((t) => t >= 195)).toHaveLength(3);
  });
});

describe("per-principal limiter measured at a loopback server", () => {
  it("never has more than 5 requests in flight (the default), even from several clients of one principal", async () => {
    const limiters = new LimiterPool();
    const limiter = limiters.for("tenant-a:client-a");
    expect(limiter).toBe(limiters.for("tenant-a:client-a"));
    const make = () =>
      new HttpClient({ dispatcher, tokens: staticTokenSource("t"), limiter: limiters.for("tenant-a:client-a") });
    const [a, b] = [make(), make()];
    server.maxInFlight = 0;
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).request({ method: "GET", url: `${server.url}/r${i}` })),
    );
    expect(server.maxInFlight).toBe(5);
    expect(limiter.concurrency.maxObserved).toBe(5);
  });

  it("a different principal has its own limiter", async () => {
    const one = new HttpClient({
      dispatcher,
      tokens: staticTokenSource("t"),
      limiter: new PrincipalLimiter({ maxConcurrent: 2, budget: 100, windowMs: 1000 }),
    });
    const two = new HttpClient({
      dispatcher,
      tokens: staticTokenSource("t"),
      limiter: new PrincipalLimiter({ maxConcurrent: 2, budget: 100, windowMs: 1000 }),
    });
    server.maxInFlight = 0;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? one : two).request({ method: "GET", url: `${server.url}/p${i}` })),
    );
    expect(server.maxInFlight).toBe(4);
  });

  it("slows a burst down to the request budget", async () => {
    const c = new HttpClient({
      dispatcher,
      tokens: staticTokenSource("t"),
      limiter: new PrincipalLimiter({ maxConcurrent: 5, budget: 4, windowMs: 300 }),
    });
    const started = Date.now();
    server.seen.length = 0;
    await Promise.all(Array.from({ length: 8 }, (_, i) => c.request({ method: "GET", url: `${server.url}/b${i}` })));
    const arrivals = server.seen.map((s) => s.at - started).sort((x, y) => x - y);
    expect(arrivals[3]!).toBeLessThan(250);
    expect(arrivals[4]!).toBeGreaterThanOrEqual(290);
  });
});
