/**
 * `export` of the emulator's default production environment, end to end: the program compiles (tsc, strict), its
 * `up` with the real engine adopts everything without a single write request to BC, and a second preview shows no
 * changes.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator";
import { main } from "../../provider/cli";
import { emulatorConfig, ROOT, runStack, writeRequests } from "./stack-runner";
import { emulatorCliFlags } from "../provider/helpers/emu";

let emu: RunningEmulator;
let work: string;
let program: string;

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  work = mkdtempSync(join(tmpdir(), "bc-e2e-export-"));
});

afterAll(async () => {
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const run = (op: "up" | "preview") =>
  runStack(join(work, "stack"), emulatorConfig(emu), op, [
    "--example",
    "exported",
    "--program",
    join(work, "program/bin/index.js"),
  ]);

describe("export of the default production environment", { timeout: 180_000 }, () => {
  it("produces a program that compiles", async () => {
    let stdout = "";
    const code = await main(["export", "--environment", "production", ...emulatorCliFlags(emu)], {
      stdout: (t) => {
        stdout += t;
      },
      stderr: () => {},
      env: { AZURE_CLIENT_SECRET: emu.clientSecret },
    });
    expect(code).toBe(0);
    program = stdout;
    // A project folder as a user has it: the package and @pulumi/pulumi resolve from node_modules.
    const dir = join(work, "program");
    mkdirSync(join(dir, "node_modules/@pulumi"), { recursive: true });
    symlinkSync(ROOT, join(dir, "node_modules/pulumi-businesscentral"));
    symlinkSync(join(ROOT, "node_modules/@pulumi/pulumi"), join(dir, "node_modules/@pulumi/pulumi"));
    symlinkSync(join(ROOT, "node_modules/@types"), join(dir, "node_modules/@types"));
    writeFileSync(join(dir, "index.ts"), program);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          outDir: "bin",
          target: "es2022",
          module: "commonjs",
          esModuleInterop: true,
          skipLibCheck: true,
          types: ["node"],
        },
        files: ["index.ts"],
      }),
    );
    execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir], { stdio: "pipe" });
  });

  it("its up adopts everything and sends no write request to BC", async () => {
    emu.clearRequests();
    const up = await run("up");
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    const resources = program.split("\n").filter((l) => l.startsWith("new bc.")).length;
    expect(up.changes).toMatchObject({ create: resources + 1 }); // + the stack itself
    expect(writeRequests(emu)).toEqual([]);
  });

  it("a second preview shows no changes", async () => {
    emu.clearRequests();
    const preview = await run("preview");
    expect(preview.result, preview.error).toBe("succeeded");
    expect(Object.keys(preview.changes ?? {})).toEqual(["same"]);
    expect(writeRequests(emu)).toEqual([]);
  });
});
