/**
 * Does `$batch` pay? Sends the same N permission assignments (POST users(…)/userPermissions) to the emulator
 * one per request with 5 in flight (what the provider does), and in `$batch` requests of k operations with 5 batches
 * in flight, under the emulator's batch cost model (emulator/automation/batch.ts): a request costs `latency`, a batch
 * costs `latency + (k − 1) × operationMs`. `--network` is the part of the latency that is not server work; with the
 * default 0 a batch saves nothing (the conservative model), so pass the share you believe.
 *
 *   npm run build && node dist/scripts/bench-batch.js [--operations 200] [--latency 250] [--network 50]
 */
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import type { RunningEmulator } from "../emulator";
import { benchUserName, clientCredentialsToken, startBenchEmulator } from "./lib/bench-fixture";

const IN_FLIGHT = 5;

async function main() {
  const { values } = parseArgs({
    options: {
      operations: { type: "string", default: "200" },
      latency: { type: "string", default: "250" },
      network: { type: "string", default: "0" },
    },
  });
  const operations = Number(values.operations);
  const latencyMs = Number(values.latency);
  const networkMs = Number(values.network);
  const emu = await startBenchEmulator(
    { users: operations, latencyMs, jitterMs: 0 },
    { batch: { operationMs: latencyMs - networkMs } },
  );
  const dispatcher = new Agent({ connect: { ca: emu.caCertPem } });
  try {
    const client = await clientFor(emu, dispatcher);
    const rows = [
      `$batch on the emulator: ${operations} creates, latency ${latencyMs} ms of which ${networkMs} ms network (operationMs ${latencyMs - networkMs})`,
      "| requests of | requests | wall time | vs one per request |",
      "|---|---|---|---|",
    ];
    let single = 0;
    for (const size of [1, 8, 20, 50, 100]) {
      const started = Date.now();
      const sent = await createAll(client, operations, size);
      const ms = Date.now() - started;
      if (size === 1) single = ms;
      rows.push(
        `| ${size === 1 ? "1 (no batch)" : `${size} ops`} | ${sent} | ${(ms / 1000).toFixed(1)} s | ${(single / ms).toFixed(2)}× |`,
      );
      await client.removeAll();
    }
    process.stdout.write(`${rows.join("\n")}\n`);
  } finally {
    await dispatcher.close();
    await emu.stop();
  }
}

interface BatchClient {
  grantUrl(i: number): string;
  send(method: string, url: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  batchUrl: string;
  removeAll(): Promise<void>;
}

/** Creates `operations` grants in requests of `size` operations (1 = plain requests), 5 requests in flight. */
async function createAll(client: BatchClient, operations: number, size: number): Promise<number> {
  const groups: number[][] = [];
  for (let i = 0; i < operations; i += size)
    groups.push(Array.from({ length: Math.min(size, operations - i) }, (_, j) => i + j));
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++]!;
      const body = { roleId: "D365 READ", company: "" };
      if (size === 1) {
        const res = await client.send("POST", client.grantUrl(group[0]!), body);
        if (res.status !== 201) throw new Error(`create: HTTP ${res.status}`);
        continue;
      }
      const requests = group.map((i) => ({ id: String(i), method: "POST", url: client.grantUrl(i), body }));
      const res = await client.send("POST", client.batchUrl, { requests });
      const failed = (res.body as { responses: { status: number }[] }).responses.filter((r) => r.status !== 201);
      if (res.status !== 200 || failed.length > 0)
        throw new Error(`batch: HTTP ${res.status}, ${failed.length} failed`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return groups.length;
}

async function clientFor(emu: RunningEmulator, dispatcher: Agent): Promise<BatchClient> {
  const token = await clientCredentialsToken(emu, dispatcher);
  const root = `${emu.baseUrl}/v2.0/${emu.tenantId}/${emu.environment}/api/microsoft/automation/v2.0`;
  const environment = () => emu.state().tenants[0]!.environments.find((e) => e.name === emu.environment)!;
  const company = environment().companies[0]!.id;
  const userIds = new Map(environment().users.map((u) => [u.userName, u.userSecurityId]));
  const send = async (method: string, url: string, body?: unknown) => {
    const res = await request(url, {
      method: method as "POST",
      dispatcher,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  return {
    batchUrl: `${root}/$batch`,
    grantUrl: (i) => `companies(${company})/users(${userIds.get(benchUserName(i))})/userPermissions`,
    send: (method, url, body) => send(method, /^https:/.test(url) ? url : `${root}/${url}`, body),
    // Back to the seed between rounds, without timing it.
    async removeAll() {
      emu.mutate((state) => {
        const env = state.tenants[0]!.environments.find((e) => e.name === emu.environment)!;
        env.accessControls = env.accessControls.filter((ac) => ac.roleId !== "D365 READ");
      });
    },
  };
}

main().catch((err) => {
  process.stderr.write(`bench-batch failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
