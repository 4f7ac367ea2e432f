/**
 * Benchmark of the emulator itself (not a test; issue 3 "Done when"): prints
 *
 *  (a) requests per second it sustains on loopback at latency 0 with limits off, with p50/p95/p99 latency, for
 *      `GET companies` and `GET companies(<id>)/automationCompanies(<id>)`;
 *  (b) with BC's limits on and 50 ms latency, under a 50-way concurrent load: the most requests the emulator had
 *      in processing at once for the principal (the limiter must hold it at 5) and the resulting throughput;
 *  (c) token endpoint throughput (client credentials with a secret).
 *
 *   npm run build && node dist/scripts/bench-emulator.js [--seconds 5] [--connections 64] [--in-process]
 *
 * The emulator runs in a worker thread by default, so the load generator (this thread) does not share its event
 * loop and the figures are the emulator's. `--in-process` runs both on one thread, as the test suite does.
 * Loopback only; bounded runtime (about 25 s with the defaults).
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { Pool } from "undici";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../emulator";

const BC_SCOPE = "https://api.businesscentral.dynamics.com/.default";

/** What the load generator needs to know about a running emulator. */
interface EmulatorHandle {
  baseUrl: string;
  tenantId: string;
  environment: string;
  clientId: string;
  clientSecret: string;
  caCertPem: string;
  maxConcurrent(): Promise<number>;
  stop(): Promise<void>;
}

type WorkerMessage =
  | { type: "ready"; info: Omit<EmulatorHandle, "maxConcurrent" | "stop"> }
  | { type: "maxConcurrent"; value: number }
  | { type: "stopped" };

// ----- The emulator side (worker thread) ---------------------------------------------------------------------

async function serveInWorker(options: EmulatorOptions) {
  const emu = await startEmulator(options);
  const port = parentPort!;
  port.on("message", async (msg: { type: string }) => {
    if (msg.type === "maxConcurrent") port.postMessage({ type: "maxConcurrent", value: emu.maxConcurrent() });
    if (msg.type === "stop") {
      await emu.stop();
      port.postMessage({ type: "stopped" });
      port.close();
    }
  });
  port.postMessage({ type: "ready", info: publicInfo(emu) });
}

function publicInfo(emu: RunningEmulator): Omit<EmulatorHandle, "maxConcurrent" | "stop"> {
  const { baseUrl, tenantId, environment, clientId, clientSecret, caCertPem } = emu;
  return { baseUrl, tenantId, environment, clientId, clientSecret, caCertPem };
}

