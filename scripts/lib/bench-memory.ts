/**
 * Resident memory of the provider, each measurement in a child process of its own (scripts/bench-upload-child.ts):
 * the Extension resource's whole create (check with its planning hash, upload, install) of a 1 MB and a 100 MB
 * `.app` on a BC 24 environment (`extensionUpload`), whose difference is what the file's size costs; uploads of a
 * 50 MB `.rapidstart` and of a 50 MB `.app` through the Admin Center's pteInstall, buffered and streamed from disk
 * (which costs the process the same ~20 MB as an empty file: provider/http/file-stream.ts; the pteInstall form
 * streams a file-backed Blob). The raw files are written in chunks here, never held whole.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import type { RunningEmulator } from "../../emulator";
import { buildApp } from "../../formats/navx";

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
      // The figures are the JSON line; progress lines (the Extension resource's) come around it.
      code === 0
        ? ok(JSON.parse(out.split("\n").findLast((line) => line.startsWith("{")) ?? "{}") as UploadFigures)
        : fail(new Error(err)),
    );
    child.stdin.end(JSON.stringify(settings)); // the secret goes through a pipe, never argv or a log
  });
}

/**
 * Table lines: one row per file, mode and run. Streamed uploads run `streamRuns` times (the machine may be busy).
 * The empty `.app` is the floor: what the upload's requests cost the process whatever the file.
 */
export async function measureUploads(emu: RunningEmulator, dir: string, streamRuns = 3): Promise<string[]> {
  const lines = ["| measured | mode | run | RSS before | peak RSS | growth | time |", "|---|---|---|---|---|---|---|"];
  // The Extension resource's create: a real package of each size (padded), a new app id per run.
  for (const size of [1 * MB, 100 * MB]) {
    for (let run = 1; run <= streamRuns; run++) {
      const path = join(dir, `extension-${size / MB}mb.app`);
      writeFileSync(
        path,
        buildApp({ id: randomUUID(), name: "Bench", publisher: "Bench", version: "1.0.0.0", padding: size }),
      );
      const r = await runChild(emu, "extension", "stream", path);
      lines.push(
        `| Extension create, ${size / MB} MB .app (BC 24, extensionUpload) | resource | ${run}/${streamRuns} | ${mb(r.before)} | ${mb(r.peak)} | ${mb(r.growth)} | ${(r.elapsedMs / 1000).toFixed(1)} s |`,
      );
    }
  }
  const files = [
    { kind: "rapidstart", size: 50 * MB, path: join(dir, "big.rapidstart"), modes: ["buffer", "stream"] },
    // BC 29+ takes per-tenant extensions through the Admin Center's multipart pteInstall (at most 50 MB).
    { kind: "pte", size: 50 * MB, path: join(dir, "big-pte.app"), modes: ["buffer", "stream"] },
  ];
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
