import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { connect as tcpConnect } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { resetProviderCaches, settingsFor, startTestEmulator, connect, testRuntime } from "./helpers/emu";

let emu: RunningEmulator;
const tunnels: string[] = [];
const proxy = createServer((_, res) => {
  res.writeHead(405);
  res.end();
});
// A minimal CONNECT proxy: what corporate proxies do for https.
proxy.on("connect", (req, client, head) => {
  tunnels.push(req.url ?? "");
  const [host, port] = (req.url ?? "").split(":");
  const upstream = tcpConnect(Number(port), host, () => {
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on("error", () => client.destroy());
  client.on("error", () => upstream.destroy());
});

beforeAll(async () => {
  emu = await startTestEmulator();
  await new Promise<void>((ok) => proxy.listen(0, "127.0.0.1", () => ok()));
});
afterAll(async () => {
  resetProviderCaches();
  await testRuntime().close();
  proxy.closeAllConnections();
  await new Promise<void>((ok) => proxy.close(() => ok()));
  await emu.stop();
});

it("sends token and API requests through an explicit proxy, trusting the emulator's CA end to end", async () => {
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const api = connect(settingsFor(emu, { proxy: proxyUrl })).automation();
  expect((await api.companies.list()).length).toBeGreaterThan(0);
  const target = new URL(emu.baseUrl).host;
  expect(tunnels.length).toBeGreaterThanOrEqual(1);
  expect(tunnels.every((t) => t === target)).toBe(true);
});
