/**
 * The benchmark users can read (issue 14): in one process and one run, against the emulator with an injected
 * latency, with the real Pulumi engine:
 *
 *  1. the engine floor: the same number of trivial dynamic resources through up, no-op up, refresh, destroy, and
 *     the engine's fixed cost per command: one trivial resource through the same phases (the engine's and the
 *     provider plugin's start-up and wind-down, which no write can overlap and the write bound leaves out);
 *  2. the benchmark stack (2 companies + users × 2 permission set assignments) through the same four phases, and the
 *     bytes of state it leaves (per permission set assignment, and the whole checkpoint);
 *  3. a sequential baseline: the minimal writes sent one at a time, as a shell script would;
 *  4. memory: the Extension resource's whole create of a 1 MB and a 100 MB `.app` (BC 24, extensionUpload), and
 *     uploads of a 50 MB `.rapidstart` and a 50 MB pteInstall `.app` (buffered vs streamed from disk).
 *
 * By default 1 and 2 run as users run them: `pulumi up` / `refresh` / `destroy` (the CLI, the Node language host)
 * on a consumer project with the packed package installed (scripts/lib/bench-consumer.ts), so resources store the
 * module-reference provider. `--inline` runs them as inline Automation API programs inside this repository instead
 * (no language host, the text-form provider in state); `--tarball <file>` installs that pack instead of the working
 * tree's (before/after).
 *
 * It prints requests per resource per phase, wall times and the ratios to max(write bound at 5 in flight, engine
 * floor), to what is attainable (fixed cost + max(write bound, the floor's per-resource share)) and to the baseline.
 *
 *   npm run build && node dist/scripts/bench-stack.js [--users 100] [--latency 250] [--jitter 0]
 *     [--skip floor,stack,baseline,memory] [--skip-checkpoints] [--floor-pad <bytes>] [--inline] [--tarball <file>]
 *
 * With --inline, set PULUMI_BUSINESSCENTRAL_PROVIDER to a package folder to measure that build of the provider.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { ConfigMap, Stack } from "@pulumi/pulumi/automation";
import { type RunningEmulator, startEmulator } from "../emulator";
import { sequentialBaseline } from "./lib/bench-baseline";
import { type BenchConsumer, createBenchConsumer, expectSuccess, timedRun } from "./lib/bench-consumer";
import { type BenchOptions, benchStackConfig, startBenchEmulator, takeRequests } from "./lib/bench-fixture";
import { measureUploads } from "./lib/bench-memory";
import { benchProgram, benchResourceCount, floorProgram } from "./lib/bench-programs";
import { cliEnv, configSetArgs, PULUMI_BIN } from "./lib/cli";
import { openStack } from "./lib/pulumi-stack";

const MAX_IN_FLIGHT = 5;
const PHASES = ["up", "no-op up", "refresh", "destroy"] as const;
type Phase = (typeof PHASES)[number];

interface PhaseResult {
  ms: number;
  requests?: ReturnType<typeof takeRequests>;
}

/** One stack of the benchmark, however it is run. */
interface BenchStack {
  run(phase: Phase): Promise<void>;
  /** The stack's checkpoint as `pulumi stack export` gives it. */
  exportState(): Promise<{ resources?: { urn: string }[] }>;
}

/** A stack's program: the engine floor (`resources` trivial resources) or the benchmark stack (`users`). */
type Program = { kind: "floor"; resources: number; pad: number } | { kind: "stack"; users: number };

/** The four phases; with `emu`, the requests of each, and the state's size printed after `up` (outside the timings). */
async function runPhases(stack: BenchStack, emu?: RunningEmulator): Promise<Record<Phase, PhaseResult>> {
  const out = {} as Record<Phase, PhaseResult>;
  for (const phase of PHASES) {
    if (emu) takeRequests(emu);
    const started = Date.now();
    await stack.run(phase);
    out[phase] = { ms: Date.now() - started, requests: emu ? takeRequests(emu) : undefined };
    if (emu && phase === "up") log(stateFigures(await stack.exportState()));
  }
  return out;
}

