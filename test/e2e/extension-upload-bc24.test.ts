/**
 * A per-tenant extension on a BC 24 environment with the real engine, through the Automation API's
 * `extensionUpload` as real tenants speak it (enum values as XML-encoded member names), with the
 * upload row an earlier failed run left behind: `up` reuses that row (no second POST), installs the extension,
 * a second preview shows no change and `destroy` uninstalls it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator";
import { buildApp } from "../../formats/navx";
import { resetProviderCaches, settingsFor, connect } from "../provider/helpers/emu";
import { emulatorConfig, ROOT, runStack } from "./stack-runner";

const APP = {
  id: "4c2b6a1e-9d8f-4e7a-b5c3-2a1f0e9d8c7b",
  name: "Legacy Extras",
  publisher: "Contoso",
  version: "1.0.0.0",
};

const PROGRAM = (appPath: string) => `
const bc = require(${JSON.stringify(join(ROOT, "dist/sdk"))});
new bc.Extension("legacy-extras", { environment: "sandbox-24", file: ${JSON.stringify(appPath)} });
`;

let emu: RunningEmulator;
let work: string;

const sandbox24 = () => emu.state().tenants[0]!.environments.find((e) => e.name === "sandbox-24")!;
const installed = () =>
  sandbox24()
    .publishedApps.filter((a) => a.id === APP.id && a.isInstalled)
    .map((a) => a.version);
const run = (op: "up" | "preview" | "destroy") =>
  runStack(join(work, "stack"), emulatorConfig(emu), op, [
    "--example",
    "legacy-extras",
    "--program",
    join(work, "program.js"),
  ]);

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  work = mkdtempSync(join(tmpdir(), "bc-e2e-upload24-"));
  const appPath = join(work, "legacy-extras.app");
  writeFileSync(appPath, buildApp(APP));
  writeFileSync(join(work, "program.js"), PROGRAM(appPath));
  // An earlier run failed after creating the company's upload row (with other settings than this one wants).
  resetProviderCaches();
  const automation = connect(settingsFor(emu, { environment: "sandbox-24" })).automation();
  await automation.extensionUpload.create({ schedule: "Next minor version", schemaSyncMode: "Force Sync" });
});

afterAll(async () => {
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("per-tenant extension on BC 24 through extensionUpload, with a leftover upload row", {
  timeout: 180_000,
}, () => {
  it("the emulator answers the leftover row in the real wire form", async () => {
    const automation = connect(settingsFor(emu, { environment: "sandbox-24" })).automation();
    const companyId = await automation.anyCompanyId();
    const raw = (await automation.client.getJson(automation.client.companyUrl(companyId, "extensionUpload"))) as {
      value: { schedule: string; schemaSyncMode: string }[];
    };
    expect(raw.value).toHaveLength(1);
    expect(raw.value[0]).toMatchObject({
      schedule: "Next_x0020_minor_x0020_version",
      schemaSyncMode: "Force_x0020_Sync",
    });
  });

  it("up reuses the row, uploads once and installs the extension", async () => {
    emu.clearRequests();
    const up = await run("up");
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    expect(installed()).toEqual([APP.version]);
    const posts = emu.requests().filter((r) => r.method === "POST" && r.path.includes("sandbox-24"));
    expect(posts.filter((r) => /\/extensionUpload$/.test(r.path.split("?")[0]!))).toEqual([]);
    expect(posts.filter((r) => r.path.endsWith("/Microsoft.NAV.upload"))).toHaveLength(1);
  });

  it("a second preview shows no change", async () => {
    const preview = await run("preview");
    expect(preview.result, preview.error ?? preview.log.slice(-3000)).toBe("succeeded");
    expect(Object.keys(preview.changes ?? {})).toEqual(["same"]);
  });

  it("destroy uninstalls it", async () => {
    const destroyed = await run("destroy");
    expect(destroyed.result, destroyed.error ?? destroyed.log.slice(-3000)).toBe("succeeded");
    expect(installed()).toEqual([]);
  });
});
