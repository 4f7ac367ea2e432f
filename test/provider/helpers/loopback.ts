/**
 * A tiny scriptable HTTP server on 127.0.0.1 for transport-policy tests (retry, timeouts, limiter): each test
 * decides per request what to answer, delay, or whether to drop the connection. It stands in for nothing in
 * Business Central's semantics — only for how a server can behave on the wire.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { staticTokenSource } from "../../../provider/auth/token-provider";
import { AutomationApi } from "../../../provider/automation";
import { HttpClient } from "../../../provider/http/client";

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
}

export type Handler = (req: SeenRequest, res: ServerResponse, index: number) => void | Promise<void>;

export interface Loopback {
  url: string;
  seen: SeenRequest[];
  /** Highest number of requests being handled at once. */
  maxInFlight: number;
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

export async function startLoopback(handler: Handler = (_, res) => json(res, 200, { ok: true })): Promise<Loopback> {
  let current = handler;
  let inFlight = 0;
  const state: Loopback = {
    url: "",
    seen: [],
    maxInFlight: 0,
    setHandler(h) {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer(async (req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on("close", () => {
      inFlight--;
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const seen: SeenRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      at: Date.now(),
    };
    state.seen.push(seen);
    try {
      await current(seen, res, state.seen.length - 1);
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Closes the connection without an answer (a dropped connection / reset). */
export function drop(res: ServerResponse): void {
  res.socket?.destroy();
}

/** A loopback server and an Automation API client for it (static token, fast retries, no shared reads). */
export async function loopbackAutomation(): Promise<{
  server: Loopback;
  api: AutomationApi;
  close(): Promise<void>;
}> {
  const server = await startLoopback();
  const dispatcher = new Agent();
  const api = new AutomationApi(
    new HttpClient({ dispatcher, tokens: staticTokenSource("t"), retry: { baseDelayMs: 5 } }),
    {
      apiBaseUrl: server.url,
      tenantId: "6f1f7b3e-2c4d-4b8a-9e1f-0a2b3c4d5e6f",
      environment: "production",
      // Tests change the server's answer between calls: no shared read may outlive one call.
      snapshots: { maxAgeMs: 0 },
    },
  );
  return {
    server,
    api,
    async close() {
      await server.close();
      await dispatcher.close();
    },
  };
}