/** An inline Automation API program in this process (the in-repo path: the text-form provider in state). */
async function inlineStack(work: string, name: string, program: Program, config: ConfigMap): Promise<BenchStack> {
  const stack: Stack = await openStack({
    projectName: `bench-${name}`,
    stackName: "bench",
    program: program.kind === "floor" ? floorProgram(program.resources, program.pad) : benchProgram(program.users),
    stateDir: join(work, name),
    config,
  });
  const quiet = { onOutput: () => undefined };
  return {
    async run(phase) {
      if (phase === "up" || phase === "no-op up") {
        const r = await stack.up(quiet);
        if (r.summary.result !== "succeeded") throw new Error(`${phase} ${r.summary.result}`);
      } else if (phase === "refresh") await stack.refresh(quiet);
      else await stack.destroy(quiet);
    },
    exportState: async () => (await stack.exportStack()).deployment,
  };
}

/** A stack of the packed consumer project, driven by the `pulumi` CLI as a user types the commands. */
async function cliStack(
  consumer: BenchConsumer,
  work: string,
  name: string,
  program: Program,
  config: ConfigMap,
): Promise<BenchStack> {
  const env = cliEnv(
    join(work, "state"),
    process.env.PULUMI_SKIP_CHECKPOINTS ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {},
  );
  const pulumi = (args: string[], input?: string) =>
    timedRun(join(PULUMI_BIN, "pulumi"), [...args, "--stack", name], { cwd: consumer.project, env, input });
  expectSuccess(`pulumi stack init ${name}`, await pulumi(["stack", "init"]));
  const settings: ConfigMap = { ...config };
  for (const [key, value] of Object.entries(program)) settings[`bench:${key}`] = { value: String(value) };
  for (const [key, { value, secret }] of Object.entries(settings)) {
    const set = configSetArgs(key, value, secret ?? false);
    expectSuccess(`pulumi config set ${key}`, await pulumi(set.args, set.input));
  }
  const command: Record<Phase, string[]> = {
    up: ["up", "--yes", "--skip-preview"],
    "no-op up": ["up", "--yes", "--skip-preview"],
    refresh: ["refresh", "--yes", "--skip-preview"],
    destroy: ["destroy", "--yes", "--skip-preview"],
  };
  return {
    async run(phase) {
      expectSuccess(`pulumi ${phase} (${name})`, await pulumi(command[phase]));
    },
    async exportState() {
      const exported = expectSuccess(`pulumi stack export (${name})`, await pulumi(["stack", "export"]));
      return (JSON.parse(exported.stdout) as { deployment: { resources?: { urn: string }[] } }).deployment;
    },
  };
}

