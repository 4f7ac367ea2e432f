/**
 * On a Node.js older than 22.19 the package says so, clearly, where it loads: when a program imports the SDK, when the
 * command line runs, and in the dynamic-provider process when the serialized shim loads the provider (instead of a bare "Cannot read
 * properties of undefined (reading 'bind')" from deep inside the HTTP client). Runs with an old `node` found on the
 * machine (these machines ship Node 20 as the system node); skipped when there is none.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/cli";

const OLD_NODE = ["/usr/bin/node", "/usr/local/bin/node"].find((candidate) => {
  if (!existsSync(candidate)) return false;
  const [major, minor] = execFileSync(candidate, ["-p", "process.versions.node"], { encoding: "utf8" })
    .trim()
    .split(".")
    .map(Number);
  return major < 22 || (major === 22 && minor < 19);
});
const work = mkdtempSync(join(tmpdir(), "bc-old-node-"));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!OLD_NODE)(`on an old Node.js (${OLD_NODE})`, () => {
  it("importing the SDK fails with the version it needs and the fix", () => {
    const r = spawnSync(OLD_NODE!, ["-e", `require(${JSON.stringify(join(REPO_ROOT, "dist/sdk/index.js"))})`], {
      encoding: "utf8",
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("pulumi-businesscentral needs Node.js >= 22.19; this Pulumi program runs v");
    expect(r.stderr).toContain("Put Node.js 22.19+ first on PATH");
  });

  it("the command line (doctor, export, rapidstart) fails with the same message, exit code 1, no stack trace", () => {
    for (const command of ["doctor", "export", "rapidstart"]) {
      const r = spawnSync(OLD_NODE!, [join(REPO_ROOT, "dist/provider/cli.js"), command, "--no-stack"], {
        cwd: work,
        encoding: "utf8",
      });
      expect(r.status, command).toBe(1);
      expect(r.stderr).toMatch(
        /^pulumi-businesscentral needs Node\.js >= 22\.19; this command runs v[\d.]+ \(.*\)\. Put Node\.js 22\.19\+ first on PATH\.\n$/,
      );
    }
  });

  it("the shim stored in state fails the same way in the dynamic-provider process", () => {
    // Serialize with the current Node (as `pulumi up` did), then load and call it with the old one (as a later
    // `pulumi destroy` under another PATH would).
    const texts = execFileSync(
      process.execPath,
      [join(REPO_ROOT, "test/provider/resources/fixtures/serialize-shim.js"), "Company"],
      { cwd: REPO_ROOT, encoding: "utf8" },
    );
    const cases = join(work, "cases.json");
    const text = (JSON.parse(texts) as Record<string, string>).Company;
    writeFileSync(cases, JSON.stringify({ Company: { text, news: { __provider: text, displayName: "X" } } }));
    const out = execFileSync(OLD_NODE!, [join(REPO_ROOT, "test/provider/resources/fixtures/load-shim.js"), cases], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    const result = JSON.parse(out) as Record<string, { error?: string }>;
    expect(result.Company.error).toContain(
      "pulumi-businesscentral needs Node.js >= 22.19; the dynamic provider runs v",
    );
  });
});
