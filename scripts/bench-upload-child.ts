/**
 * One upload in a process of its own, so its resident memory is the provider's alone (the emulator runs in the
 * parent): `node dist/scripts/bench-upload-child.js <extension|rapidstart|pte> <stream|buffer> <file>`, connection
 * settings as JSON on stdin. Prints one JSON line: RSS before the upload and the process's peak RSS, in bytes.
 *
 * `extension` is the Extension resource's whole path for a `.app` on a BC 24 environment (`uploadVia:
 * "extensionUpload"`): check (which hashes the file and reads its manifest), then create (upload, install, wait),
 * through the provider's `dispatch` as Pulumi's dynamic-provider process calls it; the app is uninstalled after
 * measuring. For the others, `buffer` reads the file into memory first (what a caller holding the bytes costs);
 * `stream` sends a FileBody.
 */
import { openAsBlob, readFileSync, writeFileSync } from "node:fs";
import { dispatch } from "../provider";
import type { AdminCenterApi } from "../provider/admin";
import type { AutomationApi } from "../provider/automation";
import { type ExplicitSettings, resolveSettings } from "../provider/connection";
import { createRuntime, processRuntime } from "../provider/runtime";
import { BcApiError } from "../provider/errors";
import { fileBody } from "../provider/http/transport";
import type { FileBody } from "../provider/http/types";

type Body = Uint8Array | FileBody;

async function main() {
  const [kind, mode, file] = process.argv.slice(2);
  if (!["extension", "rapidstart", "pte"].includes(kind ?? "") || (mode !== "stream" && mode !== "buffer") || !file) {
    throw new Error("usage: bench-upload-child <extension|rapidstart|pte> <stream|buffer> <file>");
  }
  const explicit = JSON.parse(readFileSync(0, "utf8")) as ExplicitSettings;
  if (kind === "extension") return extensionCreate(explicit, file);
  const connection = createRuntime().connect(resolveSettings(explicit, undefined, {}));
  const automation = connection.automation();
  const companyId = await automation.anyCompanyId(); // token, connection and company first: not part of the upload
  const environment = explicit.environment ?? "production";
  if (kind === "pte") await connection.admin().listApps(environment); // the Admin Center token too, before measuring
  let packageId: string | undefined;
  const figures = await measure(async () => {
    if (kind === "pte") return uploadPte(connection.admin(), environment, mode, file);
    const body: Body = mode === "stream" ? fileBody(file) : readFileSync(file);
    packageId = await uploadPackage(automation, companyId, body);
  });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  // The emulator keeps each package's file in its state: delete it, so repeated runs do not pile them up.
  if (packageId) await automation.configurationPackages.delete(companyId, packageId);
  process.exit(0);
}

/** RSS before, the peak while `upload` runs (reading the file is part of it), growth and time. */
async function measure(upload: () => Promise<void>) {
  globalThis.gc?.();
  const before = process.memoryUsage.rss();
  resetPeakRss();
  const started = Date.now();
  await upload();
  const elapsedMs = Date.now() - started;
  const peak = peakRss();
  return { before, peak, growth: peak - before, elapsedMs };
}

/**
 * The process's peak resident set: Linux's VmHWM (per address space, so it starts afresh at exec; getrusage's
 * maxRSS does not: a child inherits the parent's peak, here the emulator's), else the RSS now.
 */
function peakRss(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage.rss();
}

/** Starts VmHWM afresh from the RSS now (Linux ≥ 4.0: `5` to clear_refs), so the peak is the upload's. */
function resetPeakRss() {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // not Linux: the peak then covers the process's life
  }
}

/**
 * The Admin Center's multipart pteInstall (BC 29+): `buffer` wraps the file's bytes in a Blob, `stream` sends a
 * file-backed Blob (`fs.openAsBlob`, as the Extension resource does). The bench file is not a real `.app`: the
 * emulator reads the whole upload, then answers 400 "not an extension file", which is expected here.
 */
async function uploadPte(admin: AdminCenterApi, environment: string, mode: string, file: string) {
  const blob = mode === "stream" ? await openAsBlob(file) : new Blob([readFileSync(file)]);
  try {
    await admin.pteInstall(environment, blob, { acceptIsvEula: true });
  } catch (err) {
    if (!(err instanceof BcApiError && err.status === 400)) throw err;
  }
}

/** The environment of BC 24 in the emulator's seed, where `.app` files go through `extensionUpload`. */
const BC24_ENVIRONMENT = "sandbox-24";

/**
 * The Extension resource's check and create of `file`, measured together, as the provider process runs them (its
 * token and connection first, which any resource pays once: not part of the figure); then its delete.
 */
async function extensionCreate(explicit: ExplicitSettings, file: string) {
  const call = (method: "configure" | "check" | "create" | "delete", ...args: unknown[]) =>
    dispatch("Extension", method, args) as Promise<Record<string, unknown>>;
  await call("configure", { config: { get: () => undefined } });
  const { environment: _environment, ...connection } = explicit;
  const news = {
    __provider: "bench",
    connection,
    environment: BC24_ENVIRONMENT,
    filePath: file,
    uploadVia: "extensionUpload",
  };
  await processRuntime()
    .connect(resolveSettings({ ...explicit, environment: BC24_ENVIRONMENT }, undefined, {}))
    .automation()
    .anyCompanyId();
  let created: { id: string; outs: Record<string, unknown> } | undefined;
  const figures = await measure(async () => {
    const checked = (await call("check", {}, news)) as { inputs: Record<string, unknown>; failures?: unknown[] };
    if (checked.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
    created = (await call("create", checked.inputs)) as typeof created;
  });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  if (created) await call("delete", created.id, created.outs);
  process.exit(0);
}

async function uploadPackage(automation: AutomationApi, companyId: string, body: Body) {
  const code = `BENCH${Date.now() % 100000}`;
  const pkg = await automation.configurationPackages.create(companyId, { code, packageName: "Bench upload" });
  await automation.configurationPackages.uploadFile(companyId, pkg.id, code, body);
  return pkg.id;
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
