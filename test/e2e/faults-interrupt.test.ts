/**
 * Interrupted runs with the real engine (docs/reliability.md): `kill -9` of the engine while creates are in flight
 * (the emulator holds the POSTs with `delayMs`). The dynamic-provider process must not outlive the engine by more
 * than the in-flight work plus a few seconds, and after `pulumi cancel` the next `up` converges with no duplicate,
 * no orphan and no change to the program; `destroy` then brings the environment back to its seed.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator";
import { cliEnv, PULUMI_BIN, run } from "../../scripts/lib/cli";
import { emulatorConfig } from "./stack-runner";

const ROOT = resolve(__dirname, "../..");
const STACK = join(ROOT, "dist/scripts/stack.js");
const PROJECT = "interrupt";
const HOLD_MS = 4_000;

let emu: RunningEmulator;
let work: string;
let programFile: string;
let configFile: string;

interface Summary {
  result: string;
  changes?: Record<string, number>;
  error?: string;
}

function stackProcess(op: string) {
  return spawn(
    process.execPath,
    [
      STACK,
      op,
      "--example",
      PROJECT,
      "--program",
      programFile,
      "--stack",
      "e2e",
      "--state-dir",
      join(work, "state"),
      "--config-file",
      configFile,
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
}

async function pulumi(op: string): Promise<Summary & { log: string }> {
  const child = stackProcess(op);
  let out = "";
  let log = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (log += d));
  await new Promise((ok) => child.once("exit", ok));
  return { ...(JSON.parse(out.trim().split("\n").pop() || "{}") as Summary), log };
}

/** The processes below `pid` with their command lines (Linux /proc). */
function descendants(pid: number): { pid: number; cmd: string }[] {
  const children = new Map<number, number[]>();
  const commands = new Map<number, string>();
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
      commands.set(Number(name), readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " "));
    } catch {
      // exited meanwhile
    }
  }
  const found: { pid: number; cmd: string }[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      found.push({ pid: c, cmd: commands.get(c) ?? "" });
      walk(c);
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const production = () => emu.state().tenants[0]!.environments.find((e) => e.name === "production")!;
const legacy = () => emu.state().tenants[0]!.environments.find((e) => e.name === "sandbox-24")!;
const userId = (name: string) => production().users.find((u) => u.userName === name)!.userSecurityId;
const companies = () => production().companies.filter((c) => c.name === "Interrupted Co");
const grants = () =>
  production().accessControls.filter((a) => a.userSecurityId === userId("ISAIAH") && a.roleId === "D365 READ");
const members = () => {
  const isaiah = legacy().users.find((u) => u.userName === "ISAIAH")!.userSecurityId;
  return legacy().userGroupMembers.filter((m) => m.userSecurityId === isaiah && m.code === "D365 SALES");
};

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  work = mkdtempSync(join(tmpdir(), "bc-interrupt-"));
  programFile = join(work, "program.js");
  configFile = join(work, "config.json");
  writeFileSync(
    programFile,
    `const bc = require(${JSON.stringify(join(ROOT, "dist/sdk"))});
new bc.Company("interrupted-co", { displayName: "Interrupted Co" });
new bc.PermissionSetAssignment("interrupted-grant", { userName: "ISAIAH", roleId: "D365 READ" });
new bc.UserGroupMember("interrupted-member", { environment: "sandbox-24", userName: "ISAIAH", groupCode: "D365 SALES" });
`,
  );
  writeFileSync(configFile, JSON.stringify(emulatorConfig(emu)));
}, 60_000);

afterAll(async () => {
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("kill -9 of the engine while creates are in flight", () => {
  let providers: number[] = [];

  it("no provider process outlives the engine by more than the in-flight work and a few seconds", async () => {
    const rules = ["*/automationCompanies", "*/userPermissions", "*/userGroupMembers"].map((path) =>
      emu.faults.add({ method: "POST", path, delayMs: HOLD_MS, count: 1 }),
    );
    const host = stackProcess("up");
    host.stdout.resume();
    host.stderr.resume();
    const deadline = Date.now() + 60_000;
    // Wait until all three POSTs are held by the emulator, i.e. the creates are in flight.
    while (emu.faults.list().filter((f) => rules.some((r) => r.id === f.id) && f.fired > 0).length < 3) {
      if (Date.now() > deadline) throw new Error("the creates never reached the emulator");
      await sleep(50);
    }
    const tree = descendants(host.pid!);
    const engine = tree.filter((p) => /(^|\/)pulumi (up|preview)? ?/.test(p.cmd) || /\/pulumi\s/.test(p.cmd));
    providers = tree.filter((p) => p.cmd.includes("dynamic-provider")).map((p) => p.pid);
    expect(engine.length, JSON.stringify(tree)).toBeGreaterThan(0);
    expect(providers.length, JSON.stringify(tree)).toBeGreaterThan(0);
    // The CI runner cancels the job: the automation host and the engine die at once; the plugin is left behind.
    const killedAt = Date.now();
    for (const p of [host.pid!, ...engine.map((e) => e.pid)]) process.kill(p, "SIGKILL");
    while (providers.some(alive) && Date.now() - killedAt < HOLD_MS + 20_000) await sleep(100);
    const outlived = Date.now() - killedAt;
    expect(providers.filter(alive), `provider still running after ${outlived} ms`).toEqual([]);
    expect(outlived).toBeLessThan(HOLD_MS + 8_000);
    emu.faults.clear();
    // The creates the engine never heard back about were finished by BC.
    expect(companies()).toHaveLength(1);
    expect(grants()).toHaveLength(1);
    expect(members()).toHaveLength(1);
  }, 120_000);

  it("after pulumi cancel, the next up converges: no duplicate, no orphan, no program change", async () => {
    const env = cliEnv(join(work, "state"));
    const cancel = await run(
      join(PULUMI_BIN, "pulumi"),
      ["cancel", "--yes", "--stack", `organization/${PROJECT}/e2e`],
      {
        cwd: work,
        env,
      },
    );
    expect(cancel.code, cancel.output).toBe(0);
    const up = await pulumi("up");
    expect(up.result, up.error ?? up.log.slice(-4000)).toBe("succeeded");
    expect(up.log).toMatch(/recovering Company 'Interrupted Co'/);
    expect(companies()).toHaveLength(1);
    expect(grants()).toHaveLength(1);
    expect(members()).toHaveLength(1);
    const again = await pulumi("up");
    expect(again.result).toBe("succeeded");
    expect(Object.keys(again.changes ?? {})).toEqual(["same"]);
  }, 180_000);

  it("destroy removes what the stack created, recovered objects included", async () => {
    const destroyed = await pulumi("destroy");
    expect(destroyed.result, destroyed.error ?? destroyed.log.slice(-3000)).toBe("succeeded");
    expect(companies()).toHaveLength(0);
    expect(grants()).toHaveLength(0);
    expect(members()).toHaveLength(0);
  }, 120_000);
});
