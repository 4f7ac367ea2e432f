/**
 * The parts of a fleet run that need no engine: how engine events add up (a replace counted once, drift repairs not
 * pending, bookkeeping resources left out), the terminal table redrawn in place within the screen, and the exit
 * code's precedence. Real runs with the engine: test/e2e/fleet.test.ts.
 */
import { describe, expect, it } from "vitest";
import { TableProgress } from "../../../provider/fleet/progress";
import { type EngineEventLike, StepTally } from "../../../provider/fleet/steps";
import { exitCode } from "../../../provider/fleet/summary";
import { emptyPending, type FleetReport, type StackReport } from "../../../provider/fleet/types";

const TYPE = "pulumi-nodejs:businesscentral:Company";
const urn = (name: string, type = TYPE) => `urn:pulumi:dev::fleet::${type}::${name}`;
const pre = (op: string, name: string, type = TYPE): EngineEventLike => ({
  resourcePreEvent: { metadata: { op, urn: urn(name, type), type } },
});
const done = (op: string, name: string, extra: object = {}, type = TYPE): EngineEventLike => ({
  resOutputsEvent: { metadata: { op, urn: urn(name, type), type, ...extra } },
});

describe("StepTally", () => {
  it("counts a replace once, whatever steps the engine splits it into, and skips same and bookkeeping", () => {
    const tally = new StepTally();
    for (const op of ["create-replacement", "replace", "delete-replaced"]) tally.add(pre(op, "a"));
    tally.add(pre("create", "b"));
    tally.add(pre("update", "c"));
    tally.add(pre("delete", "d"));
    tally.add(pre("same", "e"));
    tally.add(pre("update", "dev", "pulumi:pulumi:Stack"));
    tally.add(pre("create", "default", "pulumi:providers:pulumi-nodejs"));
    expect(tally.pending()).toEqual({ create: 1, update: 1, delete: 1, replace: 1 });
  });

  it("reads drift from refresh steps: gone is missing, differing outputs are changed; repairs are not pending", () => {
    const tally = new StepTally();
    const outputs = (displayName: string) => ({
      displayName,
      connection: "[secret]",
      secretObject: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: "x" },
      __provider: `shim ${displayName}`,
    });
    const gone = tally.add(done("refresh", "grant", { old: { outputs: outputs("A") } }));
    const changed = tally.add(
      done("refresh", "company", { old: { outputs: outputs("A") }, new: { outputs: outputs("B") } }),
    );
    const same = tally.add(
      done("refresh", "other", { old: { outputs: outputs("A") }, new: { outputs: outputs("A") } }),
    );
    tally.add(pre("create", "grant"));
    tally.add(pre("update", "company"));
    tally.add(pre("update", "program-change"));
    expect(gone).toMatchObject({ drift: "missing", name: "grant" });
    expect(changed).toMatchObject({ drift: "changed", name: "company" });
    expect(same).toBeUndefined();
    expect(tally.drift()).toEqual([
      { urn: urn("grant"), type: TYPE, name: "grant", kind: "missing", properties: [] },
      {
        urn: urn("company"),
        type: TYPE,
        name: "company",
        kind: "changed",
        properties: [{ name: "displayName", recorded: "A", actual: "B" }],
      },
    ]);
    expect(tally.pending()).toEqual({ ...emptyPending(), update: 1 });
    expect(tally.done).toBe(3);
  });

  it("in a refresh run, reads drift from steps named after what they did to the state (update, delete)", () => {
    const tally = new StepTally({ refreshOnly: true });
    const old = { outputs: { displayName: "A" } };
    tally.add(done("delete", "grant", { old }));
    tally.add(done("update", "company", { old, new: { outputs: { displayName: "B" } } }));
    expect(tally.add(done("same", "other", { old, new: old }))).toBeUndefined();
    expect(tally.drift().map((d) => [d.name, d.kind])).toEqual([
      ["grant", "missing"],
      ["company", "changed"],
    ]);
    // Without the flag, an update step of an up is a change made, not drift.
    const up = new StepTally();
    up.add(done("update", "company", { old, new: { outputs: { displayName: "B" } } }));
    expect(up.drift()).toEqual([]);
  });

  it("keeps the engine's error diagnostics, without colour codes or credentials", () => {
    const tally = new StepTally();
    const token = `eyJhbGciOiJSUzI1NiJ9.${"eyJzdWIiOiJ4In0"}.c2lnbmF0dXJl`;
    tally.add({
      diagnosticEvent: { message: `\u001b[31merror:\u001b[0m token ${token} refused\n`, severity: "error" },
    });
    tally.add({ diagnosticEvent: { message: "just info", severity: "info" } });
    expect(tally.error()).toBe("error: token [REDACTED] refused");
  });
});

