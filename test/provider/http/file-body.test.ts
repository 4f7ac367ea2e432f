/**
 * File bodies (`fileBody(path)`) on the wire: the bytes the server receives are the file's, whatever the protocol
 * and however slowly the server reads (the transport reuses one read buffer, safe only if undici is done with a
 * chunk before asking for the next); every attempt reads the file afresh; a file that went missing or changed
 * fails clearly, without retries. Memory is measured by the benchmark (scripts/lib/bench-memory.ts), not here.
 */
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type ServerResponse, createServer as createHttpServer } from "node:http";
import { type Http2ServerRequest, type Http2ServerResponse, createSecureServer } from "node:http2";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../emulator";
import { ensureTlsMaterial } from "../../../emulator/tls/certificates";
import { HttpClient } from "../../../provider/http/client";
import { FileBodyError } from "../../../provider/http/file-stream";
import { fileBody } from "../../../provider/http/transport";
import { resetProviderCaches, settingsFor, startTestEmulator, connect, testRuntime } from "../helpers/emu";

const MiB = 1024 * 1024;
/** Not a multiple of the read buffer: the last chunk is a short one. */
const SIZE = 12 * MiB + 12_345;

interface Received {
  httpVersion: string;
  contentLength: string | undefined;
  bytes: number;
  sha256?: string;
}

/** What the sink does with request `index` (0-based): drop the connection after some bytes, or call back. */
interface Script {
  dropAfter?: (index: number) => number | undefined;
  onArrival?: (index: number) => Promise<void> | void;
}

interface Sink {
  url: string;
  received: Received[];
  script: Script;
  close(): Promise<void>;
}

let dir: string;
let caCertPem: string;
let sinks: Record<"https" | "h2" | "http", Sink>;

/** Hashes each upload; pauses after every MiB, so the client has to wait for the connection to drain. */
function sinkHandler(sink: Omit<Sink, "url" | "close">) {
  return async (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    const index = sink.received.length;
    const seen: Received = { httpVersion: req.httpVersion, contentLength: req.headers["content-length"], bytes: 0 };
    sink.received.push(seen);
    await sink.script.onArrival?.(index);
    await sleep(100); // the socket buffers fill up meanwhile: the client's writes queue and it has to wait for 'drain'
    const dropAfter = sink.script.dropAfter?.(index);
    const hash = createHash("sha256");
    let unpaused = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        hash.update(chunk);
        seen.bytes += chunk.length;
        if (dropAfter !== undefined && seen.bytes >= dropAfter) {
          req.socket.destroy();
          return;
        }
        unpaused += chunk.length;
        if (unpaused >= MiB) {
          unpaused = 0;
          await sleep(20);
        }
      }
    } catch {
      return; // the client gave up on this request
    }
    seen.sha256 = hash.digest("hex");
    res.statusCode = 204;
    res.end();
  };
}

async function startSink(kind: keyof typeof sinks, tls: { certPem: string; keyPem: string }): Promise<Sink> {
  const state = { received: [] as Received[], script: {} as Script };
  const handler = sinkHandler(state);
  const options = { cert: tls.certPem, key: tls.keyPem };
  const server: Server =
    kind === "h2"
      ? createSecureServer({ ...options, allowHTTP1: false }, handler)
      : kind === "https"
        ? createHttpsServer(options, handler)
        : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const sessions = new Set<{ destroy(): void }>();
  server.on("session", (s) => sessions.add(s));
  server.on("connection", (s) => sessions.add(s));
  return Object.assign(state, {
    url: `${kind === "http" ? "http" : "https"}://${kind === "http" ? "127.0.0.1" : "localhost"}:${port}/upload`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  });
}

function writeRandomFile(name: string, size = SIZE): { path: string; sha256: string } {
  const path = join(dir, name);
  const bytes = randomBytes(size);
  writeFileSync(path, bytes);
  return { path, sha256: createHash("sha256").update(bytes).digest("hex") };
}

const client = () =>
  new HttpClient({
    dispatcher: testRuntime().connections.dispatchers.get({ caCertPem }),
    retry: { baseDelayMs: 10, maxDelayMs: 40 },
  });

/** A media upload as the provider sends one (PATCH with If-Match: idempotent, so retried after a reset). */
const upload = (url: string, path: string) =>
  client().request({
    method: "PATCH",
    url,
    headers: { "content-type": "application/octet-stream", "if-match": "*" },
    body: fileBody(path),
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "file-body-"));
  const tls = await ensureTlsMaterial(join(dir, "tls"));
  caCertPem = tls.caCertPem;
  sinks = {
    https: await startSink("https", tls),
    h2: await startSink("h2", tls),
    http: await startSink("http", tls),
  };
});
afterAll(async () => {
  await Promise.all(Object.values(sinks ?? {}).map((s) => s.close()));
  await testRuntime().close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  for (const sink of Object.values(sinks)) {
    sink.received.length = 0;
    sink.script = {};
  }
});