/** Bytes of state: the whole checkpoint and, on average, one permission set assignment's entry. */
function stateFigures(deployment: { resources?: { urn: string }[] }): string {
  const assignments = (deployment.resources ?? []).filter((r) => /::bench\d{4}-/.test(r.urn));
  const perAssignment =
    assignments.reduce((sum, r) => sum + JSON.stringify(r).length, 0) / Math.max(1, assignments.length);
  return `state after up: ${JSON.stringify(deployment).length.toLocaleString("en")} bytes for ${(deployment.resources ?? []).length} resources, ${Math.round(perAssignment).toLocaleString("en")} bytes per permission set assignment (${assignments.length} measured)`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      users: { type: "string", default: "100" },
      latency: { type: "string", default: "250" },
      jitter: { type: "string", default: "0" },
      skip: { type: "string", default: "" },
      "skip-checkpoints": { type: "boolean", default: false },
      "floor-pad": { type: "string", default: "0" },
      inline: { type: "boolean", default: false },
      tarball: { type: "string" },
    },
  });
  // The engine rewrites the whole state file after every step: its cost grows with the stack and with each
  // resource's state (the serialized provider is most of it), which trivial floor resources do not have.
  if (values["skip-checkpoints"]) process.env.PULUMI_SKIP_CHECKPOINTS = "true";
  const options: BenchOptions = {
    users: Number(values.users),
    latencyMs: Number(values.latency),
    jitterMs: Number(values.jitter),
  };
  const skip = new Set((values.skip ?? "").split(",").filter(Boolean));
  const resources = benchResourceCount(options.users);
  const work = mkdtempSync(join(tmpdir(), "bc-bench-stack-"));
  const provider = values.inline
    ? `inline programs in this repository, provider ${process.env.PULUMI_BUSINESSCENTRAL_PROVIDER ?? "from this build"}`
    : `pulumi CLI on a consumer project, package ${values.tarball ?? "packed from this working tree"}`;
  log(`bench-stack: ${resources} resources, latency ${options.latencyMs} ms ± ${options.jitterMs}, ${provider}`);
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}`);
  log(
    `engine checkpoints: ${process.env.PULUMI_SKIP_CHECKPOINTS === "true" ? "skipped (PULUMI_SKIP_CHECKPOINTS)" : "written after every step (default)"}`,
  );

  const emu = await startBenchEmulator(options);
  const needsStacks = !skip.has("floor") || !skip.has("stack");
  const consumer = needsStacks && !values.inline ? await createBenchConsumer(work, values.tarball) : undefined;
  if (consumer) log(`consumer project: @pulumi/pulumi ${consumer.pulumiVersion}`);
  const open = (name: string, program: Program, config: ConfigMap) =>
    consumer ? cliStack(consumer, work, name, program, config) : inlineStack(work, name, program, config);
  try {
    let floor: Record<Phase, PhaseResult> | undefined;
    let fixed: Record<Phase, PhaseResult> | undefined;
    if (!skip.has("floor")) {
      const pad = Number(values["floor-pad"]);
      log("engine fixed cost (one trivial resource) …");
      fixed = await runPhases(await open("fixed", { kind: "floor", resources: 1, pad }, {}));
      log("engine floor …");
      floor = await runPhases(await open("floor", { kind: "floor", resources, pad }, {}));
    }
    if (!skip.has("stack")) {
      log("benchmark stack …");
      const stack = await open("stack", { kind: "stack", users: options.users }, benchStackConfig(emu));
      const bench = await runPhases(stack, emu);
      if (!skip.has("baseline")) log("sequential baseline …");
      const baseline = skip.has("baseline") ? undefined : await sequentialBaseline(emu, options.users);
      printTable(options, resources, bench, floor, fixed, baseline);
    }
    if (!skip.has("memory")) {
      // An emulator of its own at 1/100 of BC's durations: an extension deployment would otherwise take minutes.
      log("memory: the Extension resource's create and uploads, each from a provider process of its own …");
      const fast = await startEmulator({ timeScale: 0.01 });
      try {
        for (const line of await measureUploads(fast, work)) log(line);
      } finally {
        await fast.stop();
      }
    }
  } finally {
    await emu.stop();
    consumer?.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

function printTable(
  options: BenchOptions,
  resources: number,
  bench: Record<Phase, PhaseResult>,
  floor: Record<Phase, PhaseResult> | undefined,
  fixed: Record<Phase, PhaseResult> | undefined,
  baseline: Awaited<ReturnType<typeof sequentialBaseline>> | undefined,
) {
  const writeBound = (resources * options.latencyMs) / MAX_IN_FLIGHT;
  const rows = [
    "| phase | requests | requests / resource | token requests | wall time | write bound | engine floor | ratio to max(bound, floor) | engine fixed cost | ratio to fixed + max(bound, floor − fixed) | baseline | faster than baseline |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const phase of PHASES) {
    const r = bench[phase];
    const writes = phase === "up" || phase === "destroy";
    const bound = writes ? writeBound : 0;
    const floorMs = floor?.[phase].ms;
    const reference = Math.max(bound, floorMs ?? 0);
    const base = baseline && writes ? (phase === "up" ? baseline.upMs : baseline.destroyMs) : undefined;
    // What no provider can beat: the command's fixed cost, then the writes or the engine's per-resource work.
    const fixedMs = fixed?.[phase].ms;
    const attainable =
      fixedMs === undefined || floorMs === undefined ? undefined : fixedMs + Math.max(bound, floorMs - fixedMs);
    rows.push(
      `| ${phase} | ${r.requests?.api ?? "?"} | ${((r.requests?.api ?? 0) / resources).toFixed(2)} | ${r.requests?.token ?? "?"} | ${s(r.ms)} | ${writes ? s(bound) : "–"} | ${floorMs === undefined ? "–" : s(floorMs)} | ${reference > 0 ? (r.ms / reference).toFixed(2) : "–"} | ${fixedMs === undefined ? "–" : s(fixedMs)} | ${attainable === undefined ? "–" : (r.ms / attainable).toFixed(2)} | ${base === undefined ? "–" : s(base)} | ${base === undefined ? "–" : `${(base / r.ms).toFixed(1)}×`} |`,
    );
  }
  process.stdout.write(`\n${rows.join("\n")}\n\n`);
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) => process.stdout.write(`${line}\n`);

main().catch((err) => {
  process.stderr.write(`bench-stack failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
