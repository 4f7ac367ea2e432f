/**
 * A credential in plain stack config is refused by the SDK when the program starts, before any resource registers,
 * with the `pulumi config set --secret` fix: with the real pulumi CLI in a consumer project made from `npm pack`
 * (as test/e2e/cli.test.ts). Then, in a bare Node process with the real @pulumi/pulumi, what the check does when the
 * runtime does or does not say which config keys are secret (the fallback is a warning).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator";
import {
  type CommandResult,
  cliEnv,
  configSetArgs,
  connectionConfig,
  createConsumer,
  PULUMI_BIN,
  packTarball,
  REPO_ROOT,
  requireCli,
  run,
} from "../../scripts/lib/cli";

let emu: RunningEmulator;
let work: string;
let project: string;
let env: NodeJS.ProcessEnv;

const pulumi = (args: string[], input?: string): Promise<CommandResult> =>
  run(join(PULUMI_BIN, "pulumi"), args, { cwd: project, env, input });

beforeAll(async () => {
  requireCli();
  work = mkdtempSync(join(tmpdir(), "bc-plaintext-"));
  project = join(work, "infra");
  await createConsumer(project, process.env.E2E_TARBALL ?? packTarball(join(work, "pack")));
  emu = await startEmulator({ timeScale: 0.01 });
  env = cliEnv(join(work, "state"));
}, 600_000);

afterAll(async () => {
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("a client secret set with --plaintext, with the pulumi CLI", { timeout: 300_000 }, () => {
  it("preview stops before any resource registers, naming the key and the --secret fix", async () => {
    expect((await pulumi(["stack", "init", "dev"])).code).toBe(0);
    for (const [key, value, secret] of [...connectionConfig(emu), ["infra:userName", "JOE", false] as const]) {
      const { args, input } =
        key === "businesscentral:clientSecret"
          ? { args: ["config", "set", "--plaintext", key, value], input: undefined }
          : configSetArgs(key, value, secret);
      const r = await pulumi(args, input);
      expect(r.code, r.output).toBe(0);
    }
    expect(readFileSync(join(project, "Pulumi.dev.yaml"), "utf8")).toContain(emu.clientSecret);
    emu.clearRequests();
    const preview = await pulumi(["preview"]);
    expect(preview.code).not.toBe(0);
    expect(preview.output).toContain("businesscentral:clientSecret is set in plain text in the stack's config");
    expect(preview.output).toContain("`pulumi config set --secret businesscentral:clientSecret`");
    // A clean stop: no stack trace, and no resource of the program registered.
    expect(preview.output).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect(preview.output).not.toMatch(/bc:|businesscentral:Company|joe-full-access|contoso/);
    expect(emu.requests()).toEqual([]);
  });

  it("set as a secret, the same program previews", async () => {
    const { args, input } = configSetArgs("businesscentral:clientSecret", emu.clientSecret, true);
    expect((await pulumi(args, input)).code).toBe(0);
    const preview = await pulumi(["preview"]);
    expect(preview.code, preview.output).toBe(0);
    expect(preview.output).toMatch(/\+ 3 to create|3 to create/);
    expect((await pulumi(["stack", "rm", "--yes", "--force", "dev"])).code).toBe(0);
  });
});

describe("when the runtime does or does not say which keys are secret", () => {
  // The SDK loaded outside a Pulumi run: config comes from PULUMI_CONFIG as the language host passes it.
  const load = (extra: Record<string, string>) =>
    spawnSync(process.execPath, ["-e", `require(${JSON.stringify(join(REPO_ROOT, "dist/sdk/index.js"))})`], {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        PULUMI_CONFIG: JSON.stringify({ "businesscentral:clientSecret": "s3cret", "businesscentral:tenantId": "t" }),
        ...extra,
      },
    });

  it("refuses a key the runtime does not list as secret", () => {
    const r = load({ PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["other:key"]) });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("businesscentral:clientSecret is set in plain text");
  });

  it("accepts it when listed as secret", () => {
    const r = load({ PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["businesscentral:clientSecret"]) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("plain text");
  });

  it("warns instead when the runtime passes no list of secret keys", () => {
    const r = load({});
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain(
      "pulumi-businesscentral cannot tell whether businesscentral:clientSecret is stored as a secret",
    );
  });
});
