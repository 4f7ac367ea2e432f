/** `pulumi-businesscentral rapidstart pack <in.xml> <out.rapidstart>`, through the command line's entry point. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readRapidStart } from "../../formats/rapidstart";
import { main } from "../../provider/cli";

const dir = mkdtempSync(join(tmpdir(), "cli-rapidstart-"));
const example = join(__dirname, "../../examples/data/cronus-setup.xml");

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr };
}

describe("rapidstart pack", () => {
  it("writes a .rapidstart BC can import and says what it holds", async () => {
    const out = join(dir, "cronus.rapidstart");
    const r = await cli(["rapidstart", "pack", example, out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('package CRONUS.SETUP "');
    expect(r.stdout).toContain("4 tables, 13 records");
    const pkg = readRapidStart(readFileSync(out));
    expect(pkg.tables.map((t) => t.tableId)).toHaveLength(4);
  });

  it("refuses XML that is not a package (exit 1) and unreadable input", async () => {
    const bad = join(dir, "bad.xml");
    writeFileSync(bad, "<NotAPackage/>");
    const r = await cli(["rapidstart", "pack", bad, join(dir, "bad.rapidstart")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}: not a RapidStart package:`);
    const missing = await cli(["rapidstart", "pack", join(dir, "nope.xml"), join(dir, "x.rapidstart")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot be read");
  });

  it("usage errors exit 2 with the command's help; --help exits 0", async () => {
    for (const argv of [["rapidstart"], ["rapidstart", "pack", example], ["rapidstart", "unpack", "a", "b"]]) {
      const r = await cli(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toContain("Usage: pulumi-businesscentral rapidstart pack <in.xml> <out.rapidstart>");
    }
    const help = await cli(["rapidstart", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: pulumi-businesscentral rapidstart pack");
    const all = await cli(["--help"]);
    expect(all.stdout).toMatch(/rapidstart pack <in\.xml> <out\.rapidstart>/);
  });
});
