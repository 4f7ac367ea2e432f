/**
 * One upload in a process of its own, so its resident memory is the provider's alone (the emulator runs in the
 * parent): `node dist/scripts/bench-upload-child.js <app|rapidstart> <stream|buffer> <file>`, connection settings as
 * JSON on stdin. Prints one JSON line: RSS before the upload and the process's peak RSS after it, in bytes.
 *
 * `buffer` reads the file into memory first (what a caller holding the bytes costs); `stream` sends a FileBody.
 */
import { readFileSync } from "node:fs";
import type { AutomationApi } from "../provider/automation";
import { type ExplicitSettings, resolveSettings } from "../provider/config";
import { connect } from "../provider/connection";
import { fileBody } from "../provider/http/transport";
import type { FileBody } from "../provider/http/types";

type Body = Uint8Array | FileBody;

async function main() {
  const [kind, mode, file] = process.argv.slice(2);
  if ((kind !== "app" && kind !== "rapidstart") || (mode !== "stream" && mode !== "buffer") || !file) {
    throw new Error("usage: bench-upload-child <app|rapidstart> <stream|buffer> <file>");
  }
  const explicit = JSON.parse(readFileSync(0, "utf8")) as ExplicitSettings;
  const automation = connect(resolveSettings(explicit, undefined, {})).automation();
  const companyId = await automation.anyCompanyId(); // token, connection and company first: not part of the upload
  globalThis.gc?.();
  const before = process.memoryUsage.rss();
  const body: Body = mode === "stream" ? fileBody(file) : readFileSync(file);
  const started = Date.now();
  if (kind === "app") await uploadApp(automation, companyId, body);
  else await uploadPackage(automation, companyId, body);
  const elapsedMs = Date.now() - started;
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ before, peak, growth: peak - before, elapsedMs })}\n`);
  process.exit(0);
}

async function uploadApp(automation: AutomationApi, companyId: string, body: Body) {
  const row = await automation.extensionUpload.prepare({}, { companyId });
  await automation.extensionUpload.putContent(row.systemId, body, { companyId });
}

async function uploadPackage(automation: AutomationApi, companyId: string, body: Body) {
  const code = `BENCH${Date.now() % 100000}`;
  const pkg = await automation.configurationPackages.create(companyId, { code, packageName: "Bench upload" });
  await automation.configurationPackages.uploadFile(companyId, pkg.id, code, body);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