/** Starts an emulator in a worker thread (or in this thread) and returns a handle to it. */
async function launch(options: EmulatorOptions, inProcess: boolean): Promise<EmulatorHandle> {
  if (inProcess) {
    const emu = await startEmulator(options);
    return { ...publicInfo(emu), maxConcurrent: async () => emu.maxConcurrent(), stop: () => emu.stop() };
  }
  const worker = new Worker(__filename, { workerData: options });
  const next = <T extends WorkerMessage["type"]>(type: T) =>
    new Promise<Extract<WorkerMessage, { type: T }>>((resolve, reject) => {
      const onMessage = (msg: WorkerMessage) => {
        if (msg.type !== type) return;
        worker.off("message", onMessage);
        resolve(msg as Extract<WorkerMessage, { type: T }>);
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
  const { info } = await next("ready");
  return {
    ...info,
    async maxConcurrent() {
      const reply = next("maxConcurrent");
      worker.postMessage({ type: "maxConcurrent" });
      return (await reply).value;
    },
    async stop() {
      const reply = next("stopped");
      worker.postMessage({ type: "stop" });
      await reply;
      await worker.terminate();
    },
  };
}

// ----- The load generator ------------------------------------------------------------------------------------

interface LoadResult {
  requests: number;
  seconds: number;
  statuses: Map<number, number>;
  latenciesMs: number[];
}

/** `concurrency` callers, each sending the next request when its previous one completed, for `seconds`. */
async function load(concurrency: number, seconds: number, send: () => Promise<number>): Promise<LoadResult> {
  const statuses = new Map<number, number>();
  const latenciesMs: number[] = [];
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const t0 = process.hrtime.bigint();
        const status = await send();
        latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  return {
    requests: latenciesMs.length,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    statuses,
    latenciesMs,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

function summary(name: string, r: LoadResult): string {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  const statuses = [...r.statuses].map(([s, n]) => `${s}×${n}`).join(" ");
  return [
    name.padEnd(58),
    `${(r.requests / r.seconds).toFixed(0).padStart(6)} req/s`,
    `p50 ${percentile(sorted, 0.5).toFixed(2).padStart(7)} ms`,
    `p95 ${percentile(sorted, 0.95).toFixed(2).padStart(7)} ms`,
    `p99 ${percentile(sorted, 0.99).toFixed(2).padStart(7)} ms`,
    `(${r.requests} requests; ${statuses})`,
  ].join("  ");
}

async function token(pool: Pool, emu: EmulatorHandle): Promise<string> {
  const res = await pool.request({
    method: "POST",
    path: `/${emu.tenantId}/oauth2/v2.0/token`,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: tokenForm(emu),
  });
  const json = (await res.body.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`token request failed with ${res.statusCode}`);
  return json.access_token;
}

const tokenForm = (emu: EmulatorHandle) =>
  new URLSearchParams({
    grant_type: "client_credentials",
    client_id: emu.clientId,
    client_secret: emu.clientSecret,
    scope: BC_SCOPE,
  }).toString();

/** A GET that reads and parses the JSON answer (as a client would) and returns the status. */
function getter(pool: Pool, path: string, bearer: string) {
  return async () => {
    const res = await pool.request({ method: "GET", path, headers: { authorization: `Bearer ${bearer}` } });
    const text = await res.body.text();
    if (res.statusCode === 200) JSON.parse(text);
    return res.statusCode;
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "5" },
      connections: { type: "string", default: "64" },
      "in-process": { type: "boolean", default: false },
    },
  });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const inProcess = values["in-process"] === true;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const cpu = cpus();
  out(
    `Emulator benchmark: ${inProcess ? "emulator and load generator on one thread" : "emulator in a worker thread"}, ${seconds} s per scenario, Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? "CPU"}`,
  );

  // (a) + (c): limits off, no latency.
  {
    const emu = await launch({ limits: false, timeScale: 1 }, inProcess);
    const pool = new Pool(emu.baseUrl, { connect: { ca: emu.caCertPem }, connections, pipelining: 1 });
    try {
      const bearer = await token(pool, emu);
      const root = `/v2.0/${emu.tenantId}/${emu.environment}/api/microsoft/automation/v2.0`;
      const companies = await pool.request({
        method: "GET",
        path: `${root}/companies`,
        headers: { authorization: `Bearer ${bearer}` },
      });
      const cid = ((await companies.body.json()) as { value: { id: string }[] }).value[0].id;
      const list = getter(pool, `${root}/companies`, bearer);
      const single = getter(pool, `${root}/companies(${cid})/automationCompanies(${cid})`, bearer);
      await load(connections, 2, list); // warm-up: connections, TLS sessions, JIT
      out("\n(a) limits off, latency 0");
      out(summary(`GET companies, ${connections} connections`, await load(connections, seconds, list)));
      out(
        summary(`GET automationCompanies(<id>), ${connections} connections`, await load(connections, seconds, single)),
      );
      out(summary("GET companies, 1 connection (sequential)", await load(1, Math.min(seconds, 3), list)));

      out("\n(c) token endpoint (client secret)");
      const tokens = async () => {
        const res = await pool.request({
          method: "POST",
          path: `/${emu.tenantId}/oauth2/v2.0/token`,
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: tokenForm(emu),
        });
        await res.body.text();
        return res.statusCode;
      };
      out(
        summary(
          `POST oauth2/v2.0/token, ${Math.min(connections, 32)} connections`,
          await load(Math.min(connections, 32), Math.min(seconds, 3), tokens),
        ),
      );
    } finally {
      await pool.close();
      await emu.stop();
    }
  }

  // (b) limits on (BC's defaults), 50 ms latency, 50 concurrent callers of one principal.
  {
    const latencyMs = 50;
    const callers = 50;
    const emu = await launch({ latency: { kind: "fixed", ms: latencyMs }, timeScale: 1 }, inProcess);
    const pool = new Pool(emu.baseUrl, { connect: { ca: emu.caCertPem }, connections: callers, pipelining: 1 });
    try {
      const bearer = await token(pool, emu);
      const root = `/v2.0/${emu.tenantId}/${emu.environment}/api/microsoft/automation/v2.0`;
      const list = getter(pool, `${root}/companies`, bearer);
      out(`\n(b) limits on (5 in flight per principal), latency ${latencyMs} ms, ${callers} concurrent callers`);
      const result = await load(callers, seconds, list);
      out(summary(`GET companies, ${callers} callers`, result));
      const maxInFlight = await emu.maxConcurrent();
      const ceiling = (5 * 1000) / latencyMs;
      out(
        `max in flight observed by the emulator for the principal: ${maxInFlight} (limit 5); throughput ${(result.requests / result.seconds).toFixed(1)} req/s (ceiling 5 / ${latencyMs} ms = ${ceiling} req/s)`,
      );
      if (maxInFlight !== 5) {
        out(`LIMITER DID NOT HOLD: expected 5 requests in flight at most, observed ${maxInFlight}`);
        process.exitCode = 1;
      }
    } finally {
      await pool.close();
      await emu.stop();
    }
  }
}

if (isMainThread) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
} else {
  serveInWorker(workerData as EmulatorOptions).catch((err) => {
    process.stderr.write(`emulator worker: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