/** A frame's line as the terminal shows it: no colour or cursor codes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal control codes
const visible = (line: string) => line.replace(/\u001b\[[0-9;]*[A-Za-z]|\r/g, "");

describe("TableProgress", () => {
  it("redraws in place: each frame moves up over the last one, and lines fit the terminal's width", async () => {
    const frames: string[] = [];
    const stacks = ["contoso", "fabrikam", "a-stack-with-a-very-long-name-indeed"];
    const table = new TableProgress({
      stacks,
      operation: "up",
      write: (t) => frames.push(t),
      color: false,
      columns: 60,
      height: 24,
    });
    table.started("contoso");
    table.stepped("contoso", 3, { op: "create", type: TYPE, name: "x".repeat(100) });
    table.close();
    // The first frame starts drawing where the cursor is; the next ones move up over the previous frame first.
    expect(frames[0]!.startsWith("\u001b[2K")).toBe(true);
    const last = frames.at(-1)!;
    expect(last.startsWith("\u001b[4A\r")).toBe(true); // header + 3 stacks
    const lines = last.split("\n").slice(0, -1);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain("up: 3 stacks, 1 running, 2 queued");
    for (const line of lines) expect(visible(line).length).toBeLessThanOrEqual(59);
    expect(lines[1]).toMatch(/contoso\s+running\s+3 steps/);
  });

  it("cuts only the last column of a long line, so the state keeps its colour", () => {
    const frames: string[] = [];
    const table = new TableProgress({
      stacks: ["contoso"],
      operation: "up",
      write: (t) => frames.push(t),
      color: true,
      columns: 80,
      height: 24,
    });
    table.finished({
      stack: "contoso",
      status: "failed",
      drift: [],
      pending: emptyPending(),
      durationSeconds: 3,
      error: `error: ${"x".repeat(200)}`,
    });
    table.close();
    const row = frames.at(-1)!.split("\n")[1]!;
    expect(row).toContain("\u001b[31mfailed  \u001b[0m");
    expect(visible(row)).toHaveLength(79);
    expect(visible(row).endsWith("x…")).toBe(true);
  });

  it("shows only running and failed stacks when they do not fit the screen", () => {
    const frames: string[] = [];
    const stacks = Array.from({ length: 30 }, (_, i) => `tenant-${i}`);
    const table = new TableProgress({
      stacks,
      operation: "drift",
      write: (t) => frames.push(t),
      color: false,
      columns: 100,
      height: 10,
    });
    table.started("tenant-7");
    table.close();
    const lines = frames
      .at(-1)!
      .split("\n")
      .filter((l) => visible(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("drift: 30 stacks, 1 running, 29 queued");
    expect(lines[1]).toContain("tenant-7");
  });
});

describe("exit code", () => {
  const stack = (status: StackReport["status"]): StackReport => ({
    stack: status,
    status,
    drift: [],
    pending: emptyPending(),
    durationSeconds: 1,
  });
  const report = (...statuses: StackReport["status"][]): FleetReport => ({
    operation: "drift",
    project: "p",
    startedAt: "",
    durationSeconds: 1,
    stacks: statuses.map(stack),
  });
  it("is 1 when a stack failed, else 3 when one drifted, else 0", () => {
    expect(exitCode(report("ok", "drifted", "failed"))).toBe(1);
    expect(exitCode(report("ok", "drifted"))).toBe(3);
    expect(exitCode(report("ok", "ok"))).toBe(0);
  });
});
