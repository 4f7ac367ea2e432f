/**
 * `fleet` usage errors exit with 2 before anything runs, each naming what is wrong and printing the usage (as
 * `doctor` does); `--help` prints it and exits 0. Runs and stacks are test/e2e/fleet.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../../provider/cli";

const empty = mkdtempSync(join(tmpdir(), "bc-fleet-usage-"));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

async function fleet(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(["fleet", ...args], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    cwd: empty,
  });
  return { code, stdout, stderr };
}

describe("fleet usage", () => {
  it("--help prints the usage and exits 0", async () => {
    const r = await fleet("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("fleet <preview|up|refresh|drift|destroy>");
    expect(r.stdout).toContain("Exit code: 1 when a stack failed, else 3 when drift found drift, else 0");
  });

  it.each([
    [[], "no command given"],
    [["apply", "--all"], "unknown command 'apply'"],
    [["up"], "name the stacks with --stacks a,b,c, or pass --all"],
    [["drift", "--all", "--stacks", "a"], "either --stacks or --all, not both"],
    [["preview", "--all", "--parallel", "0"], "--parallel takes a whole number of at least 1, not '0'"],
    [["preview", "--all", "--parallel", "two"], "not 'two'"],
    [["preview", "--stacks", ","], "--stacks names no stack"],
    [["preview", "--all", "extra"], "unexpected argument 'extra'"],
    [["matrix"], "--format github is required"],
    [["matrix", "--format", "gitlab"], "--format github is required"],
    [["drift", "--all", "--format", "github"], "--format is for fleet matrix only"],
    [["up", "--all", "--yes"], "Unknown option '--yes'"],
    [["drift", "--all", "--refresh"], "--refresh is for preview, up and destroy"],
  ])("fleet %j is a usage error", async (args, message) => {
    const r = await fleet(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain("Usage: pulumi-businesscentral fleet");
    expect(r.stdout).toBe("");
  });

  it("a folder without Pulumi.yaml is a usage error naming the folder and --cwd", async () => {
    const r = await fleet("preview", "--all");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${empty} is not a Pulumi project (no Pulumi.yaml)`);
    expect(r.stderr).toContain("--cwd <project>");
  });

  it("the top-level usage mentions fleet", async () => {
    let stdout = "";
    const collect = (t: string) => {
      stdout += t;
    };
    await main(["--help"], { stdout: collect, stderr: () => {}, env: {} });
    expect(stdout).toContain("pulumi-businesscentral fleet <preview|up|refresh|drift|destroy|matrix>");
  });
});
