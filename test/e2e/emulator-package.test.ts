/**
 * The emulator as users' CI gets it: `npm pack -w packages/emulator` (stages dist/emulator + dist/formats), installed
 * into a temp folder of its own, `bc-emulator --json` started from there, and its Entra side answering over HTTPS
 * with the CA it wrote. Nothing from this repository's node_modules is on the installed emulator's resolution path.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, run } from "../../scripts/lib/cli";

let work: string;
let installed: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "bc-emulator-package-"));
  const packDir = join(work, "pack");
  mkdirSync(packDir);
  execFileSync("npm", ["pack", "-w", "packages/emulator", "--pack-destination", packDir, "--silent"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith(".tgz"))!);
  installed = join(work, "ci");
  mkdirSync(installed);
  writeFileSync(join(installed, "package.json"), '{ "name": "ci", "private": true }\n');
  const args = ["install", "--no-audit", "--no-fund", tarball];
  let r = await run("npm", args, { cwd: installed, env: process.env });
  if (r.code !== 0) r = await run("npm", [...args, "--offline"], { cwd: installed, env: process.env });
  if (r.code !== 0) throw new Error(`npm install of the emulator package failed:\n${r.output}`);
}, 300_000);

afterAll(() => {
  child?.kill("SIGTERM");
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the emulator's npm package", { timeout: 60_000 }, () => {
  it("holds the compiled emulator and the shared formats, and nothing of the provider or the SDK", () => {
    const dist = join(installed, "node_modules/pulumi-businesscentral-emulator/dist");
    expect(readdirSync(dist).sort()).toEqual(["LICENSE", "emulator", "formats"]);
    expect(existsSync(join(dist, "emulator/cli.js"))).toBe(true);
    expect(existsSync(join(dist, "provider"))).toBe(false);
    expect(existsSync(join(dist, "sdk"))).toBe(false);
    expect(existsSync(join(installed, "node_modules/jose"))).toBe(true);
  });

  it("bc-emulator --json starts from the install and its Entra side answers over HTTPS", async () => {
    const cli = join(installed, "node_modules/pulumi-businesscentral-emulator/dist/emulator/cli.js");
    child = spawn(process.execPath, [cli, "--json", "--time-scale", "0.01"], {
      cwd: installed,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const line = await new Promise<string>((ok, fail) => {
      let out = "";
      let err = "";
      child!.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("\n")) ok(out.split("\n")[0]);
      });
      child!.stderr!.on("data", (d) => {
        err += d;
      });
      child!.once("exit", (code) => fail(new Error(`bc-emulator exited (${code}): ${err}`)));
    });
    const ready = JSON.parse(line) as { authorityHost: string; tenantId: string; caCertPath: string };
    const agent = new Agent({ connect: { ca: readFileSync(ready.caCertPath, "utf8") } });
    try {
      const res = await request(`${ready.authorityHost}/${ready.tenantId}/v2.0/.well-known/openid-configuration`, {
        dispatcher: agent,
      });
      expect(res.statusCode).toBe(200);
      expect(((await res.body.json()) as { token_endpoint: string }).token_endpoint).toContain(ready.tenantId);
    } finally {
      await agent.close();
    }
  });
});
