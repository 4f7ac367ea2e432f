/**
 * Resident memory of the provider while it uploads a 100 MB `.app`, a 50 MB `.rapidstart` and a 50 MB `.app` through
 * the Admin Center's pteInstall, each in a child process of its own (scripts/bench-upload-child.ts), buffered and
 * streamed from disk (which costs the process the same ~20 MB as an empty file: provider/http/file-stream.ts; the
 * pteInstall form streams a file-backed Blob). The files are written in chunks here, never held whole.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import type { RunningEmulator } from "../../emulator";

const MB = 1024 * 1024;
const CHILD = resolve(__dirname, "../bench-upload-child.js");

function writeFileOfSize(path: string, bytes: number) {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(MB);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) & 0xff;
  try {
    for (let written = 0; written < bytes; written += chunk.length)
      writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
  } finally {
    closeSync(fd);
  }
}

interface UploadFigures {
  before: number;
  peak: number;
  growth: number;
  elapsedMs: number;
}

function runChild(emu: RunningEmulator, kind: string, mode: string, file: string): Promise<UploadFigures> {
  const settings = {
    tenantId: emu.tenantId,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    environment: emu.environment,
    authorityHost: emu.authorityHost,
    apiBaseUrl: emu.baseUrl,
    caCertPem: emu.caCertPem,
  };
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [CHILD, kind, mode, file], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d;
    });
    child.once("exit", (code) =>
      code === 0 ? ok(JSON.parse(out.trim().split("\n").pop() ?? "{}") as UploadFigures) : fail(new Error(err)),
    );
    child.stdin.end(JSON.stringify(settings)); // the secret goes through a pipe, never argv or a log
  });
}

/**
 * Table lines: one row per file, mode and run. Streamed uploads run `streamRuns` times (the machine may be busy).
 * The empty `.app` is the floor: what the upload's requests cost the process whatever the file.
 */
export async function measureUploads(emu: RunningEmulator, dir: string, streamRuns = 3): Promise<string[]> {
  const files = [
    { kind: "app", size: 0, path: join(dir, "empty.app"), modes: ["stream"] },
    { kind: "app", size: 100 * MB, path: join(dir, "big.app"), modes: ["buffer", "stream"] },
    { kind: "rapidstart", size: 50 * MB, path: join(dir, "big.rapidstart"), modes: ["buffer", "stream"] },
    // BC 29+ takes per-tenant extensions through the Admin Center's multipart pteInstall (at most 50 MB).
    { kind: "pte", size: 50 * MB, path: join(dir, "big-pte.app"), modes: ["buffer", "stream"] },
  ];
  const lines = ["| upload | mode | run | RSS before | peak RSS | growth | time |", "|---|---|---|---|---|---|---|"];
  for (const file of files) {
    writeFileOfSize(file.path, file.size);
    for (const mode of file.modes) {
      const runs = mode === "stream" ? streamRuns : 1;
      for (let run = 1; run <= runs; run++) {
        const r = await runChild(emu, file.kind, mode, file.path);
        lines.push(
          `| ${file.size / MB} MB ${file.kind === "pte" ? ".app (pteInstall)" : `.${file.kind}`} | ${mode} | ${run}/${runs} | ${mb(r.before)} | ${mb(r.peak)} | ${mb(r.growth)} | ${(r.elapsedMs / 1000).toFixed(1)} s |`,
        );
      }
    }
  }
  return lines;
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
