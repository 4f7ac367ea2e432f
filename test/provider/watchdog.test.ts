/**
 * The engine-gone watchdog in a real child process: a broken stdout pipe, or the parent's death, makes the process
 * exit once its operation in flight ends, instead of spinning on Pulumi's uncaughtException handler. Uses the
 * compiled module (npm test builds first), as Pulumi's plugin process does.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "bc-watchdog-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A provider-like process: installs the watchdog, runs one 1.5 s operation, logs to stdout every 100 ms. */
const CHILD = `
const { EngineWatchdog } = require(${JSON.stringify(join(ROOT, "dist/provider/watchdog.js"))});
const watchdog = new EngineWatchdog();
const fs = require("node:fs");
const marks = process.argv[2];
watchdog.install({ pollMs: 100, graceMs: 10_000, exit: (code) => { fs.appendFileSync(marks, "exit\\n"); process.exit(code); } });
// Pulumi's dynamic provider logs uncaught exceptions to the broken pipe, which throws again.
process.on("uncaughtException", (err) => console.error("uncaught", err));
void watchdog.track(() => new Promise((r) => setTimeout(() => { fs.appendFileSync(marks, "done\\n"); r(); }, 1500)));
setInterval(() => process.stdout.write("progress line\\n"), 100);
fs.appendFileSync(marks, "ready\\n");
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const marks = (file: string) => {
  try {
    return readFileSync(file, "utf8").trim().split("\n");
  } catch {
    return [];
  }
};

describe("EngineWatchdog.install", () => {
  it("exits after the operation in flight when stdout becomes a broken pipe", async () => {
    const script = join(work, "child.js");
    writeFileSync(script, CHILD);
    const file = join(work, "pipe.marks");
    const child = spawn(process.execPath, [script, file], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    while (!marks(file).includes("ready")) await sleep(20);
    child.stdout.destroy(); // the engine's end of the pipe is gone
    child.stderr.destroy();
    const started = Date.now();
    const code = await new Promise((ok) => child.once("exit", ok));
    expect(code).toBe(0);
    expect(marks(file)).toEqual(["ready", "done", "exit"]); // the operation ended first
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 20_000);

  it("exits when its parent (the engine) is killed", async () => {
    const script = join(work, "child.js");
    writeFileSync(script, CHILD);
    const file = join(work, "parent.marks");
    // sh stands in for the engine; the child's stdout goes to a file, so only the parent's death can tell.
    const parent = spawn("sh", ["-c", `"${process.execPath}" "${script}" "${file}" > /dev/null 2>&1; sleep 60`], {
      cwd: ROOT,
      stdio: "ignore",
    });
    while (!marks(file).includes("ready")) await sleep(20);
    parent.kill("SIGKILL");
    const started = Date.now();
    while (!marks(file).includes("exit") && Date.now() - started < 10_000) await sleep(50);
    expect(marks(file)).toEqual(["ready", "done", "exit"]);
  }, 20_000);
});
