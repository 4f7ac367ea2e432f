/**
 * Benchmark of the provider's HTTP client (not a test): requests per second through the full pipeline (retry,
 * bearer token, limiter, timeout, debug log check, JSON + zod validation) against a local server at 0 ms and at
 * 50 ms latency, and the client's overhead per request compared with raw undici on the same server.
 *
 *   npm run build && node dist/scripts/bench-client.js [--requests 2000] [--slow-requests 300]
 *
 * The local server answers a small OData collection (two companies). The token source is static, so the numbers
 * measure the client, not Entra. The limiter keeps BC's 5-in-flight cap but an unlimited request budget, so the
 * 6,000-per-5-minutes window does not dominate the run.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { staticTokenSource } from "../provider/auth/token-provider";
import { AutomationApi } from "../provider/automation";
import { HttpClient } from "../provider/http/client";
import { PrincipalLimiter } from "../provider/http/limiter";

const BODY = JSON.stringify({
  "@odata.context": "x",
  value: [
    {
      id: "d6e41ca4-0742-4493-a4d8-5c698e261d87",
      name: "CRONUS USA, Inc.",
      displayName: "CRONUS USA, Inc.",
      systemVersion: "29.1",
    },
    {
      id: "e20ae385-b179-46b9-ac03-cf6af4f9254a",
      name: "My Company",
      displayName: "My Company",
      systemVersion: "29.1",
    },
  ],
});

async function startServer(latencyMs: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    const answer = () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) });
      res.end(BODY);
    };
    if (latencyMs > 0) setTimeout(answer, latencyMs);
    else answer();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** Runs `total` calls of `fn` with `concurrency` workers; returns requests per second and mean latency (ms). */
async function run(total: number, concurrency: number, fn: () => Promise<unknown>) {
  let next = 0;
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const t0 = process.hrtime.bigint();
        await fn();
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return {
    rps: total / seconds,
    mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  };
}

async function main() {
  const { values } = parseArgs({
    options: { requests: { type: "string", default: "2000" }, "slow-requests": { type: "string", default: "300" } },
  });
  const fast = Number(values.requests);
  const slow = Number(values["slow-requests"]);
  const dispatcher = new Agent({ connections: 16, keepAliveTimeout: 30_000 });
  const limiter = new PrincipalLimiter({ maxConcurrent: 5, budget: Number.MAX_SAFE_INTEGER, windowMs: 300_000 });
  const http = new HttpClient({ dispatcher, tokens: staticTokenSource("bench-token"), limiter });
  const rows: string[][] = [["scenario", "req/s", "mean ms", "p99 ms"]];
  const fmt = (r: { rps: number; mean: number; p99: number }) => [
    r.rps.toFixed(0),
    r.mean.toFixed(3),
    r.p99.toFixed(3),
  ];

  for (const latency of [0, 50]) {
    const server = await startServer(latency);
    const api = new AutomationApi(http, { apiBaseUrl: server.url, tenantId: "t", environment: "production" });
    const url = `${server.url}/v2.0/t/production/api/microsoft/automation/v2.0/companies`;
    const raw = async () => {
      const res = await request(url, { dispatcher, headers: { authorization: "Bearer bench-token" } });
      JSON.parse(await res.body.text());
    };
    const total = latency === 0 ? fast : slow;
    // Warm up connections and JIT.
    await run(Math.min(200, total), 5, raw);
    await run(Math.min(200, total), 5, () => api.companies.list());

    const rawSeq = await run(total, 1, raw);
    const clientSeq = await run(total, 1, () => api.companies.list());
    const rawPar = await run(total, 5, raw);
    const clientPar = await run(total, 20, () => api.companies.list());
    rows.push([`${latency} ms, raw undici, 1 at a time`, ...fmt(rawSeq)]);
    rows.push([`${latency} ms, client, 1 at a time`, ...fmt(clientSeq)]);
    rows.push([`${latency} ms, raw undici, 5 in flight`, ...fmt(rawPar)]);
    rows.push([`${latency} ms, client, 20 callers (limiter: 5 in flight)`, ...fmt(clientPar)]);
    rows.push([
      `${latency} ms, client overhead per request (sequential)`,
      "",
      (clientSeq.mean - rawSeq.mean).toFixed(3),
      "",
    ]);
    await server.close();
  }
  await dispatcher.close();

  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  for (const row of rows) {
    process.stdout.write(
      `${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")}\n`,
    );
  }
  process.stdout.write(`limiter max in flight observed: ${limiter.concurrency.maxObserved}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