describe.each([
  ["https", "1.1"],
  ["h2", "2.0"],
  ["http", "1.1"],
] as const)("a file body over %s", (kind, httpVersion) => {
  it("arrives byte for byte, with Content-Length, also two at once to a slow reader", async () => {
    const a = writeRandomFile(`a-${kind}.bin`);
    const b = writeRandomFile(`b-${kind}.bin`, SIZE - 54_321);
    const [resA, resB] = await Promise.all([upload(sinks[kind].url, a.path), upload(sinks[kind].url, b.path)]);
    expect([resA.status, resB.status]).toEqual([204, 204]);
    const received = [...sinks[kind].received].sort((x, y) => y.bytes - x.bytes);
    expect(received).toEqual([
      { httpVersion, contentLength: String(SIZE), bytes: SIZE, sha256: a.sha256 },
      { httpVersion, contentLength: String(SIZE - 54_321), bytes: SIZE - 54_321, sha256: b.sha256 },
    ]);
  });
});

describe("attempts", () => {
  it("a retry after a dropped connection sends the whole file again", async () => {
    const file = writeRandomFile("retry.bin");
    sinks.https.script = { dropAfter: (i) => (i === 0 ? 2 * MiB : undefined) };
    const res = await upload(sinks.https.url, file.path);
    expect(res.status).toBe(204);
    expect(res.attempts).toBe(2);
    const [first, second] = sinks.https.received;
    expect(first!.sha256).toBeUndefined();
    expect(second).toEqual({ httpVersion: "1.1", contentLength: String(SIZE), bytes: SIZE, sha256: file.sha256 });
  });

  it("an empty file is sent as an empty body", async () => {
    const file = writeRandomFile("empty.bin", 0);
    expect((await upload(sinks.https.url, file.path)).status).toBe(204);
    expect(sinks.https.received).toEqual([
      { httpVersion: "1.1", contentLength: "0", bytes: 0, sha256: createHash("sha256").digest("hex") },
    ]);
  });
});

describe("a file that went missing or changed", () => {
  it("missing when the attempt starts: a FileBodyError naming the file, nothing sent, no retry", async () => {
    const file = writeRandomFile("gone.bin");
    const body = fileBody(file.path);
    unlinkSync(file.path);
    const err = await client()
      .request({ method: "PATCH", url: sinks.https.url, headers: { "if-match": "*" }, body })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileBodyError);
    expect((err as FileBodyError).code).toBe("ENOENT");
    expect((err as Error).message).toContain(`cannot read ${file.path}`);
    expect(sinks.https.received).toEqual([]);
  });

  it("grown since fileBody(): a FileBodyError giving both sizes, nothing sent", async () => {
    const file = writeRandomFile("grown.bin");
    const body = fileBody(file.path);
    appendFileSync(file.path, "more");
    const err = await client()
      .request({ method: "PATCH", url: sinks.https.url, headers: { "if-match": "*" }, body })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileBodyError);
    expect((err as Error).message).toBe(
      `${file.path} changed during the upload: it had ${SIZE} bytes when the upload began, now ${SIZE + 4}`,
    );
    expect(sinks.https.received).toEqual([]);
  });

  it("truncated while it is being sent: a FileBodyError, and no second attempt", async () => {
    const file = writeRandomFile("shrinks.bin", 4 * SIZE);
    // The server holds back while the file shrinks: the client has read a few MiB at most (socket buffers).
    sinks.https.script = {
      onArrival: async () => {
        truncateSync(file.path, MiB);
        await sleep(50);
      },
    };
    const err = await upload(sinks.https.url, file.path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileBodyError);
    expect((err as Error).message).toMatch(/changed during the upload: it had \d+ bytes when the upload began, now/);
    expect(sinks.https.received).toHaveLength(1);
  });
});

describe("over the emulator", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(async () => {
    await emu.stop();
    resetProviderCaches();
  });

  it("an extension upload stores the file's bytes", async () => {
    const file = writeRandomFile("extension.app");
    const api = connect(settingsFor(emu)).automation();
    const companyId = await api.anyCompanyId();
    const row = await api.extensionUpload.prepare({}, { companyId });
    await api.extensionUpload.putContent(row.systemId, fileBody(file.path), { companyId });
    const stored = emu
      .state()
      .tenants.flatMap((t) => t.environments)
      .flatMap((e) => e.companies)
      .find((c) => c.id === companyId)?.extensionUpload?.contentBase64;
    expect(
      createHash("sha256")
        .update(Buffer.from(stored ?? "", "base64"))
        .digest("hex"),
    ).toBe(file.sha256);
  });
});
